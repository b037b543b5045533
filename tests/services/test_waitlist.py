"""Offers of freed seats and staff managing the waitlist (no HTTP)."""

from datetime import datetime, timedelta

import pytest
from sqlalchemy import select

from app.extensions import db
from app.models import AuditEntry, BookingStatus, Channel, Notice, OfferCall, WaitlistPolicy
from app.services.booking.book import book
from app.services.booking.cancel import cancel_booking
from app.services.booking.hold_clock import OfferRules, offer_deadline
from app.services.booking.offers import accept_offer, decline_offer, expire_offers
from app.services.booking.targets import Target
from app.services.booking.waitlist import (
    move_in_queue,
    remove_from_waitlist,
    staff_promote,
    waitlist_position,
)
from app.services.refusals import Full, NotAllowed, OfferGone, ReasonRequired
from app.timeutil import from_local, to_local
from tests.conftest import assert_seat_invariant

RULES = OfferRules()


def local(*args):
    return from_local(datetime(*args))


def _book(user, activity, now):
    target = Target.of(activity, None if activity.is_series else activity.sessions[0])
    return book(user.person, target, by=user, channel=Channel.PHONE, now=now)


def _queue(make, now, capacity=1, waiting=2, **fields):
    """A full class with people waiting: (activity, first booking, waiting bookings)."""
    fields.setdefault("waitlist_policy", WaitlistPolicy.OFFER)
    activity = make.activity(capacity=capacity, **fields)
    users = [make.resident() for _ in range(capacity + waiting)]
    bookings = [_book(u, activity, now) for u in users]
    return activity, users, bookings


# --- the offer deadline -------------------------------------------------------


def test_a_class_days_away_holds_the_seat_a_day_not_counting_the_night(app):
    now = local(2026, 11, 23, 10, 0)  # Monday 10:00 at the centre
    start = local(2026, 11, 27, 10, 0)
    # 12 hours until 22:00, the clock stops until 07:00, then 12 more hours.
    assert offer_deadline(now, start, RULES) == local(2026, 11, 24, 19, 0)


def test_a_class_tomorrow_holds_the_seat_two_hours(app):
    now = local(2026, 11, 23, 10, 0)
    assert offer_deadline(now, local(2026, 11, 24, 10, 0), RULES) == local(2026, 11, 23, 12, 0)


def test_within_the_last_hours_there_is_no_offer(app):
    now = local(2026, 11, 23, 10, 0)
    assert offer_deadline(now, local(2026, 11, 23, 15, 0), RULES) is None


@pytest.mark.parametrize("hour", [20, 21, 22, 23, 0, 3, 6])
def test_no_deadline_falls_in_quiet_hours(app, hour):
    day = 23 if hour >= 20 else 24
    now = local(2026, 11, day, hour, 30)
    for start in (local(2026, 11, 25, 12, 0), local(2026, 11, 28, 12, 0)):
        deadline = offer_deadline(now, start, RULES)
        assert deadline is not None
        wall = to_local(deadline).time()
        assert not RULES.is_quiet(to_local(deadline).replace(tzinfo=None)), wall


def test_an_evening_offer_continues_the_next_morning(app):
    now = local(2026, 11, 23, 21, 0)
    assert offer_deadline(now, local(2026, 11, 24, 16, 0), RULES) == local(2026, 11, 24, 8, 0)


def test_a_night_cancellation_for_a_morning_class_confirms_the_next_at_once(app):
    now = local(2026, 11, 23, 23, 30)
    assert offer_deadline(now, local(2026, 11, 24, 9, 0), RULES) is None


# --- offers --------------------------------------------------------------------


def test_a_freed_seat_is_offered_held_and_not_snatched(make, now):
    activity, users, (first, second, third) = _queue(make, now)
    cancel_booking(first, by=users[0], now=now)
    assert second.status == BookingStatus.OFFERED
    assert second.offer_expires_at > now
    assert activity.sessions[0].taken == 1  # the offered seat stays held
    newcomer = make.resident()
    late = _book(newcomer, activity, now)
    assert late.status == BookingStatus.WAITLISTED
    kinds = db.session.scalars(select(Notice.kind).where(Notice.user_id == users[1].id)).all()
    assert kinds == ["offered"]
    assert_seat_invariant()


def test_accepting_confirms_without_touching_the_seat_count(make, now):
    activity, users, (first, second, _) = _queue(make, now)
    cancel_booking(first, by=users[0], now=now)
    accept_offer(second, by=users[1], now=now + timedelta(minutes=5))
    assert second.status == BookingStatus.CONFIRMED
    assert activity.sessions[0].taken == 1
    assert_seat_invariant()


def test_an_offer_cannot_be_accepted_after_its_deadline_or_by_a_stranger(make, now):
    _, users, (first, second, _) = _queue(make, now)
    cancel_booking(first, by=users[0], now=now)
    with pytest.raises(NotAllowed):
        accept_offer(second, by=users[2], now=now)
    with pytest.raises(OfferGone):
        accept_offer(second, by=users[1], now=second.offer_expires_at)
    assert second.status == BookingStatus.OFFERED


def test_declining_passes_the_seat_to_the_next(make, now):
    _, users, (first, second, third) = _queue(make, now)
    cancel_booking(first, by=users[0], now=now)
    promoted = decline_offer(second, by=users[1], now=now)
    assert second.status == BookingStatus.CANCELLED
    assert promoted == [third] and third.status == BookingStatus.OFFERED
    assert_seat_invariant()


