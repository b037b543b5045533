"""Cancelling a booking, whether a cancellation is late, and what it will do (for
the step that asks "are you sure?" before an act that cannot be taken back)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select

from app.extensions import db
from app.models import (
    LIVE_STATUSES,
    Booking,
    BookingStatus,
    User,
)
from app.services.booking.eligibility import check_actor
from app.services.booking.seats import needs_seat, release_seat
from app.services.booking.status import transition
from app.services.booking.targets import (
    Target,
)
from app.services.booking.waitlist import promote_waitlist
from app.services.messaging.notices import tell_of_a_helpers_act
from app.services.refusals import (
    NotCancellable,
)


def is_late_cancel(booking: Booking, now: datetime) -> bool:
    start = Target.of_booking(booking).first_start_after(now)
    if start is None:
        return True
    return now > start - timedelta(hours=booking.activity.cancel_hours)


def someone_waiting(target: Target) -> bool:
    """Is anyone on the target's waiting list (a freed seat goes to them at once)?"""
    waiting = select(Booking.id).where(
        target.bookings_clause(), Booking.status == BookingStatus.WAITLISTED
    )
    return db.session.scalar(waiting.limit(1)) is not None


@dataclass(frozen=True)
class CancelEffects:
    """What cancelling a booking will do, said before it is done."""

    whole_term: bool  # every coming date of a term is given up
    passes_on: bool  # the seat goes to the next person waiting, at once
    late: bool  # close to the start: counts as a late cancellation

    @property
    def needs_confirmation(self) -> bool:
        """Cannot be taken back: the step "are you sure?" comes first."""
        return self.whole_term or self.passes_on


def cancel_effects(booking: Booking, now: datetime) -> CancelEffects:
    target = Target.of_booking(booking)
    return CancelEffects(
        whole_term=booking.session_id is None and booking.is_live,
        passes_on=booking.holds_seat and someone_waiting(target),
        late=booking.holds_seat and is_late_cancel(booking, now),
    )


def cancel_booking(booking: Booking, *, by: User, now: datetime) -> list[Booking]:
    """Cancels a booking; a freed seat goes to the waitlist at once.

    Returns the bookings promoted; a linked helper's cancellation tells the
    person's household. Raises NotAllowed or NotCancellable.
    """
    check_actor(by, booking.person)
    held_seat = booking.holds_seat
    late = is_late_cancel(booking, now)
    changed = transition(
        booking,
        LIVE_STATUSES,
        {
            "status": BookingStatus.CANCELLED,
            "cancelled_at": now,
            "cancelled_by_id": by.id,
            "late_cancel": late,
        },
    )
    if not changed:
        raise NotCancellable()
    tell_of_a_helpers_act(booking, by=by, now=now, cancelled=True)
    target = Target.of_booking(booking)
    if held_seat and needs_seat(target, booking.household_id, exclude_id=booking.id):
        release_seat(target)
        return promote_waitlist(target, now=now)
    return []
