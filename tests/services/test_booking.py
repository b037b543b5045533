"""The booking rules, called directly (no HTTP)."""

from datetime import date, timedelta

import pytest

from app.extensions import db
from app.models import Audience, Booking, BookingStatus, CapacityUnit, Channel, Notice, Role
from app.services.booking.book import book
from app.services.booking.cancel import cancel_booking
from app.services.booking.targets import Target
from app.services.booking.waitlist import waitlist_position
from app.services.refusals import (
    AlreadyBooked,
    Conflict,
    Full,
    NotAllowed,
    NotBookable,
    NotCancellable,
    NotEligible,
    WindowClosed,
    WindowNotOpen,
)
from tests.conftest import assert_seat_invariant


def _book(user, person, activity, now, session=None):
    session = (
        session if session is not None else (None if activity.is_series else activity.sessions[0])
    )
    return book(person, Target.of(activity, session), by=user, channel=Channel.PHONE, now=now)


def test_free_seat_confirms_and_counts(make, now):
    user = make.resident()
    activity = make.activity(capacity=2)
    booking = _book(user, user.person, activity, now)
    assert booking.status == BookingStatus.CONFIRMED
    assert booking.booked_by_id == user.id and booking.channel == Channel.PHONE
    assert activity.sessions[0].taken == 1
    assert_seat_invariant()


def test_full_session_waitlists_in_arrival_order(make, now):
    activity = make.activity(capacity=1)
    users = [make.resident() for _ in range(3)]
    bookings = [_book(u, u.person, activity, now) for u in users]
    assert [b.status for b in bookings] == ["confirmed", "waitlisted", "waitlisted"]
    assert [waitlist_position(b) for b in bookings] == [None, 1, 2]
    assert_seat_invariant()


def test_full_without_waitlist_is_refused(make, now):
    activity = make.activity(capacity=1, waitlist_enabled=False)
    first, second = make.resident(), make.resident()
    _book(first, first.person, activity, now)
    with pytest.raises(Full):
        _book(second, second.person, activity, now)
    assert db.session.query(Booking).filter_by(person_id=second.person.id).count() == 0
    assert activity.sessions[0].taken == 1
    assert_seat_invariant()


def test_series_booking_covers_the_term_and_counts_on_the_activity(make, now):
    activity = make.activity(series=True, sessions=4, capacity=3)
    user = make.resident()
    booking = _book(user, user.person, activity, now)
    assert booking.session_id is None
    assert activity.taken == 1
    assert all(s.taken == 0 for s in activity.sessions)
    assert_seat_invariant()


@pytest.mark.parametrize("series", [False, True])
def test_second_live_booking_of_one_person_is_refused(make, now, series):
    activity = make.activity(series=series, sessions=2)
    user = make.resident()
    _book(user, user.person, activity, now)
    with pytest.raises(AlreadyBooked):
        _book(user, user.person, activity, now)
    assert db.session.query(Booking).count() == 1
    assert_seat_invariant()


def test_rebooking_after_cancelling_is_allowed(make, now):
    activity = make.activity()
    user = make.resident()
    first = _book(user, user.person, activity, now)
    cancel_booking(first, by=user, now=now)
    again = _book(user, user.person, activity, now)
    assert again.status == BookingStatus.CONFIRMED
    assert_seat_invariant()


def test_overlapping_bookings_of_one_person_are_refused(make, now, en):
    dance = make.activity(title="中国舞", series=True, sessions=3, start_in=timedelta(days=2))
    talk = make.activity(
        title="防诈骗讲座", start_in=timedelta(days=9, minutes=30)
    )  # inside week 2
    later = make.activity(title="剪纸", start_in=timedelta(days=2, hours=3))
    user = make.resident()
    _book(user, user.person, dance, now)
    with pytest.raises(Conflict) as refusal:
        _book(user, user.person, talk, now)
    assert "中国舞" in str(refusal.value)
    assert _book(user, user.person, later, now).status == BookingStatus.CONFIRMED


def test_a_waitlisted_booking_also_blocks_overlaps(make, now):
    full = make.activity(title="合唱团", capacity=1)
    same_time = make.activity(title="越剧班")
    someone, user = make.resident(), make.resident()
    _book(someone, someone.person, full, now)
    assert _book(user, user.person, full, now).status == BookingStatus.WAITLISTED
    with pytest.raises(Conflict):
        _book(user, user.person, same_time, now)


