"""The waiting list: its order, promotion into freed seats, positions and the
desk's own moves (promote, reorder, remove)."""

from __future__ import annotations

from datetime import datetime, timedelta
from functools import cache

from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, and_, bindparam, func, inspect, or_, select
from sqlalchemy.orm import aliased
from sqlalchemy.orm.attributes import set_committed_value

from app.extensions import db
from app.models import (
    LIVE_STATUSES,
    SEAT_STATUSES,
    Booking,
    BookingStatus,
    Session,
    User,
    WaitlistPolicy,
)
from app.services import audit
from app.services.booking import eligibility
from app.services.booking.hold_clock import offer_deadline
from app.services.booking.place import overlapping_booking
from app.services.booking.seats import claim_seat, needs_seat, release_seat
from app.services.booking.status import transition
from app.services.booking.targets import (
    Target,
    bookings_on_target,
)
from app.services.messaging.notices import notify_household
from app.services.refusals import (
    Full,
    NotWaitlisted,
    ReasonRequired,
    Refusal,
)


def waitlist_queue(target: Target) -> list[Booking]:
    return list(
        db.session.scalars(
            select(Booking)
            .where(target.bookings_clause(), Booking.status == BookingStatus.WAITLISTED)
            .order_by(Booking.queued_at, Booking.id)
        )
    )


def promote_waitlist(target: Target, *, now: datetime) -> list[Booking]:
    """Fills free seats from the waitlist in order, skipping anyone no longer
    eligible (they keep their place). Under policy `offer` a seat is held for the
    next person until a deadline (app/services/booking/hold_clock.py); too close to the start
    there is no time to ask, and they are confirmed at once. Returns the bookings
    promoted (confirmed or offered)."""

    try:
        eligibility.check_bookable(target, now)
    except Refusal:
        return []
    deadline = None
    if target.activity.waitlist_policy == WaitlistPolicy.OFFER:
        start = target.first_start_after(now)
        deadline = offer_deadline(now, start) if start is not None else None
    promoted: list[Booking] = []
    for candidate in waitlist_queue(target):
        if target.seats_left() <= 0 and needs_seat(target, candidate.household_id, candidate.id):
            break
        try:
            eligibility.check_person(candidate.person, target, now)
        except Refusal:
            continue
        if overlapping_booking(candidate.person, target) is not None:
            continue
        seat_needed = needs_seat(target, candidate.household_id, candidate.id)
        if seat_needed and not claim_seat(target, now):
            break
        if deadline is not None:
            values = {"status": BookingStatus.OFFERED, "offer_expires_at": deadline}
        else:
            values = {"status": BookingStatus.CONFIRMED, "confirmed_at": now}
        if not transition(candidate, [BookingStatus.WAITLISTED], values):
            if seat_needed:
                release_seat(target)
            continue
        if deadline is not None:
            notify_household("offered", candidate, now, offer_expires_at=deadline.isoformat())
        else:
            notify_household("promoted", candidate, now)
            give_up_own_dates(candidate, now=now)
        promoted.append(candidate)
    return promoted


def give_up_own_dates(booking: Booking, *, now: datetime) -> list[Booking]:
    """A term enrolment just confirmed covers every date of the term: the person's
    single-date bookings of the same class still to come are cancelled, and each
    seat one held goes to that date's waiting list. Returns the dates given up."""
    if booking.session_id is not None or booking.status != BookingStatus.CONFIRMED:
        return []
    dates = db.session.scalars(
        select(Booking)
        .join(Session, Session.id == Booking.session_id)
        .where(
            Booking.person_id == booking.person_id,
            Booking.activity_id == booking.activity_id,
            Booking.status.in_(LIVE_STATUSES),
            Session.starts_at > now,
        )
    ).all()
    for date in dates:
        held, target = date.status in SEAT_STATUSES, Target.of_booking(date)
        cancelled = {"status": BookingStatus.CANCELLED, "cancelled_at": now}
        if not transition(date, [date.status], cancelled):
            continue
        if held and needs_seat(target, date.household_id, exclude_id=date.id):
            release_seat(target)
            promote_waitlist(target, now=now)
    return list(dates)


