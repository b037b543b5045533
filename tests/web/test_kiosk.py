"""The lobby kiosk for elders: start screen, keypad login, booking in two taps,
slips, calling staff, and never leaking a login to the next person."""

from datetime import timedelta

from app.extensions import db
from app.models import Booking, BookingStatus, Channel, HelpRequest, Role


def _login(client, who, pin="123456"):
    return client.post("/kiosk/login", data={"who": who, "pin": pin})


def test_start_screen_shows_the_week_with_seats_for_anyone(make, client):
    make.activity(title="书法班", capacity=15)
    make.commit()
    html = client.get("/kiosk/?lang=en").get_data(as_text=True)
    assert "书法班" in html and "15 seats left" in html
    assert 'href="/kiosk/login"' in html
    assert "Call staff" in html
    # Fresh seat counts: kiosk.js starts again when nobody touches the screen, a
    # <noscript> refresh without JavaScript; never a bare timed meta refresh.
    assert 'data-refresh-idle="300" data-refresh-url="/kiosk/timeout"' in html
    assert (
        '<noscript><meta http-equiv="refresh" content="300;url=/kiosk/timeout"></noscript>' in html
    )
    assert html.count('http-equiv="refresh"') == 1


def test_the_idle_prompt_counts_down_in_a_real_element(make, client):
    elder = make.resident()
    make.commit()
    _login(client, elder.phone)
    html = client.get("/kiosk/me").get_data(as_text=True)
    assert '<span id="idle-count">20</span>' in html and "&lt;span" not in html


def test_a_member_card_number_typed_on_the_keypad_logs_in(make, client):
    elder = make.resident()
    make.commit()
    digits = str(int(elder.person.member_no[2:]))  # "ZX000007" typed as "7"
    response = _login(client, digits)
    assert response.status_code == 303 and response.headers["Location"].endswith("/kiosk/me")


def test_an_elder_books_in_two_taps_and_gets_a_slip(make, client, now):
    activity = make.activity(title="书法班", capacity=15, start_in=timedelta(days=2))
    elder = make.resident()
    make.commit()
    _login(client, elder.phone)
    # Tap 1: "Book a class" on the kiosk home.
    home = client.get("/kiosk/me?lang=en").get_data(as_text=True)
    assert 'href="/kiosk/classes"' in home
    # Tap 2: "Book" next to the class.
    listing = client.get("/kiosk/classes").get_data(as_text=True)
    assert "书法班" in listing
    answer = client.post(
        "/kiosk/book", data={"activity_id": activity.id, "session_id": activity.sessions[0].id}
    )
    booking = db.session.query(Booking).one()
    # A redirect, so Back never meets a resubmission prompt.
    assert answer.status_code == 303
    assert answer.headers["Location"] == f"/kiosk/bookings/{booking.id}"
    html = client.get(answer.headers["Location"]).get_data(as_text=True)
    assert "You are booked!" in html and "书画室" in html
    assert booking.channel == Channel.KIOSK and booking.status == BookingStatus.CONFIRMED
    slip = client.get(f"/kiosk/bookings/{booking.id}/slip").get_data(as_text=True)
    assert "书法班" in slip and "Booked" in slip
    assert "书法班" in client.get("/kiosk/bookings").get_data(as_text=True)
    assert "Booked" in client.get("/kiosk/classes").get_data(as_text=True)


def test_kiosk_refusal_is_explained_after_a_redirect(make, client):
    activity = make.activity(title="安全童行", audience="child", min_age=6, max_age=12)
    elder = make.resident(age=75)
    make.commit()
    _login(client, elder.phone)
    assert "安全童行" not in client.get("/kiosk/classes").get_data(as_text=True)
    response = client.post(
        "/kiosk/book?lang=en",
        data={"activity_id": activity.id, "session_id": activity.sessions[0].id},
    )
    assert response.status_code == 303 and response.headers["Location"] == "/kiosk/classes"
    page = client.get("/kiosk/classes?lang=en").get_data(as_text=True)
    assert "too old for this class" in page
    assert db.session.query(Booking).count() == 0


