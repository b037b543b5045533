"""我又能来了: leave (请假) taken back before the session while the seat is still free,
and what cancelling or leave will do, said before it is done."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from app.extensions import db
from app.models import Attendance, AttendanceChange, Booking, BookingStatus, Leave
from app.services.attendance import kiosk as attendance_kiosk
from app.services.attendance import leave as attendance_leave
from app.services.booking.book import book
from app.services.booking.cancel import cancel_effects
from app.services.booking.targets import Target
from app.services.people.kiosk_visitor import KioskActor
from app.services.refusals import NotAllowed, NotBookable, OutsideTime, SeatGone
from tests.conftest import assert_seat_invariant

HOUR = timedelta(hours=1)


def _book(user, activity, now, session=None):
    return book(user.person, Target.of(activity, session), by=user, channel="phone", now=now)


def _counts() -> dict:
    db.session.flush()
    return {
        model.__name__: db.session.scalar(select(func.count()).select_from(model))
        for model in (Leave, Attendance, AttendanceChange, Booking)
    }


def test_a_term_date_given_up_is_held_again_while_its_seat_is_free(make, now):
    term = make.activity(series=True, sessions=3, capacity=2, start_in=HOUR)
    elder = make.resident()
    enrolment = _book(elder, term, now)
    day = term.sessions[0]
    attendance_leave.take_leave(enrolment, day, by=elder, now=now)
    booking = attendance_leave.come_back(elder.person, day, by=KioskActor(elder), now=now)
    assert booking.id == enrolment.id and booking.status == BookingStatus.CONFIRMED
    assert db.session.scalar(select(func.count(Leave.id))) == 0
    # The excused mark the leave made is gone: the roll expects her again.
    assert db.session.scalar(select(func.count(Attendance.id))) == 0
    assert db.session.scalar(select(func.count(AttendanceChange.id))) == 0
    assert_seat_invariant()


def test_a_term_date_whose_seat_a_drop_in_took_cannot_be_taken_back(make, now):
    term = make.activity(series=True, sessions=2, capacity=1, start_in=HOUR / 2)
    elder, neighbour = make.resident(), make.resident()
    enrolment = _book(elder, term, now)
    day = term.sessions[0]
    attendance_leave.take_leave(enrolment, day, by=elder, now=now)
    attendance_kiosk.drop_in(neighbour.person, day, by=neighbour, now=now)
    db.session.commit()
    before = _counts()
    with pytest.raises(SeatGone):
        attendance_leave.come_back(elder.person, day, by=elder, now=now)
    db.session.rollback()
    assert _counts() == before
    assert_seat_invariant()


def test_a_single_session_booking_is_confirmed_again_while_its_seat_is_free(make, now):
    lesson = make.activity(capacity=1, start_in=HOUR)
    elder = make.resident()
    session = lesson.sessions[0]
    booking = _book(elder, lesson, now, session)
    attendance_leave.take_leave(booking, session, by=elder, now=now)
    db.session.refresh(booking)
    assert booking.status == BookingStatus.CANCELLED and session.taken == 0
    attendance_leave.come_back(elder.person, session, by=elder, now=now)
    db.session.refresh(booking)
    db.session.refresh(session)
    assert booking.status == BookingStatus.CONFIRMED and booking.cancelled_at is None
    assert not booking.late_cancel and session.taken == 1
    assert_seat_invariant()


def test_a_seat_passed_on_to_the_waiting_list_cannot_be_taken_back(make, now):
    lesson = make.activity(capacity=1, start_in=HOUR)
    elder, waiting = make.resident(), make.resident()
    session = lesson.sessions[0]
    booking = _book(elder, lesson, now, session)
    queued = _book(waiting, lesson, now, session)
    assert queued.status == BookingStatus.WAITLISTED
    assert attendance_leave.leave_effects(booking, session).passes_on
    attendance_leave.take_leave(booking, session, by=elder, now=now)
    db.session.refresh(queued)
    assert queued.status == BookingStatus.CONFIRMED
    db.session.commit()
    before = _counts()
    with pytest.raises(SeatGone) as refused:
        attendance_leave.come_back(elder.person, session, by=elder, now=now)
    assert "已经让给别人了" in str(refused.value)  # "your seat has already gone to someone else"
    db.session.rollback()
    assert _counts() == before
    db.session.refresh(booking)
    assert booking.status == BookingStatus.CANCELLED
    assert_seat_invariant()


def test_nobody_takes_back_another_households_leave(make, now):
    term = make.activity(series=True, sessions=2, start_in=HOUR)
    elder, stranger = make.resident(), make.resident()
    day = term.sessions[0]
    attendance_leave.take_leave(_book(elder, term, now), day, by=elder, now=now)
    db.session.commit()
    before = _counts()
    with pytest.raises(NotAllowed):
        attendance_leave.come_back(elder.person, day, by=stranger, now=now)
    with pytest.raises(NotAllowed):
        attendance_leave.come_back(elder.person, day, by=KioskActor(stranger), now=now)
    db.session.rollback()
    assert _counts() == before


def test_leave_cannot_be_taken_back_once_the_session_started_or_if_none_was_taken(make, now):
    term = make.activity(series=True, sessions=2, start_in=HOUR)
    elder = make.resident()
    enrolment = _book(elder, term, now)
    day, later = term.sessions
    with pytest.raises(NotBookable):
        attendance_leave.come_back(elder.person, later, by=elder, now=now)
    attendance_leave.take_leave(enrolment, day, by=elder, now=now)
    with pytest.raises(OutsideTime):
        attendance_leave.come_back(elder.person, day, by=elder, now=day.starts_at + HOUR / 6)


def test_cancelling_says_when_it_cannot_be_taken_back(make, now):
    term = make.activity(series=True, sessions=2, capacity=1, start_in=HOUR * 30)
    lesson = make.activity(title="太极班", capacity=1, start_in=HOUR * 50)
    elder, other = make.resident(), make.resident()
    enrolment = _book(elder, term, now)
    single = _book(elder, lesson, now, lesson.sessions[0])
    assert cancel_effects(enrolment, now).whole_term
    assert cancel_effects(enrolment, now).needs_confirmation
    assert not cancel_effects(single, now).needs_confirmation  # nobody waits: rebook
    _book(other, lesson, now, lesson.sessions[0])  # now someone waits
    effects = cancel_effects(single, now)
    assert effects.passes_on and effects.needs_confirmation and not effects.whole_term
