"""Holiday childcare: creating a programme, and booking several children onto
several day slots in one submission."""

from datetime import date, timedelta

import pytest

from app.extensions import db
from app.models import Booking, BookingStatus, Channel, SessionStatus
from app.services.childcare.calendar import calendar
from app.services.childcare.grades import school_grade
from app.services.childcare.programmes import close_day
from app.services.childcare.submissions import book_days
from app.services.refusals import WindowNotOpen
from tests.conftest import assert_seat_invariant
from tests.programme_helpers import WINTER_START, family, holiday, sessions


def _book(programme, guardian, pairs, now, together=False):
    return book_days(
        programme, pairs, together=together, by=guardian, channel=Channel.PHONE, now=now
    )


def test_creating_a_programme_generates_a_slot_per_day_and_kind_minus_closed_days(make):
    programme = holiday(
        make,
        days=5,
        slots=("morning", "afternoon"),
        closed_days=(WINTER_START + timedelta(days=2),),
    )
    assert len(programme.slots) == 8
    assert {s.kind for s in programme.slots} == {"morning", "afternoon"}
    assert WINTER_START + timedelta(days=2) not in {s.day for s in programme.slots}
    assert all(s.session.capacity == 40 for s in programme.slots)
    assert programme.activity.category == "childcare"


def test_school_grade_follows_the_september_cutoff():
    assert school_grade(date(2018, 8, 31), date(2027, 1, 18)) == 3
    assert school_grade(date(2018, 9, 1), date(2027, 1, 18)) == 2
    # The summer holiday belongs to the school year just finished.
    assert school_grade(date(2018, 1, 1), date(2027, 7, 20)) == 3


def test_one_submission_books_several_children_on_several_days(make, now):
    programme = holiday(make)
    guardian, kids = family(make)
    days = sessions(programme)[:3]
    outcomes = _book(programme, guardian, [(k, s) for k in kids for s in days], now)
    assert len(outcomes) == 6
    assert {o.status for o in outcomes} == {"confirmed"}
    assert all(s.taken == 2 for s in days)
    assert_seat_invariant()


def test_each_slot_is_decided_on_its_own(make, now):
    programme = holiday(make, capacity=1)
    first = sessions(programme)[0]
    other_guardian, (other_kid,) = family(make, children=1)
    _book(programme, other_guardian, [(other_kid, first)], now)
    guardian, (kid,) = family(make, children=1)
    outcomes = _book(programme, guardian, [(kid, s) for s in sessions(programme)[:2]], now)
    assert [(o.status, o.position) for o in outcomes] == [("waitlisted", 1), ("confirmed", None)]
    assert_seat_invariant()


def test_submitting_twice_gives_no_second_place(make, now, en):
    programme = holiday(make)
    guardian, (kid,) = family(make, children=1)
    day = sessions(programme)[0]
    _book(programme, guardian, [(kid, day)], now)
    (again,) = _book(programme, guardian, [(kid, day)], now)
    assert again.status == "refused" and "already booked" in again.message
    assert db.session.query(Booking).filter_by(person_id=kid.id).count() == 1
    assert day.taken == 1
    assert_seat_invariant()


def test_age_and_grade_limits_refuse_with_the_reason(make, now, en):
    programme = holiday(make, min_grade=1, max_grade=6, min_age=6, max_age=12)
    guardian, (toddler, older) = family(make, ages=(4, 15))
    day = sessions(programme)[0]
    outcomes = _book(programme, guardian, [(toddler, day), (older, day)], now)
    assert [o.status for o in outcomes] == ["refused", "refused"]
    assert all("grade" in o.message for o in outcomes)
    assert day.taken == 0


def test_per_child_limit_is_enforced_across_submissions(make, now, en):
    programme = holiday(make, per_child_limit=3)
    guardian, (kid,) = family(make, children=1)
    days = sessions(programme)
    _book(programme, guardian, [(kid, s) for s in days[:2]], now)
    outcomes = _book(programme, guardian, [(kid, s) for s in days[2:]], now)
    assert [o.status for o in outcomes] == ["confirmed", "refused", "refused"]
    assert "limit of 3 days" in outcomes[1].message
    assert_seat_invariant()


def _one_seat_left(make, now):
    """A day of two seats, one taken by another family: (day, guardian, two kids)."""
    programme = holiday(make, capacity=2)
    day = sessions(programme)[0]
    other, (other_kid,) = family(make, children=1)
    _book(programme, other, [(other_kid, day)], now)
    guardian, kids = family(make)
    return programme, day, guardian, kids


def test_siblings_together_both_wait_when_only_one_seat_is_left(make, now):
    programme, day, guardian, kids = _one_seat_left(make, now)
    outcomes = _book(programme, guardian, [(k, day) for k in kids], now, together=True)
    assert [o.status for o in outcomes] == ["waitlisted", "waitlisted"]
    assert day.taken == 1
    assert_seat_invariant()


def test_siblings_not_together_take_the_last_seat_and_wait(make, now):
    programme, day, guardian, kids = _one_seat_left(make, now)
    outcomes = _book(programme, guardian, [(k, day) for k in kids], now)
    assert sorted(o.status for o in outcomes) == ["confirmed", "waitlisted"]
    assert day.taken == 2
    assert_seat_invariant()


