"""Booking and cancelling through the pages, with and without htmx."""

import re
from datetime import timedelta

from app.extensions import db
from app.models import Booking, BookingStatus, Notice

HX = {"HX-Request": "true"}


def _setup(make, capacity=1):
    activity = make.activity(title="书法班", capacity=capacity)
    user = make.resident()
    make.commit()
    return activity, user


def _book_data(activity, person):
    return {
        "person_id": person.id,
        "activity_id": activity.id,
        "session_id": activity.sessions[0].id,
    }


def _book_as(auth, client, user, activity, person=None):
    """`user` logs in, books `person` (themselves by default) and logs out."""
    auth.login(user)
    client.post("/me/bookings", data=_book_data(activity, person or user.person))
    auth.logout()


def test_plain_form_books_and_redirects_to_the_class(make, auth, client):
    activity, user = _setup(make)
    auth.login(user)
    response = client.post("/me/bookings", data=_book_data(activity, user.person))
    assert response.status_code == 303
    assert response.headers["Location"].endswith(f"/classes/{activity.id}")
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "已预约" in page or "Booked" in page
    assert db.session.query(Booking).one().status == BookingStatus.CONFIRMED


def test_htmx_booking_returns_the_updated_card(make, auth, client):
    activity, user = _setup(make, capacity=3)
    auth.login(user)
    response = client.post(
        "/me/bookings?lang=en", data=_book_data(activity, user.person), headers=HX
    )
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert html.lstrip().startswith('<section class="card"')
    assert "2 seats left" in html
    assert "is booked" in html
    assert response.headers["X-Booking-Status"] == "confirmed"
    assert "HX-Request" in response.headers["Vary"]
    booking = db.session.query(Booking).one()
    assert booking.person_id == user.person.id and booking.status == BookingStatus.CONFIRMED
    db.session.expire_all()
    assert activity.sessions[0].taken == 1


def test_full_class_waitlists_and_shows_the_position(make, auth, client):
    activity, user = _setup(make, capacity=1)
    other = make.resident()
    make.commit()
    _book_as(auth, client, other, activity)
    auth.login(user)
    response = client.post(
        "/me/bookings?lang=en", data=_book_data(activity, user.person), headers=HX
    )
    html = response.get_data(as_text=True)
    assert response.headers["X-Booking-Status"] == "waitlisted"
    assert "waiting list, number 1" in html
    mine = db.session.query(Booking).filter_by(person_id=user.person.id).one()
    assert mine.status == BookingStatus.WAITLISTED


def test_the_card_shows_each_waiting_family_member_their_own_place(make, auth, client):
    activity, first = _setup(make, capacity=1)
    user = make.resident()
    spouse = make.person(household=user.person.household, name="老伴")
    make.commit()
    _book_as(auth, client, first, activity)  # the seat
    auth.login(user)
    client.post("/me/bookings", data=_book_data(activity, user.person), headers=HX)
    response = client.post("/me/bookings?lang=en", data=_book_data(activity, spouse), headers=HX)
    html = response.get_data(as_text=True)
    assert response.headers["X-Booking-Status"] == "waitlisted"
    assert "老伴 is on the waiting list, number 2" in html
    assert "Full · 2 waiting" in html
    rows = re.findall(r'<li class="member[^"]*">\s*<span>([^:<]+):.*?number (\d+)', html, re.S)
    assert rows == [(user.person.name, "1"), ("老伴", "2")]


def test_a_full_term_class_card_shows_the_queue_and_the_waiting_member(make, auth, client):
    activity = make.activity(title="合唱团", capacity=1, sessions=4, series=True)
    first, user = make.resident(), make.resident()
    make.commit()
    term = {"activity_id": activity.id}
    auth.login(first)
    taken = client.post("/me/bookings", data={**term, "person_id": first.person.id}, headers=HX)
    assert taken.headers["X-Booking-Status"] == "confirmed"
    auth.logout()
    auth.login(user)
    response = client.post(
        "/me/bookings?lang=en", data={**term, "person_id": user.person.id}, headers=HX
    )
    html = response.get_data(as_text=True)
    assert response.headers["X-Booking-Status"] == "waitlisted"
    assert 'id="card-series-' in html and "Full · 1 waiting" in html
    assert "On the waiting list, number 1" in html