def test_slips_of_another_household_are_not_shown(make, client, now):
    activity = make.activity()
    elder, neighbour = make.resident(), make.resident()
    make.commit()
    _login(client, neighbour.phone)
    client.post(
        "/kiosk/book", data={"activity_id": activity.id, "session_id": activity.sessions[0].id}
    )
    client.post("/kiosk/done")
    theirs = db.session.query(Booking).one()
    _login(client, elder.phone)
    assert client.get(f"/kiosk/bookings/{theirs.id}/slip").status_code == 404


def test_an_idle_kiosk_login_ends_on_the_next_touch_even_without_javascript(app, make, client, now):
    elder = make.resident()
    make.commit()
    _login(client, elder.phone)
    app.config["FROZEN_NOW"] = now + timedelta(seconds=100)
    assert client.get("/kiosk/me").status_code == 200  # still within 110 s
    app.config["FROZEN_NOW"] = now + timedelta(seconds=215)
    response = client.get("/kiosk/me")
    assert response.status_code == 303 and response.headers["Location"].endswith("/kiosk/")
    assert client.get("/kiosk/me").status_code == 302  # logged out
    page = client.get("/kiosk/me?lang=en", follow_redirects=True).get_data(as_text=True)
    assert elder.person.name not in page


def test_pages_without_javascript_carry_a_timed_logout(make, client):
    elder = make.resident()
    make.commit()
    _login(client, elder.phone)
    html = client.get("/kiosk/me").get_data(as_text=True)
    assert (
        '<noscript><meta http-equiv="refresh" content="110;url=/kiosk/timeout"></noscript>' in html
    )
    assert 'id="idle-dialog"' in html and 'data-prompt="90"' in html and 'data-answer="20"' in html
    assert client.get("/kiosk/timeout").status_code == 303
    assert client.get("/kiosk/me").status_code == 302


def test_call_staff_shows_on_the_desk_screen_until_helped(make, client, auth):
    elder = make.resident()
    staff = make.user(role=Role.STAFF, age=40)
    make.commit()
    _login(client, elder.phone)
    first = client.post("/kiosk/help", headers={"HX-Request": "true"})
    client.post("/kiosk/help", headers={"HX-Request": "true"})  # pressed twice
    assert first.status_code == 200
    assert db.session.query(HelpRequest).count() == 1
    client.post("/kiosk/done")
    auth.login(staff)
    desk = client.get("/kiosk/help-requests").get_data(as_text=True)
    assert elder.person.name in desk and elder.phone in desk
    request_id = db.session.query(HelpRequest).one().id
    assert client.post(f"/kiosk/help-requests/{request_id}/done").status_code == 303
    assert elder.person.name not in client.get("/kiosk/help-requests").get_data(as_text=True)


def test_anyone_at_the_start_screen_can_call_staff(client):
    response = client.post("/kiosk/help")
    assert response.status_code == 303
    assert db.session.query(HelpRequest).filter(HelpRequest.user_id.is_(None)).count() == 1


def test_without_javascript_a_refusal_is_shown_in_todays_list_not_at_the_top(make, client, now):
    """The visitor looks at the list she tapped in: the refusal appears there, in
    the kiosk's large message style, after a redirect (no resubmission on Back)."""
    activity = make.activity(title="书法班")
    session = activity.sessions[0]
    session.starts_at = now + timedelta(hours=5)
    session.ends_at = now + timedelta(hours=6)
    elder = make.resident(age=75)
    make.commit()
    _login(client, elder.phone)
    response = client.post(
        f"/kiosk/sessions/{session.id}/check-in?lang=en", data={"person_id": elder.person.id}
    )
    assert response.status_code == 303 and response.headers["Location"] == "/kiosk/me"
    html = client.get("/kiosk/me?lang=en").get_data(as_text=True)
    assert "Check-in opens at" in html
    listed = html.split('id="kiosk-today"', 1)[1]
    assert 'kiosk-message" role="alert">' in listed
    assert 'class="flashes' not in html.split('id="kiosk-today"', 1)[0]
