"""Offers of freed seats, and staff managing the waitlist by hand.

Under waitlist policy `offer` a freed seat is held for the next person (status
`offered`, counted in `taken`) until a deadline that shrinks as the class nears;
the hold clock stops during quiet hours, so no deadline falls at night. The
person accepts or declines in one tap; `flask run-jobs` expires unanswered offers,
puts the person on the staff call list and offers the seat to the next.

Accepting and expiring race on one conditional UPDATE each (`status = 'offered'`
and the deadline on the right side of `now`): exactly one of them wins.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time, timedelta

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from app.extensions import db
from app.models import Booking, BookingStatus, OfferCall, User
from app.services import audit, eligibility
from app.services.booking import (
    _needs_seat,
    _transition,
    claim_seat,
    promote_waitlist,
    release_seat,
    waitlist_position,
    waitlist_queue,
)
from app.services.errors import BookingError, Full, NotAllowed
from app.services.jobs import job
from app.services.notifications import notify_household
from app.services.targets import Target
from app.timeutil import centre_zone, from_local, to_local


class OfferGone(BookingError):
    code = "offer_gone"

    @staticmethod
    def default_message():
        return _l("This place is no longer on offer.")


class ReasonRequired(BookingError):
    code = "reason_required"
    http_status = 422

    @staticmethod
    def default_message():
        return _l("Please write down why, for the record.")


class NotWaitlisted(BookingError):
    code = "not_waitlisted"

    @staticmethod
    def default_message():
        return _l("This person is no longer on the waiting list.")


@dataclass(frozen=True)
class OfferRules:
    long_hold: timedelta = timedelta(hours=24)
    long_before: timedelta = timedelta(hours=48)
    short_hold: timedelta = timedelta(hours=2)
    none_within: timedelta = timedelta(hours=6)
    min_margin: timedelta = timedelta(hours=1)
    quiet_start: time = time(22, 0)
    quiet_end: time = time(7, 0)

    @classmethod
    def from_config(cls, config) -> OfferRules:
        start, end = config.get("QUIET_HOURS", ("22:00", "07:00"))
        return cls(
            long_hold=timedelta(hours=config.get("OFFER_LONG_HOURS", 24)),
            long_before=timedelta(hours=config.get("OFFER_LONG_BEFORE_HOURS", 48)),
            short_hold=timedelta(hours=config.get("OFFER_SHORT_HOURS", 2)),
            none_within=timedelta(hours=config.get("OFFER_NONE_WITHIN_HOURS", 6)),
            min_margin=timedelta(hours=config.get("OFFER_MIN_MARGIN_HOURS", 1)),
            quiet_start=time.fromisoformat(start),
            quiet_end=time.fromisoformat(end),
        )

    def is_quiet(self, wall: datetime) -> bool:
        moment = wall.time()
        if self.quiet_start <= self.quiet_end:
            return self.quiet_start <= moment < self.quiet_end
        return moment >= self.quiet_start or moment < self.quiet_end


def _next_at(wall: datetime, at: time) -> datetime:
    """The first wall-clock moment after `wall` showing `at`."""
    candidate = datetime.combine(wall.date(), at)
    return candidate if candidate > wall else candidate + timedelta(days=1)


def run_hold_clock(now: datetime, hold: timedelta, rules: OfferRules) -> datetime:
    """`now` + `hold`, counting only time outside quiet hours (naive UTC in and out)."""
    zone = centre_zone()
    wall = to_local(now, zone).replace(tzinfo=None)
    remaining = hold
    while remaining > timedelta(0):
        if rules.is_quiet(wall):
            wall = _next_at(wall, rules.quiet_end)
            continue
        step = min(remaining, _next_at(wall, rules.quiet_start) - wall)
        wall += step
        remaining -= step
    return from_local(wall, zone)


def offer_deadline(now: datetime, start: datetime, rules: OfferRules | None = None):
    """Until when a freed seat is held for the next person, or None when the class
    is too close to ask (the next person is then confirmed at once)."""
    rules = rules or OfferRules.from_config(current_app.config)
    left = start - now
    if left >= rules.long_before:
        hold = rules.long_hold
    elif left >= rules.none_within:
        hold = rules.short_hold
    else:
        return None
    deadline = run_hold_clock(now, hold, rules)
    if deadline > start - rules.min_margin:
        return None
    return deadline


def accept_offer(booking: Booking, *, by: User, now: datetime) -> Booking:
    """The person takes the seat held for them. Raises NotAllowed or OfferGone."""
    if not by.may_act_for(booking.person):
        raise NotAllowed()
    if not _transition(
        booking,
        [BookingStatus.OFFERED],
        {"status": BookingStatus.CONFIRMED, "confirmed_at": now},
        Booking.offer_expires_at > now,
    ):
        raise OfferGone()
    return booking


def decline_offer(booking: Booking, *, by: User, now: datetime) -> list[Booking]:
    """The person does not want the seat: it goes to the next in line at once.
    Returns the bookings promoted. Raises NotAllowed or OfferGone."""
    if not by.may_act_for(booking.person):
        raise NotAllowed()
    if not _transition(
        booking,
        [BookingStatus.OFFERED],
        {"status": BookingStatus.CANCELLED, "cancelled_at": now, "cancelled_by_id": by.id},
    ):
        raise OfferGone()
    return _pass_seat_on(booking, now)


def _pass_seat_on(booking: Booking, now: datetime) -> list[Booking]:
    target = Target.of_booking(booking)
    if _needs_seat(target, booking.household_id, exclude_id=booking.id):
        release_seat(target)
        return promote_waitlist(target, now=now)
    return []


@job("expire-offers")
def expire_offers(now: datetime) -> int:
    """Offers past their deadline: the seat passes on, the person goes on the staff
    call list. Idempotent: each expiry is one conditional UPDATE."""
    due = list(
        db.session.scalars(
            select(Booking)
            .where(Booking.status == BookingStatus.OFFERED, Booking.offer_expires_at <= now)
            .order_by(Booking.offer_expires_at, Booking.id)
        )
    )
    expired = 0
    for booking in due:
        deadline = booking.offer_expires_at
        if not _transition(
            booking,
            [BookingStatus.OFFERED],
            {"status": BookingStatus.CANCELLED, "cancelled_at": now},
            Booking.offer_expires_at <= now,
        ):
            continue
        expired += 1
        db.session.add(
            OfferCall(booking_id=booking.id, person_id=booking.person_id, created_at=now)
        )
        notify_household("offer_expired", booking, now, offer_expires_at=deadline.isoformat())
        _pass_seat_on(booking, now)
    db.session.flush()
    return expired


def open_offer_calls() -> list[OfferCall]:
    return list(
        db.session.scalars(
            select(OfferCall).where(OfferCall.done_at.is_(None)).order_by(OfferCall.created_at)
        )
    )


def close_offer_call(call: OfferCall, *, by: User, now: datetime, note: str | None) -> None:
    """Staff phoned the person (or tried); the call leaves the list."""
    if call.done_at is not None:
        return
    call.done_at, call.done_by_id, call.note = now, by.id, note or None
    audit.record(by, "offer_call.done", call, now, after={"note": note or ""})
    db.session.flush()


# --- staff managing the queue ------------------------------------------------


def _require_reason(reason: str | None) -> str:
    reason = (reason or "").strip()
    if not reason:
        raise ReasonRequired()
    return reason


def _snapshot(booking: Booking) -> dict:
    return {
        "person": booking.person.name,
        "status": booking.status,
        "position": waitlist_position(booking),
    }


def staff_promote(
    booking: Booking, *, by: User, now: datetime, reason: str | None = None
) -> Booking:
    """Staff give a waitlisted person a free seat now (no offer: they are usually on
    the phone), with the reason kept in the audit log when they jump the queue.
    Raises NotWaitlisted, NotBookable or Full (no seat free)."""
    if booking.status != BookingStatus.WAITLISTED:
        raise NotWaitlisted()
    target = Target.of_booking(booking)
    eligibility.check_bookable(target, now)
    before = _snapshot(booking)
    needs_seat = _needs_seat(target, booking.household_id, booking.id)
    if needs_seat and not claim_seat(target):
        raise Full(
            _l("No seat is free. Raise the number of seats first, or wait for a cancellation.")
        )
    if not _transition(
        booking,
        [BookingStatus.WAITLISTED],
        {"status": BookingStatus.CONFIRMED, "confirmed_at": now},
    ):
        if needs_seat:
            release_seat(target)
        raise NotWaitlisted()
    notify_household("promoted", booking, now)
    audit.record(
        by,
        "waitlist.promote",
        booking,
        now,
        before=before,
        after=_snapshot(booking),
        reason=reason or None,
    )
    return booking


def move_in_queue(
    booking: Booking, *, steps: int, by: User, now: datetime, reason: str | None
) -> int:
    """Moves a waitlisted booking `steps` places (negative: towards the front).
    Returns the new position. Raises ReasonRequired or NotWaitlisted."""
    reason = _require_reason(reason)
    queue = waitlist_queue(Target.of_booking(booking))
    ids = [b.id for b in queue]
    if booking.id not in ids:
        raise NotWaitlisted()
    old_index = ids.index(booking.id)
    new_index = max(0, min(len(queue) - 1, old_index + steps))
    if new_index == old_index:
        return old_index + 1
    moved = queue.pop(old_index)
    queue.insert(new_index, moved)
    # Reuse the queue's own times in the new order, nudged so they strictly rise:
    # the order no longer depends on ids, and nobody outside the queue moves.
    times = sorted(b.queued_at for b in queue)
    previous = None
    for entry, stamp in zip(queue, times, strict=True):
        if previous is not None and stamp <= previous:
            stamp = previous + timedelta(microseconds=1)
        if entry.queued_at != stamp:
            entry.queued_at = stamp
        previous = stamp
    db.session.flush()
    audit.record(
        by,
        "waitlist.move",
        booking,
        now,
        before={"person": booking.person.name, "position": old_index + 1},
        after={"person": booking.person.name, "position": new_index + 1},
        reason=reason,
    )
    return new_index + 1


def remove_from_waitlist(booking: Booking, *, by: User, now: datetime, reason: str | None) -> None:
    """Takes a person off the waiting list, with the reason in the audit log.
    Raises ReasonRequired or NotWaitlisted."""
    reason = _require_reason(reason)
    before = _snapshot(booking)
    if not _transition(
        booking,
        [BookingStatus.WAITLISTED],
        {"status": BookingStatus.CANCELLED, "cancelled_at": now, "cancelled_by_id": by.id},
    ):
        raise NotWaitlisted()
    notify_household("removed_from_waitlist", booking, now)
    audit.record(
        by,
        "waitlist.remove",
        booking,
        now,
        before=before,
        after={"person": booking.person.name, "status": booking.status},
        reason=reason,
    )