def test_refusal_is_a_409_with_the_reason_in_both_renderings(make, auth, client):
    activity, user = _setup(make)
    auth.login(user)
    client.post("/me/bookings", data=_book_data(activity, user.person))
    again = client.post("/me/bookings?lang=en", data=_book_data(activity, user.person), headers=HX)
    assert again.status_code == 409
    assert "already booked" in again.get_data(as_text=True)
    plain = client.post("/me/bookings?lang=en", data=_book_data(activity, user.person))
    assert plain.status_code == 409
    html = plain.get_data(as_text=True)
    assert "<html" in html and "already booked" in html
    assert db.session.query(Booking).count() == 1


def test_window_not_open_is_explained_in_centre_time(make, auth, client, now):
    activity = make.activity(opens_at=now + timedelta(days=1, hours=6), start_in=timedelta(days=5))
    user = make.resident()
    make.commit()
    page = client.get(f"/classes/{activity.id}?lang=en").get_data(as_text=True)
    # 24 Nov 08:00 UTC is 16:00 in Shanghai.
    assert "Booking opens on Tue 24 Nov, 16:00" in page
    auth.login(user)
    response = client.post("/me/bookings?lang=zh_CN", data=_book_data(activity, user.person))
    assert response.status_code == 409
    assert "11月24日 周二 16:00" in response.get_data(as_text=True)
    assert db.session.query(Booking).count() == 0


def test_no_book_button_shows_before_booking_opens_or_after_it_closed(make, auth, client, now):
    """A button the server would refuse is not shown: before the window opens the
    card says when it opens; once it closed, that it closed; in between, 预约."""
    user = make.resident()
    soon = make.activity(opens_at=now + timedelta(days=1), start_in=timedelta(days=5))
    closed = make.activity(
        title="书法班", closes_at=now - timedelta(hours=1), start_in=timedelta(days=6)
    )
    open_now = make.activity(title="合唱团", start_in=timedelta(days=7))
    make.commit()
    auth.login(user)
    for activity, says in ((soon, "开始预约"), (closed, "停止预约")):
        page = client.get(f"/classes/{activity.id}").get_data(as_text=True)
        assert 'class="book-form"' not in page, activity.title
        assert page.count(says) >= 2, activity.title  # at the top and on the card
    page = client.get(f"/classes/{open_now.id}").get_data(as_text=True)
    assert 'class="book-form"' in page and "card-window" not in page


def test_booking_someone_of_another_household_is_not_found(make, auth, client):
    """Their id answers like an id that does not exist."""
    activity, user = _setup(make)
    stranger = make.resident()
    make.commit()
    auth.login(user)
    response = client.post("/me/bookings", data=_book_data(activity, stranger.person))
    assert response.status_code == 404
    assert db.session.query(Booking).count() == 0


def test_bad_input_is_a_4xx_not_a_500(make, auth, client):
    activity, user = _setup(make)
    auth.login(user)
    for data in (
        {"person_id": "abc", "activity_id": activity.id},
        {"person_id": user.person.id},
        {"person_id": user.person.id, "activity_id": 999999},
        {"person_id": 999999, "activity_id": activity.id, "session_id": activity.sessions[0].id},
        {"person_id": user.person.id, "activity_id": activity.id, "session_id": 999999},
        {"person_id": user.person.id, "activity_id": activity.id},  # a session class needs a date
    ):
        response = client.post("/me/bookings", data=data)
        assert 400 <= response.status_code < 500, (data, response.status_code)
    assert db.session.query(Booking).count() == 0


