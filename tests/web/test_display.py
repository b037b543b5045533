from datetime import timedelta


def test_lobby_display_lists_todays_sessions_with_seats_and_refreshes(make, client, now):
    today = make.activity(title="合唱团", capacity=3, start_in=timedelta(hours=4))
    make.activity(title="越剧班", capacity=3, start_in=timedelta(days=1))
    make.activity(title="早操", capacity=3, start_in=timedelta(hours=-3))  # already over
    make.commit()
    html = client.get("/display?lang=en").get_data(as_text=True)
    assert "合唱团" in html and "3 seats left" in html
    assert "越剧班" not in html and "早操" not in html
    # Reloads itself: a script where JavaScript runs (a timed meta refresh fails
    # WCAG 2.2.1 for anyone reading), the meta refresh only for TVs without it.
    assert '<noscript><meta http-equiv="refresh" content="60"></noscript>' in html
    assert 'data-refresh="60"' in html and "js/display.js" in html
    assert today.room in html


def test_a_session_called_off_today_stays_on_the_board_as_cancelled_with_the_reason(
    make, client, now
):
    """Elders who come to the lobby for a class staff called off read on the board
    that it is cancelled, and why, rather than finding it gone."""
    from app.models import Role
    from app.services.schedule.sessions import cancel_session

    staff = make.user(role=Role.STAFF, age=40)
    choir = make.activity(title="合唱团", capacity=3, start_in=timedelta(hours=4))
    dance = make.activity(title="舞蹈班", capacity=3, start_in=timedelta(hours=2))
    tomorrow = make.activity(title="越剧班", capacity=3, start_in=timedelta(days=1))
    cancel_session(choir.sessions[0], by=staff, now=now, reason="老师生病")
    cancel_session(tomorrow.sessions[0], by=staff, now=now, reason="停电")
    make.commit()
    html = client.get("/display").get_data(as_text=True)
    assert "舞蹈班" in html and "合唱团" in html
    assert html.index("舞蹈班") < html.index("合唱团")  # still in time order
    assert "已取消</strong>: 老师生病" in html
    assert "越剧班" not in html and "停电" not in html  # another day's
    english = client.get("/display?lang=en").get_data(as_text=True)
    assert "Cancelled</strong>: 老师生病" in english
    assert dance.sessions[0].cancel_reason is None