def test_an_expired_offer_passes_on_and_goes_on_the_call_list_once(make, now):
    _, users, (first, second, third) = _queue(make, now)
    cancel_booking(first, by=users[0], now=now)
    later = second.offer_expires_at
    assert expire_offers(later - timedelta(seconds=1)) == 0
    assert expire_offers(later) == 1
    assert second.status == BookingStatus.CANCELLED
    assert third.status == BookingStatus.OFFERED
    calls = db.session.scalars(select(OfferCall)).all()
    assert [c.person_id for c in calls] == [second.person_id]
    assert expire_offers(later) == 0
    assert len(db.session.scalars(select(OfferCall)).all()) == 1
    assert_seat_invariant()


def test_too_close_to_the_start_the_next_is_confirmed_at_once(make, now):
    _, users, (first, second, _) = _queue(make, now, start_in=timedelta(hours=3))
    cancel_booking(first, by=users[0], now=now)
    assert second.status == BookingStatus.CONFIRMED
    assert_seat_invariant()


def test_cancelling_an_offered_booking_frees_the_held_seat(make, now):
    _, users, (first, second, third) = _queue(make, now)
    cancel_booking(first, by=users[0], now=now)
    cancel_booking(second, by=users[1], now=now)
    assert third.status == BookingStatus.OFFERED
    assert_seat_invariant()


def test_policy_auto_still_confirms_at_once(make, now):
    _, users, (first, second, _) = _queue(make, now, waitlist_policy=WaitlistPolicy.AUTO)
    cancel_booking(first, by=users[0], now=now)
    assert second.status == BookingStatus.CONFIRMED


# --- staff managing the queue ------------------------------------------------------


def test_staff_promote_needs_a_free_seat(make, now):
    activity, users, (_, second, _) = _queue(make, now)
    staff = make.user(role="staff", age=40)
    with pytest.raises(Full):
        staff_promote(second, by=staff, now=now)
    activity.sessions[0].capacity = 2
    db.session.flush()
    staff_promote(second, by=staff, now=now)
    assert second.status == BookingStatus.CONFIRMED
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "waitlist.promote"))
    assert entry.actor_id == staff.id and entry.before["position"] == 1
    assert_seat_invariant()


def test_moving_in_the_queue_needs_a_reason_and_is_audited(make, now):
    _, _, bookings = _queue(make, now, waiting=4)
    waiting = bookings[1:]
    staff = make.user(role="staff", age=40)
    with pytest.raises(ReasonRequired):
        move_in_queue(waiting[2], steps=-1, by=staff, now=now, reason="  ")
    assert move_in_queue(waiting[2], steps=-2, by=staff, now=now, reason="行动不便") == 1
    order = [waitlist_position(b) for b in waiting]
    assert order == [2, 3, 1, 4]
    assert move_in_queue(waiting[0], steps=5, by=staff, now=now, reason="本人要求") == 4
    assert [waitlist_position(b) for b in waiting] == [4, 2, 1, 3]
    entry = db.session.scalars(
        select(AuditEntry).where(AuditEntry.action == "waitlist.move").order_by(AuditEntry.id)
    ).first()
    assert entry.reason == "行动不便"
    assert entry.before["position"] == 3 and entry.after["position"] == 1


def test_moving_keeps_when_each_joined(make, now):
    _, _, bookings = _queue(make, now, waiting=2)
    staff = make.user(role="staff", age=40)
    created = [b.created_at for b in bookings]
    move_in_queue(bookings[2], steps=-1, by=staff, now=now, reason="x")
    assert [b.created_at for b in bookings] == created


def test_removing_needs_a_reason_and_tells_the_household(make, now):
    _, users, (_, second, third) = _queue(make, now)
    staff = make.user(role="staff", age=40)
    with pytest.raises(ReasonRequired):
        remove_from_waitlist(second, by=staff, now=now, reason="")
    remove_from_waitlist(second, by=staff, now=now, reason="已搬走")
    assert second.status == BookingStatus.CANCELLED
    assert waitlist_position(third) == 1
    notice = db.session.scalar(select(Notice).where(Notice.user_id == users[1].id))
    assert notice.kind == "removed_from_waitlist"
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "waitlist.remove"))
    assert entry.reason == "已搬走"


def test_giving_a_seat_out_of_turn_needs_a_reason_the_first_in_line_does_not(make, now):
    """The form says a reason is needed when the person is not first in line: the
    desk cannot pass over the first waiting person without saying why."""
    activity, _, (_, second, third) = _queue(make, now)
    staff = make.user(role="staff", age=40)
    activity.sessions[0].capacity = 3
    db.session.flush()
    for blank in (None, "", "   "):
        with pytest.raises(ReasonRequired):
            staff_promote(third, by=staff, now=now, reason=blank)
    assert third.status == BookingStatus.WAITLISTED and activity.sessions[0].taken == 1
    assert (
        db.session.scalar(select(AuditEntry).where(AuditEntry.action == "waitlist.promote")) is None
    )
    staff_promote(second, by=staff, now=now)  # first in line: no reason asked
    staff_promote(third, by=staff, now=now)  # now first in line in turn
    assert {second.status, third.status} == {BookingStatus.CONFIRMED}
    assert_seat_invariant()


def test_staff_promote_keeps_a_reason_in_the_audit_log(make, now):
    activity, _, (_, second, third) = _queue(make, now)
    staff = make.user(role="staff", age=40)
    activity.sessions[0].capacity = 2
    db.session.flush()
    staff_promote(third, by=staff, now=now, reason="行动不便，优先")
    assert third.status == BookingStatus.CONFIRMED and second.status == BookingStatus.WAITLISTED
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "waitlist.promote"))
    assert entry.reason == "行动不便，优先"
    assert_seat_invariant()
