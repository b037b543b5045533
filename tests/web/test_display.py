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
