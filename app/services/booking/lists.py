"""Lists of bookings for the desk: of one class or term, of one person, and the
classes the desk can still book."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from app.extensions import db
from app.models import (
    LIVE_STATUSES,
    Activity,
    ActivityStatus,
    Booking,
    BookingStatus,
    Person,
    Session,
    SessionStatus,
    User,
)
from app.services.booking import history
from app.services.booking.targets import Target
from app.services.booking.waitlist import waitlist_positions


@dataclass
class Row:
    booking: Booking
    position: int | None


def bookings_of(target: Target) -> tuple[list[Row], list[Row]]:
    """(holding a seat, waiting in order) for a session or a term class."""
    bookings = list(
        db.session.scalars(
            select(Booking)
            .options(
                selectinload(Booking.person),
                selectinload(Booking.booked_by).selectinload(User.person),
            )
            .where(target.bookings_clause(), Booking.status.in_(LIVE_STATUSES))
            .order_by(Booking.queued_at, Booking.id)
        )
    )
    seated = [Row(b, None) for b in bookings if b.status != BookingStatus.WAITLISTED]
    queue = [b for b in bookings if b.status == BookingStatus.WAITLISTED]
    return seated, [Row(b, i) for i, b in enumerate(queue, start=1)]


def person_bookings(person: Person, now: datetime) -> list[Row]:
    """The person's live bookings not over yet, soonest first, with waitlist positions."""
    bookings = history.coming(Booking.person_id == person.id, {}, now)
    positions = waitlist_positions(bookings)
    return [Row(booking, positions.get(booking.id)) for booking in bookings]


def bookable_targets(now: datetime, limit: int = 60) -> list[Target]:
    """Published classes still to come, for the desk's booking form."""
    sessions = list(
        db.session.scalars(
            select(Session)
            .join(Activity)
            .options(selectinload(Session.activity))
            .where(
                Activity.status == ActivityStatus.PUBLISHED,
                Session.status == SessionStatus.SCHEDULED,
                Session.starts_at > now,
            )
            .order_by(Session.starts_at)
            .limit(limit * 3)
        )
    )
    targets, seen = [], set()
    for session in sessions:
        target = Target(session.activity, None if session.activity.is_series else session)
        key = (session.activity_id, target.session.id if target.session else None)
        if key not in seen:
            seen.add(key)
            targets.append(target)
    return targets[:limit]