def test_age_range_is_enforced(make, now, en):
    activity = make.activity(title="安全童行", audience=Audience.CHILD, min_age=6, max_age=12)
    parent = make.resident(age=38)
    home = parent.person.household
    toddler = make.person(household=home, age=3, name="小乐")
    teen = make.person(household=home, age=15, name="小雨")
    pupil = make.person(household=home, age=8, name="朵朵")
    with pytest.raises(NotEligible, match="too young"):
        _book(parent, toddler, activity, now)
    with pytest.raises(NotEligible, match="too old"):
        _book(parent, teen, activity, now)
    with pytest.raises(NotEligible):
        _book(parent, parent.person, activity, now)
    assert _book(parent, pupil, activity, now).status == BookingStatus.CONFIRMED


def test_elder_class_refuses_a_child(make, now):
    activity = make.activity(title="银龄中国舞", audience=Audience.ELDER)
    grandma = make.resident(age=72)
    child = make.person(household=grandma.person.household, age=9)
    with pytest.raises(NotEligible):
        _book(grandma, child, activity, now)
    assert _book(grandma, grandma.person, activity, now).status == BookingStatus.CONFIRMED


def test_age_is_taken_on_the_day_of_the_class(make, now):
    # Turns 6 the day before the class: old enough, although 5 today.
    sixth_birthday = (now + timedelta(days=1)).date()
    activity = make.activity(audience=Audience.CHILD, min_age=6, max_age=12)
    parent = make.resident(age=35)
    child = make.person(
        household=parent.person.household,
        age=None,
        birth_date=date(sixth_birthday.year - 6, sixth_birthday.month, sixth_birthday.day),
    )
    assert _book(parent, child, activity, now).status == BookingStatus.CONFIRMED


def test_booking_before_the_window_opens_says_when(make, now, app):
    opens = now + timedelta(days=1)
    activity = make.activity(opens_at=opens, start_in=timedelta(days=5))
    user = make.resident()
    with app.test_request_context("/?lang=zh_CN"), pytest.raises(WindowNotOpen) as refusal:
        _book(user, user.person, activity, now)
    # 24 Nov 10:00 in Shanghai, not the UTC 02:00 stored.
    with app.test_request_context("/?lang=zh_CN"):
        assert "11月24日" in str(refusal.value) and "10:00" in str(refusal.value)
    assert _book(user, user.person, activity, opens).status == BookingStatus.CONFIRMED


def test_after_the_window_closes_only_staff_book(make, now):
    activity = make.activity(closes_at=now - timedelta(hours=1))
    resident = make.resident()
    staff = make.user(role=Role.STAFF, age=40)
    with pytest.raises(WindowClosed):
        _book(resident, resident.person, activity, now)
    booking = _book(staff, resident.person, activity, now)
    assert booking.status == BookingStatus.CONFIRMED and booking.booked_by_id == staff.id


def test_a_resident_books_only_for_their_own_household(make, now):
    activity = make.activity()
    me, neighbour = make.resident(), make.resident()
    with pytest.raises(NotAllowed):
        _book(me, neighbour.person, activity, now)
    spouse = make.person(household=me.person.household, age=71)
    assert _book(me, spouse, activity, now).status == BookingStatus.CONFIRMED


def test_started_and_cancelled_sessions_are_not_bookable(make, now):
    activity = make.activity(start_in=timedelta(minutes=-5))
    user = make.resident()
    with pytest.raises(NotBookable):
        _book(user, user.person, activity, now)


def test_lottery_classes_cannot_be_booked_first_come(make, now, en):
    activity = make.activity(allocation="lottery")
    user = make.resident()
    with pytest.raises(NotEligible, match="lottery"):
        _book(user, user.person, activity, now)


def test_the_desk_fills_seats_left_after_a_lottery(make, now):
    activity = make.activity(allocation="lottery", closes_at=now - timedelta(days=1))
    resident = make.resident()
    staff = make.user(role=Role.STAFF, age=40)
    booking = _book(staff, resident.person, activity, now)
    assert booking.status == BookingStatus.CONFIRMED and booking.booked_by_id == staff.id


def test_cancelling_promotes_the_first_waitlisted_and_tells_their_household(make, now):
    activity = make.activity(capacity=1)
    first, second, third = make.resident(), make.resident(), make.resident()
    spouse_user = make.user(make.person(household=second.person.household, age=69))
    booked = _book(first, first.person, activity, now)
    waiting = _book(second, second.person, activity, now)
    behind = _book(third, third.person, activity, now)
    promoted = cancel_booking(booked, by=first, now=now)
    assert [b.id for b in promoted] == [waiting.id]
    db.session.refresh(waiting)
    db.session.refresh(behind)
    assert waiting.status == BookingStatus.CONFIRMED
    assert behind.status == BookingStatus.WAITLISTED and waitlist_position(behind) == 1
    inboxes = {n.user_id for n in db.session.query(Notice).filter_by(kind="promoted")}
    assert inboxes == {second.id, spouse_user.id}
    assert_seat_invariant()


