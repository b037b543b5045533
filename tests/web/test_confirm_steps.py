"""Nothing irreversible in one tap: cancelling a term enrolment, cancelling a seat
someone waits for, and 请假 first show a step naming what will happen, on the
phone and at the kiosk, with and without JavaScript; after 请假 at the kiosk,
我又能来了 restores the booking while the seat is still free."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

from app.extensions import db
from app.models import Booking, BookingStatus, Channel, Leave
from app.services.booking.book import book
from app.services.booking.targets import Target

HX = {"HX-Request": "true"}
SEAT_PASSES_ON_ZH = "您的位置会让给候补的人"


def _book(user, activity, now, session=None, person=None):
    booking = book(
        person or user.person,
        Target.of(activity, session),
        by=user,
        channel=Channel.PHONE,
        now=now,
    )
    db.session.commit()
    return booking


def _status(booking) -> str:
    db.session.expire_all()
    return db.session.get(Booking, booking.id).status


def _kiosk_login(client, user):
    assert client.post("/kiosk/login", data={"who": user.phone, "pin": "123456"}).status_code == 303


# --- on the phone --------------------------------------------------------------------


def test_cancelling_a_term_enrolment_asks_first_and_says_so(make, auth, client, now):
    term = make.activity(title="太极扇", series=True, sessions=3, capacity=5)
    elder = make.resident()
    make.commit()
    enrolment = _book(elder, term, now)
    auth.login(elder)
    asked = client.post(f"/me/bookings/{enrolment.id}/cancel")
    step_url = f"/me/bookings/{enrolment.id}/cancel?view=row"
    assert asked.status_code == 303 and asked.headers["Location"] == step_url
    assert _status(enrolment) == BookingStatus.CONFIRMED  # nothing done yet
    step = client.get(step_url + "&lang=en").get_data(as_text=True)
    assert "You give up the whole term" in step
    assert 'name="confirmed" value="y"' in step and 'href="/me/bookings"' in step
    assert "window.confirm" not in step
    done = client.post(f"/me/bookings/{enrolment.id}/cancel", data={"confirmed": "y"})
    assert done.status_code == 303 and done.headers["Location"].endswith("/me/bookings")
    assert _status(enrolment) == BookingStatus.CANCELLED


def test_a_seat_someone_waits_for_names_who_gets_it_in_chinese(make, auth, client, now):
    lesson = make.activity(title="书法班", capacity=1)
    elder, waiting = make.resident(), make.resident()
    make.commit()
    mine = _book(elder, lesson, now, lesson.sessions[0])
    _book(waiting, lesson, now, lesson.sessions[0])
    auth.login(elder)
    # From the class card too (htmx): the step is a page of its own.
    asked = client.post(f"/me/bookings/{mine.id}/cancel", data={"view": "card"}, headers=HX)
    assert asked.status_code == 204
    step = client.get(asked.headers["HX-Redirect"]).get_data(as_text=True)
    assert SEAT_PASSES_ON_ZH in step
    assert f'href="/classes/{lesson.id}"' in step  # "no, keep it" goes back to the class
    assert _status(mine) == BookingStatus.CONFIRMED


def test_a_plain_cancel_nobody_waits_for_needs_no_second_step(make, auth, client, now):
    lesson = make.activity(capacity=3)
    elder = make.resident()
    make.commit()
    mine = _book(elder, lesson, now, lesson.sessions[0])
    auth.login(elder)
    assert client.post(f"/me/bookings/{mine.id}/cancel").status_code == 303
    assert _status(mine) == BookingStatus.CANCELLED  # a seat is free: book again if wished


def test_leave_on_the_phone_asks_first(make, auth, client, now):
    lesson = make.activity(title="书法班", capacity=1)
    elder, waiting = make.resident(), make.resident()
    make.commit()
    session = lesson.sessions[0]
    mine = _book(elder, lesson, now, session)
    _book(waiting, lesson, now, session)
    auth.login(elder)
    asked = client.post(f"/me/bookings/{mine.id}/leave", data={"session_id": session.id})
    step_url = f"/me/bookings/{mine.id}/leave/{session.id}"
    assert asked.status_code == 303 and asked.headers["Location"] == step_url
    assert db.session.scalar(select(func.count(Leave.id))) == 0
    step = client.get(step_url).get_data(as_text=True)
    assert SEAT_PASSES_ON_ZH in step
    done = client.post(
        f"/me/bookings/{mine.id}/leave", data={"session_id": session.id, "confirmed": "y"}
    )
    assert done.status_code == 303
    assert db.session.scalar(select(func.count(Leave.id))) == 1


def test_another_households_step_is_not_found(make, auth, client, now):
    term = make.activity(series=True, sessions=2)
    elder, stranger = make.resident(), make.resident()
    make.commit()
    enrolment = _book(elder, term, now)
    auth.login(stranger)
    assert client.get(f"/me/bookings/{enrolment.id}/cancel").status_code == 404
    day = term.sessions[0].id
    assert client.get(f"/me/bookings/{enrolment.id}/leave/{day}").status_code == 404
    confirmed = client.post(f"/me/bookings/{enrolment.id}/cancel", data={"confirmed": "y"})
    assert confirmed.status_code == 404
    assert _status(enrolment) == BookingStatus.CONFIRMED


def test_a_leave_step_for_a_session_the_booking_does_not_hold_is_not_found(make, auth, client, now):
    """The second screen never asks to confirm what cannot happen: another class's
    session, for my own booking, answers like a missing one."""
    mine_class = make.activity(title="书法班")
    other = make.activity(title="合唱团", start_in=timedelta(days=2))
    elder = make.resident()
    make.commit()
    booking = _book(elder, mine_class, now, mine_class.sessions[0])
    auth.login(elder)
    assert (
        client.get(f"/me/bookings/{booking.id}/leave/{mine_class.sessions[0].id}").status_code
        == 200
    )
    assert client.get(f"/me/bookings/{booking.id}/leave/{other.sessions[0].id}").status_code == 404


# --- at the kiosk --------------------------------------------------------------------


def _today_lesson(make, now, capacity=1):
    lesson = make.activity(title="太极班", capacity=capacity, start_in=timedelta(minutes=40))
    return lesson, lesson.sessions[0]


def test_kiosk_leave_asks_first_then_takes_leave_and_i_can_come_after_all(make, client, now):
    lesson, session = _today_lesson(make, now)
    elder = make.resident()
    make.commit()
    mine = _book(elder, lesson, now, session)
    _kiosk_login(client, elder)
    me = {"person_id": elder.person.id}
    # The button beside 签到: one tap only shows the step (htmx follows to it).
    asked = client.post(f"/kiosk/sessions/{session.id}/leave", data=me, headers=HX)
    step_url = f"/kiosk/sessions/{session.id}/leave?person_id={elder.person.id}"
    assert asked.status_code == 204 and asked.headers["HX-Redirect"] == step_url
    assert db.session.scalar(select(func.count(Leave.id))) == 0
    step = client.get(step_url + "&lang=en").get_data(as_text=True)
    assert "I can come after all" in step and 'class="kiosk"' in step
    assert 'href="/kiosk/me"' in step  # "no, go back"
    done = client.post(f"/kiosk/sessions/{session.id}/leave", data={**me, "confirmed": "y"})
    assert done.status_code == 303 and done.headers["Location"] == "/kiosk/me"
    assert _status(mine) == BookingStatus.CANCELLED
    today = client.get("/kiosk/me?lang=en").get_data(as_text=True)
    assert "On leave" in today and f"/kiosk/sessions/{session.id}/back" in today
    back = client.post(f"/kiosk/sessions/{session.id}/back?lang=en", data=me, headers=HX)
    assert back.status_code == 200
    assert "is expected again" in back.get_data(as_text=True)
    assert _status(mine) == BookingStatus.CONFIRMED
    assert db.session.scalar(select(func.count(Leave.id))) == 0


def test_i_can_come_after_all_refuses_when_the_seat_was_given_away(make, client, now):
    lesson, session = _today_lesson(make, now)
    elder, waiting = make.resident(), make.resident()
    make.commit()
    mine = _book(elder, lesson, now, session)
    queued = _book(waiting, lesson, now, session)
    _kiosk_login(client, elder)
    me = {"person_id": elder.person.id}
    step = client.get(f"/kiosk/sessions/{session.id}/leave?person_id={elder.person.id}")
    assert SEAT_PASSES_ON_ZH in step.get_data(as_text=True)
    client.post(f"/kiosk/sessions/{session.id}/leave", data={**me, "confirmed": "y"})
    assert _status(queued) == BookingStatus.CONFIRMED  # the seat passed on at once
    back = client.post(f"/kiosk/sessions/{session.id}/back?lang=en", data=me)
    assert back.status_code == 303
    page = client.get("/kiosk/me?lang=en").get_data(as_text=True)
    assert "already gone to someone else" in page
    assert _status(mine) == BookingStatus.CANCELLED and _status(queued) == BookingStatus.CONFIRMED
    assert db.session.scalar(select(func.count(Leave.id))) == 1


def test_the_kiosk_cannot_take_back_another_households_leave(make, client, now):
    lesson, session = _today_lesson(make, now, capacity=3)
    elder, stranger = make.resident(), make.resident()
    make.commit()
    mine = _book(elder, lesson, now, session)
    _kiosk_login(client, elder)
    client.post(
        f"/kiosk/sessions/{session.id}/leave",
        data={"person_id": elder.person.id, "confirmed": "y"},
    )
    client.post("/kiosk/done")
    _kiosk_login(client, stranger)
    theirs = client.post(f"/kiosk/sessions/{session.id}/back", data={"person_id": elder.person.id})
    assert theirs.status_code == 404
    assert elder.person.name not in theirs.get_data(as_text=True)
    step = client.get(f"/kiosk/sessions/{session.id}/leave?person_id={elder.person.id}")
    assert step.status_code == 404
    assert _status(mine) == BookingStatus.CANCELLED
    assert db.session.scalar(select(func.count(Leave.id))) == 1