def test_siblings_together_both_confirmed_when_seats_allow(make, now):
    programme = holiday(make, capacity=2)
    day = sessions(programme)[0]
    guardian, kids = family(make)
    outcomes = _book(programme, guardian, [(k, day) for k in kids], now, together=True)
    assert [o.status for o in outcomes] == ["confirmed", "confirmed"]
    assert day.taken == 2
    assert_seat_invariant()


def test_a_sibling_refused_inside_a_unit_undoes_the_try_and_the_rest_is_booked_again(make, now):
    """The savepoint of a unit rolls back what a try booked when a later pair is
    refused: the first child ends with one booking and one seat, not two."""
    programme = holiday(make, capacity=3)
    day = sessions(programme)[0]
    guardian, kids = family(make)
    first, second = sorted(kids, key=lambda kid: kid.id)
    _book(programme, guardian, [(second, day)], now)  # the second is booked already
    outcomes = _book(programme, guardian, [(k, day) for k in kids], now, together=True)
    assert sorted((o.person.id, o.status) for o in outcomes) == [
        (first.id, "confirmed"),
        (second.id, "refused"),
    ]
    assert db.session.query(Booking).filter_by(person_id=first.id).count() == 1
    assert day.taken == 2
    assert_seat_invariant()


def test_weekly_blocks_need_the_whole_week(make, now, en):
    programme = holiday(make, days=5, weekly_blocks=True)
    guardian, (kid,) = family(make, children=1)
    days = sessions(programme)
    partial = _book(programme, guardian, [(kid, s) for s in days[:3]], now)
    assert {o.status for o in partial} == {"refused"}
    assert "whole weeks" in partial[0].message
    whole = _book(programme, guardian, [(kid, s) for s in days], now)
    assert {o.status for o in whole} == {"confirmed"}


def test_weekly_block_waits_as_one_when_a_day_is_full(make, now):
    programme = holiday(make, days=5, capacity=1, weekly_blocks=True)
    days = sessions(programme)
    # Someone holds Wednesday (booked before blocks were required, e.g. by staff).
    other, (other_kid,) = family(make, children=1)
    programme.weekly_blocks = False
    _book(programme, other, [(other_kid, days[2])], now)
    programme.weekly_blocks = True
    guardian, (kid,) = family(make, children=1)
    outcomes = _book(programme, guardian, [(kid, s) for s in days], now)
    assert {o.status for o in outcomes} == {"waitlisted"}
    assert [s.taken for s in days] == [0, 0, 1, 0, 0]
    assert_seat_invariant()


def test_morning_and_full_day_on_the_same_day_clash(make, now):
    programme = holiday(make, slots=("full", "morning"))
    guardian, (kid,) = family(make, children=1)
    full, morning = sessions(programme, "full")[0], sessions(programme, "morning")[0]
    outcomes = _book(programme, guardian, [(kid, full), (kid, morning)], now)
    assert sorted(o.status for o in outcomes) == ["confirmed", "refused"]
    assert_seat_invariant()


def test_before_opening_every_slot_is_refused(make, now):
    programme = holiday(make, opens_at=now + timedelta(minutes=5))
    guardian, (kid,) = family(make, children=1)
    (outcome,) = _book(programme, guardian, [(kid, sessions(programme)[0])], now)
    assert outcome.status == "refused"
    with pytest.raises(WindowNotOpen):
        from app.services.booking import eligibility
        from app.services.booking.targets import Target

        eligibility.check_window(Target(programme.activity, sessions(programme)[0]), guardian, now)


def test_someone_elses_child_cannot_be_booked(make, now):
    programme = holiday(make)
    guardian, _ = family(make, children=1)
    _, (stranger,) = family(make, children=1)
    (outcome,) = _book(programme, guardian, [(stranger, sessions(programme)[0])], now)
    assert outcome.status == "refused"
    assert sessions(programme)[0].taken == 0


def test_closing_a_day_cancels_its_slots_and_bookings(make, now):
    programme = holiday(make, capacity=1)
    staff = make.user(role="staff", age=40)
    guardian, (kid,) = family(make, children=1)
    day = sessions(programme)[0]
    _book(programme, guardian, [(kid, day)], now)
    assert close_day(programme, WINTER_START, by=staff, now=now) == 1
    assert day.status == SessionStatus.CANCELLED
    booking = db.session.query(Booking).filter_by(person_id=kid.id).one()
    assert booking.status == BookingStatus.CANCELLED
    assert_seat_invariant()
    assert WINTER_START not in {d.day for d in calendar(programme, [kid], now)}


def test_calendar_shows_seats_and_the_households_states(make, now):
    programme = holiday(make, capacity=3)
    guardian, kids = family(make)
    day = sessions(programme)[0]
    _book(programme, guardian, [(kids[0], day)], now)
    first = calendar(programme, kids, now)[0]
    assert first.slots[0].seats_left == 2
    assert first.slots[0].states == {kids[0].id: "confirmed"}