def waitlist_position(booking: Booking) -> int | None:
    """1 for the first in the queue; None when the booking is not waitlisted."""
    if booking.status != BookingStatus.WAITLISTED:
        return None
    return queue_figures(Target.of_booking(booking), [booking])[1][booking.id]


def waitlist_positions(bookings: list[Booking]) -> dict[int, int]:
    """`waitlist_position` of each waitlisted booking of a list (by id), in one
    statement however many queues they wait in."""
    waiting = [b.id for b in bookings if b.status == BookingStatus.WAITLISTED]
    if not waiting:
        return {}
    ahead = aliased(Booking)
    same_queue = and_(
        ahead.activity_id == Booking.activity_id,
        or_(
            ahead.session_id == Booking.session_id,
            and_(ahead.session_id.is_(None), Booking.session_id.is_(None)),
        ),
    )
    earlier = or_(
        ahead.queued_at < Booking.queued_at,
        and_(ahead.queued_at == Booking.queued_at, ahead.id < Booking.id),
    )
    rows = db.session.execute(
        select(Booking.id, func.count(ahead.id))
        .outerjoin(ahead, and_(same_queue, ahead.status == BookingStatus.WAITLISTED, earlier))
        .where(Booking.id.in_(waiting))
        .group_by(Booking.id)
    )
    return {booking_id: n + 1 for booking_id, n in rows}


def queue_figures(target: Target, waiting: list[Booking]) -> tuple[int, dict[int, int]]:
    """The length of the target's waiting list and the place in it of each of
    `waiting` (its waitlisted bookings), in one query. A seat count left unread (a
    claim that found the class full expires it) is read by the same query."""
    seat_row = target.seat_row
    refresh = "taken" in inspect(seat_row).unloaded and not db.session().in_nested_transaction()
    params = {"row_id": seat_row.id, **target.bookings_params()}
    for i, booking in enumerate(waiting):
        params[f"queued_at_{i}"], params[f"id_{i}"] = booking.queued_at, booking.id
    query = _queue_query(target.seat_model, target.session is None, len(waiting), refresh)
    row = db.session.execute(query, params).one()
    if refresh:
        set_committed_value(seat_row, "taken", row[-1])
        row = row[:-1]
    return row[0], {b.id: ahead + 1 for b, ahead in zip(waiting, row[1:], strict=True)}


@cache
def _queue_query(seat_model, series: bool, waiting: int, with_taken: bool) -> Select:
    columns = [func.count(Booking.id)]
    for i in range(waiting):
        queued_at, booking_id = bindparam(f"queued_at_{i}"), bindparam(f"id_{i}")
        ahead = or_(
            Booking.queued_at < queued_at,
            and_(Booking.queued_at == queued_at, Booking.id < booking_id),
        )
        columns.append(func.count(Booking.id).filter(ahead))
    if with_taken:
        columns.append(
            select(seat_model.taken).where(seat_model.id == bindparam("row_id")).scalar_subquery()
        )
    return select(*columns).where(
        bookings_on_target(series), Booking.status == BookingStatus.WAITLISTED
    )


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
    the phone). Giving it to anyone but the first in line needs a reason, kept in the
    audit log. Raises NotWaitlisted, NotBookable, ReasonRequired or Full (no seat
    free)."""
    if booking.status != BookingStatus.WAITLISTED:
        raise NotWaitlisted()
    target = Target.of_booking(booking)
    eligibility.check_bookable(target, now)
    before = _snapshot(booking)
    if before["position"] != 1:
        reason = _require_reason(reason)
    seat_needed = needs_seat(target, booking.household_id, booking.id)
    if seat_needed and not claim_seat(target):
        raise Full(
            _l("No seat is free. Raise the number of seats first, or wait for a cancellation.")
        )
    if not transition(
        booking,
        [BookingStatus.WAITLISTED],
        {"status": BookingStatus.CONFIRMED, "confirmed_at": now},
    ):
        if seat_needed:
            release_seat(target)
        raise NotWaitlisted()
    notify_household("promoted", booking, now)
    give_up_own_dates(booking, now=now)
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
    if not transition(
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