def test_promotion_skips_people_no_longer_eligible_and_keeps_their_place(make, now):
    activity = make.activity(capacity=1, max_age=80)
    holder, aged_out, next_in_line = make.resident(), make.resident(age=79), make.resident()
    booked = _book(holder, holder.person, activity, now)
    skipped = _book(aged_out, aged_out.person, activity, now)
    lucky = _book(next_in_line, next_in_line.person, activity, now)
    skipped_person = skipped.person
    skipped_person.birth_date = date(now.year - 85, 1, 1)  # corrected by the desk
    promoted = cancel_booking(booked, by=holder, now=now)
    assert [b.id for b in promoted] == [lucky.id]
    db.session.refresh(skipped)
    assert skipped.status == BookingStatus.WAITLISTED and waitlist_position(skipped) == 1
    assert_seat_invariant()


def test_one_freed_seat_promotes_exactly_one(make, now):
    activity = make.activity(capacity=2)
    users = [make.resident() for _ in range(5)]
    bookings = [_book(u, u.person, activity, now) for u in users]
    promoted = cancel_booking(bookings[0], by=users[0], now=now)
    assert len(promoted) == 1 and promoted[0].id == bookings[2].id
    statuses = [db.session.get(type(b), b.id).status for b in bookings]
    assert statuses == ["cancelled", "confirmed", "confirmed", "waitlisted", "waitlisted"]
    assert_seat_invariant()


def test_cancelling_a_waitlisted_booking_frees_no_seat(make, now):
    activity = make.activity(capacity=1)
    first, second, third = make.resident(), make.resident(), make.resident()
    _book(first, first.person, activity, now)
    waiting = _book(second, second.person, activity, now)
    behind = _book(third, third.person, activity, now)
    assert cancel_booking(waiting, by=second, now=now) == []
    assert waitlist_position(behind) == 1
    assert_seat_invariant()


def test_cancelling_twice_releases_one_seat(make, now):
    activity = make.activity(capacity=3)
    user = make.resident()
    booking = _book(user, user.person, activity, now)
    cancel_booking(booking, by=user, now=now)
    with pytest.raises(NotCancellable):
        cancel_booking(booking, by=user, now=now)
    assert activity.sessions[0].taken == 0
    assert_seat_invariant()


def test_another_household_cannot_cancel(make, now):
    activity = make.activity()
    owner, stranger = make.resident(), make.resident()
    booking = _book(owner, owner.person, activity, now)
    with pytest.raises(NotAllowed):
        cancel_booking(booking, by=stranger, now=now)
    db.session.expire_all()
    assert booking.status == BookingStatus.CONFIRMED and booking.cancelled_by_id is None
    assert activity.sessions[0].taken == 1


def test_cancelling_close_to_the_start_is_a_late_cancel(make, now):
    soon = make.activity(title="soon", start_in=timedelta(hours=1), cancel_hours=2)
    later = make.activity(title="later", start_in=timedelta(hours=5), cancel_hours=2)
    user = make.resident()
    late = _book(user, user.person, soon, now)
    early = _book(user, user.person, later, now)
    cancel_booking(late, by=user, now=now)
    cancel_booking(early, by=user, now=now)
    assert late.late_cancel is True and early.late_cancel is False


def test_a_family_event_counts_one_place_per_household(make, now):
    activity = make.activity(
        title="亲子竹编风铃",
        capacity=1,
        audience=Audience.FAMILY,
        capacity_unit=CapacityUnit.HOUSEHOLD,
    )
    parent = make.resident(age=36)
    child = make.person(household=parent.person.household, age=7)
    other_family = make.resident(age=40)
    first = _book(parent, parent.person, activity, now)
    second = _book(parent, child, activity, now)
    third = _book(other_family, other_family.person, activity, now)
    assert (first.status, second.status, third.status) == ("confirmed", "confirmed", "waitlisted")
    assert activity.sessions[0].taken == 1
    # The family keeps its place while one member still comes.
    assert cancel_booking(first, by=parent, now=now) == []
    promoted = cancel_booking(second, by=parent, now=now)
    assert [b.id for b in promoted] == [third.id]
    assert_seat_invariant()
