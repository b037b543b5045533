"""One date of a term class booked on its own (a seat freed by leave, or that date's
waiting list), and how a term class's sessions are named: the next one, and its
number in the term (issues 12 and 17)."""

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from app.extensions import db
from app.models import Audience, Booking, BookingStatus, Channel, Notice
from app.services.attendance import kiosk as attendance_kiosk
from app.services.attendance import leave as attendance_leave
from app.services.booking.book import book, book_on_card
from app.services.booking.cancel import cancel_booking
from app.services.booking.place import Subjects
from app.services.booking.targets import Target
from app.services.booking.terms import next_session, places_of
from app.services.booking.waitlist import waitlist_position
from app.services.refusals import AlreadyBooked, NotAllowed, NotEligible
from tests.conftest import assert_seat_invariant

HOUR = timedelta(hours=1)
DAY = timedelta(days=1)
WEEK = timedelta(days=7)


def _term(user, activity, now):
    return book(user.person, Target.of(activity), by=user, channel=Channel.PHONE, now=now)


def _online(user, activity, session, now, person=None):
    """Booking from the class page's card: the form names the class and the date."""
    subjects = Subjects(activity, session, person or user.person, None)
    return book_on_card(subjects, by=user, now=now, read_card=False).booking


def _full_term(make, now, start_in=HOUR / 2, sessions=3):
    """A term class of one seat: one person enrolled, one on the term's waiting list."""
    activity = make.activity(series=True, sessions=sessions, capacity=1, start_in=start_in)
    enrolled, waiting = make.resident(), make.resident()
    enrolment = _term(enrolled, activity, now)
    queued = _term(waiting, activity, now)
    assert (enrolment.status, queued.status) == ("confirmed", "waitlisted")
    return activity, (enrolled, enrolment), (waiting, queued)


def _bookings() -> int:
    return db.session.scalar(select(func.count(Booking.id)))


# --- issue 17.2: her own waiting-list entry is no clash -----------------------------


def test_someone_on_the_terms_waiting_list_takes_a_freed_date_at_the_kiosk(make, now):
    activity, (enrolled, enrolment), (waiting, queued) = _full_term(make, now)
    today = activity.sessions[0]
    attendance_leave.take_leave(enrolment, today, by=enrolled, now=now)
    _, drop_ins = attendance_kiosk.kiosk_today(waiting, now)
    assert [e.session for e in drop_ins] == [today]  # "今天还有名额"
    result = attendance_kiosk.kiosk_check_in(waiting.person, today, by=waiting, now=now)
    assert result.dropped_in and result.attendance.status == "present"
    date_booking = db.session.get(Booking, result.attendance.booking_id)
    assert date_booking.session_id == today.id and date_booking.status == "confirmed"
    # She keeps her place on the term's waiting list.
    assert queued.status == "waitlisted" and waitlist_position(queued) == 1
    assert_seat_invariant()


def test_someone_on_the_terms_waiting_list_books_a_freed_date_online(make, now):
    activity, (enrolled, enrolment), (waiting, queued) = _full_term(make, now, start_in=DAY)
    next_week = activity.sessions[1]
    attendance_leave.take_leave(enrolment, next_week, by=enrolled, now=now)
    booking = _online(waiting, activity, next_week, now)
    assert (booking.session_id, booking.status) == (next_week.id, "confirmed")
    assert queued.status == "waitlisted"
    assert_seat_invariant()


def test_the_enrolled_person_cannot_book_a_date_of_their_own_term_again(make, now):
    activity, (enrolled, _enrolment), _ = _full_term(make, now, start_in=DAY)
    before = _bookings()
    with pytest.raises(AlreadyBooked):
        _online(enrolled, activity, activity.sessions[1], now)
    assert _bookings() == before


def test_a_term_waitlister_holding_a_date_is_still_promoted_to_the_term(make, now):
    activity = make.activity(series=True, sessions=3, capacity=2, start_in=DAY)
    on_leave, leaving, waiting = make.resident(), make.resident(), make.resident()
    first, second = _term(on_leave, activity, now), _term(leaving, activity, now)
    queued = _term(waiting, activity, now)
    day = activity.sessions[2]
    attendance_leave.take_leave(first, day, by=on_leave, now=now)
    date_booking = _online(waiting, activity, day, now)
    assert date_booking.status == "confirmed"
    hopeful = make.resident()
    waits = _online(hopeful, activity, day, now)
    assert waits.status == "waitlisted"
    # Her date of the same class is no clash: she is not skipped for the term;
    # the term now covers that date, so her single seat that day goes to the next.
    cancel_booking(second, by=leaving, now=now)
    assert queued.status == BookingStatus.CONFIRMED
    assert date_booking.status == BookingStatus.CANCELLED
    assert waits.status == BookingStatus.CONFIRMED
    assert_seat_invariant()