def test_cancel_from_my_bookings_promotes_and_notifies(make, auth, client):
    activity, user = _setup(make, capacity=1)
    waiting = make.resident()
    make.commit()
    _book_as(auth, client, user, activity)
    _book_as(auth, client, waiting, activity)
    auth.login(user)
    mine = db.session.query(Booking).filter_by(person_id=user.person.id).one()
    page = client.get("/me/bookings?lang=en").get_data(as_text=True)
    assert f"/me/bookings/{mine.id}/cancel" in page
    # Someone waits: the step saying the seat goes to them comes first.
    asked = client.post(f"/me/bookings/{mine.id}/cancel", headers=HX)
    assert asked.headers["HX-Redirect"] == f"/me/bookings/{mine.id}/cancel?view=row"
    db.session.refresh(mine)
    assert mine.status == BookingStatus.CONFIRMED
    step = client.get(asked.headers["HX-Redirect"] + "&lang=en").get_data(as_text=True)
    assert "Your seat will go to the next person on the waiting list." in step
    response = client.post(f"/me/bookings/{mine.id}/cancel", data={"confirmed": "y"}, headers=HX)
    assert response.status_code == 200
    db.session.refresh(mine)
    assert mine.status == BookingStatus.CANCELLED
    assert f'id="booking-{mine.id}"' in response.get_data(as_text=True)
    promoted = db.session.query(Booking).filter_by(person_id=waiting.person.id).one()
    db.session.refresh(promoted)
    assert promoted.status == BookingStatus.CONFIRMED
    auth.logout()
    auth.login(waiting)
    inbox = client.get("/me/inbox?lang=en").get_data(as_text=True)
    assert "now booked on 书法班" in inbox
    assert db.session.query(Notice).filter_by(user_id=waiting.id).count() == 1


def test_plain_cancel_redirects_to_my_bookings(make, auth, client):
    activity, user = _setup(make)
    auth.login(user)
    client.post("/me/bookings", data=_book_data(activity, user.person))
    booking = db.session.query(Booking).one()
    response = client.post(f"/me/bookings/{booking.id}/cancel")
    assert response.status_code == 303 and response.headers["Location"].endswith("/me/bookings")
    again = client.post(f"/me/bookings/{booking.id}/cancel?lang=en")
    assert again.status_code == 303
    page = client.get("/me/bookings").get_data(as_text=True)
    assert "already been cancelled" in page
    assert db.session.get(Booking, booking.id).status == BookingStatus.CANCELLED


def test_my_bookings_lists_the_household_only(make, auth, client):
    activity = make.activity(title="合唱团", capacity=5)
    me = make.resident()
    spouse = make.person(household=me.person.household, name="老伴")
    neighbour = make.resident()
    make.commit()
    _book_as(auth, client, me, activity, person=spouse)
    _book_as(auth, client, neighbour, activity)
    assert db.session.query(Booking).count() == 2  # both bookings exist; only one is shown
    auth.login(me)
    page = client.get("/me/bookings").get_data(as_text=True)
    assert "老伴" in page and neighbour.person.name not in page


def test_class_page_never_shows_other_residents_names(make, auth, client):
    activity = make.activity(capacity=5)
    neighbour = make.resident()
    me = make.resident()
    make.commit()
    _book_as(auth, client, neighbour, activity)
    assert db.session.query(Booking).one().person_id == neighbour.person.id
    auth.login(me)
    page = client.get(f"/classes/{activity.id}").get_data(as_text=True)
    assert neighbour.person.name not in page
    assert me.person.name in page


def test_csrf_is_required_on_booking(app, make, auth, client):
    activity, user = _setup(make)
    auth.login(user)
    app.config["WTF_CSRF_ENABLED"] = True
    response = client.post("/me/bookings", data=_book_data(activity, user.person))
    assert response.status_code == 400
    assert db.session.query(Booking).count() == 0
