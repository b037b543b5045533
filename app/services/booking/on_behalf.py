"""The desk books, cancels and takes leave on someone's behalf, with an audit record.

Names here say the act (`on_behalf.book`, `on_behalf.cancel`, `on_behalf.take_leave`):
the module says "on someone's behalf". In this code a `_for` suffix means "as this
user may see or act on it" (`card_for`, the loaders' `person_for`)."""

from __future__ import annotations

from datetime import datetime

from app.models import (
    Booking,
    BookingStatus,
    Channel,
    Leave,
    Person,
    Session,
    User,
)
from app.services import audit
from app.services.attendance import leave as attendance_leave
from app.services.booking import book as booking_book
from app.services.booking.cancel import cancel_booking
from app.services.booking.targets import Target
from app.services.messaging.notices import notify_household


def _booking_facts(booking: Booking) -> dict:
    return {
        "person": booking.person.name,
        "activity": booking.activity.title,
        "session_id": booking.session_id,
        "status": booking.status,
        "channel": booking.channel,
    }


def book(person: Person, target: Target, *, by: User, channel: str, now: datetime) -> Booking:
    """Staff book a resident (who phoned or came to the desk); the household is told
    and the act audited. Raises what `booking.book.book` raises."""
    booking = booking_book.book(person, target, by=by, channel=channel, now=now)
    if booking.person.household_id != by.household_id:
        waiting = booking.status == BookingStatus.WAITLISTED
        notify_household("waitlisted_by_staff" if waiting else "booked_by_staff", booking, now)
    audit.record(by, "booking.on_behalf", booking, now, after=_booking_facts(booking))
    return booking


def cancel(booking: Booking, *, by: User, now: datetime) -> list[Booking]:
    """Staff cancel a resident's booking; the household is told and the act audited.
    Raises what `cancel_booking` raises."""
    before = _booking_facts(booking)
    promoted = cancel_booking(booking, by=by, now=now)
    notify_household("cancelled_by_staff", booking, now)
    audit.record(
        by,
        "booking.cancel_on_behalf",
        booking,
        now,
        before=before,
        after=_booking_facts(booking) | {"promoted": len(promoted)},
    )
    return promoted


def take_leave(booking: Booking, session: Session, *, by: User, now: datetime) -> Leave:
    """Staff note 请假 for a resident who phoned or came to the desk; audited.
    Raises what `attendance.leave.take_leave` raises."""
    leave = attendance_leave.take_leave(booking, session, by=by, now=now, channel=Channel.DESK)
    audit.record(
        by,
        "booking.leave_on_behalf",
        booking,
        now,
        after={"session_id": session.id, "starts_at": session.starts_at.isoformat()},
    )
    return leave
