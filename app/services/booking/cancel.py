"""Cancelling a booking, and whether a cancellation is late."""

from __future__ import annotations

from datetime import datetime, timedelta

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