def test_someone_enrolled_for_the_term_meanwhile_leaves_that_dates_waiting_list(make, now):
    activity, (enrolled, enrolment), (waiting, queued) = _full_term(make, now, start_in=DAY)
    day = activity.sessions[1]
    on_the_date = _online(waiting, activity, day, now)
    later = make.resident()
    next_in_line = _online(later, activity, day, now)
    assert (on_the_date.status, next_in_line.status) == ("waitlisted", "waitlisted")
    # She gets the term: the term holds her seat that day, so she leaves the date's queue.
    cancel_booking(enrolment, by=enrolled, now=now)
    assert queued.status == "confirmed" and on_the_date.status == "cancelled"
    attendance_leave.take_leave(queued, day, by=waiting, now=now)
    db.session.expire_all()
    assert next_in_line.status == "confirmed"
    assert_seat_invariant()


# --- a single date online: book a freed seat, or wait for that date ----------------


def test_a_freed_date_is_booked_online_once_and_the_next_person_waits_for_it(make, now):
    activity, (enrolled, enrolment), _ = _full_term(make, now, start_in=DAY)
    day = activity.sessions[1]
    first, second = make.resident(), make.resident()
    attendance_leave.take_leave(enrolment, day, by=enrolled, now=now)
    assert Target(activity, day).seats_left() == 1
    taken = _online(first, activity, day, now)
    waits = _online(second, activity, day, now)
    assert (taken.session_id, taken.status) == (day.id, "confirmed")
    # No double booking of the one freed seat: the second waits for that date only.
    assert (waits.session_id, waits.status) == (day.id, "waitlisted")
    assert Target(activity, day).seats_left() == 0
    assert activity.taken == 1 and enrolment.status == "confirmed"
    assert_seat_invariant()


def test_a_date_waited_for_goes_to_its_queue_when_someone_takes_leave(make, now):
    activity, (enrolled, enrolment), _ = _full_term(make, now, start_in=DAY)
    day = activity.sessions[1]
    hopeful = make.resident()
    waits = _online(hopeful, activity, day, now)
    assert (waits.session_id, waits.status) == (day.id, "waitlisted")
    attendance_leave.take_leave(enrolment, day, by=enrolled, now=now)
    db.session.expire_all()
    assert waits.status == "confirmed"
    notice = db.session.scalar(select(Notice).where(Notice.booking_id == waits.id))
    assert notice.kind == "promoted" and notice.params["starts_at"] == day.starts_at.isoformat()
    assert (notice.params["number"], notice.params["total"]) == (2, 3)
    assert_seat_invariant()


def test_no_one_ineligible_or_of_another_household_books_the_freed_date(make, now):
    activity = make.activity(
        series=True, sessions=2, capacity=1, start_in=DAY, audience=Audience.ELDER
    )
    enrolled = make.resident(age=75)
    enrolment = _term(enrolled, activity, now)
    day = activity.sessions[1]
    attendance_leave.take_leave(enrolment, day, by=enrolled, now=now)
    young, stranger, elder = make.resident(age=40), make.resident(age=75), make.resident(age=75)
    before = _bookings()
    with pytest.raises(NotEligible):
        _online(young, activity, day, now)
    with pytest.raises(NotAllowed):
        _online(stranger, activity, day, now, person=elder.person)
    assert _bookings() == before
    assert Target(activity, day).seats_left() == 1
    assert_seat_invariant()


# --- naming: the next session and its number in the term ---------------------------


def test_a_term_enrolment_names_its_next_session_and_its_number(make, now):
    # Twelve weekly sessions, four of them over: the next is the fifth.
    activity = make.activity(series=True, sessions=12, start_in=-4 * WEEK + DAY)
    member = make.resident()
    enrolment = _term(member, activity, now)
    place = next_session(enrolment, now)
    assert place.session == activity.sessions[4]
    assert (place.number, place.total) == (5, 12)
    assert place.label == "第 5 次课，共 12 次"


def test_a_single_date_is_named_as_itself_and_a_plain_class_has_no_number(make, now):
    term = make.activity(series=True, sessions=4, start_in=DAY)
    plain = make.activity(title="讲座", sessions=1, start_in=DAY)
    member = make.resident()
    date = book(member.person, Target(term, term.sessions[2]), by=member, channel="phone", now=now)
    talk = book(
        member.person, Target.of(plain, plain.sessions[0]), by=member, channel="phone", now=now
    )
    places = places_of([date, talk], now)
    assert (places[date.id].session, places[date.id].number) == (term.sessions[2], 3)
    assert places[talk.id].number is None and places[talk.id].label == ""
