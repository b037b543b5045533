"""Booking on behalf (代办) at the front desk, and what the desk pages show."""

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
    AuditEntry,
    Booking,
    BookingStatus,
    Channel,
    Person,
    Role,
    Session,
    SessionStatus,
    User,
)
from app.services import audit
from app.services.booking import book, cancel_booking, waitlist_position
from app.services.notifications import notify_household
from app.services.targets import Target


def _booking_facts(booking: Booking) -> dict:
    return {
        "person": booking.person.name,
        "activity": booking.activity.title,
        "session_id": booking.session_id,
        "status": booking.status,
        "channel": booking.channel,
    }


def book_for(person: Person, target: Target, *, by: User, channel: str, now: datetime) -> Booking:
    """Staff book a resident (who phoned or came to the desk); the household is told
    and the act audited. Raises what `book` raises."""
    booking = book(person, target, by=by, channel=channel, now=now)
    if booking.person.household_id != by.household_id:
        notify_household("booked_by_staff", booking, now)
    audit.record(by, "booking.on_behalf", booking, now, after=_booking_facts(booking))
    return booking


def cancel_for(booking: Booking, *, by: User, now: datetime) -> list[Booking]:
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


def leave_for(booking: Booking, session, *, by: User, now: datetime):
    """Staff note 请假 for a resident who phoned or came to the desk; audited.
    Raises what `attendance.take_leave` raises."""
    from app.services.attendance import take_leave

    leave = take_leave(booking, session, by=by, now=now, channel=Channel.DESK)
    audit.record(
        by,
        "booking.leave_on_behalf",
        booking,
        now,
        after={"session_id": session.id, "starts_at": session.starts_at.isoformat()},
    )
    return leave


@dataclass
class Row:
    booking: Booking
    position: int | None


def bookings_of(target: Target) -> tuple[list[Row], list[Row]]:
    """(holding a seat, waiting in order) for a session or a term class."""
    bookings = list(
        db.session.scalars(
            select(Booking)
            .options(selectinload(Booking.person), selectinload(Booking.booked_by))
            .where(target.bookings_clause(), Booking.status.in_(LIVE_STATUSES))
            .order_by(Booking.queued_at, Booking.id)
        )
    )
    seated = [Row(b, None) for b in bookings if b.status != BookingStatus.WAITLISTED]
    queue = [b for b in bookings if b.status == BookingStatus.WAITLISTED]
    return seated, [Row(b, i) for i, b in enumerate(queue, start=1)]


def person_bookings(person: Person, now: datetime) -> list[Row]:
    bookings = list(
        db.session.scalars(
            select(Booking)
            .options(selectinload(Booking.activity), selectinload(Booking.session))
            .where(Booking.person_id == person.id, Booking.status.in_(LIVE_STATUSES))
            .order_by(Booking.created_at.desc())
        )
    )
    rows = []
    for booking in bookings:
        end = Target.of_booking(booking).last_end()
        if end is not None and end > now:
            rows.append(Row(booking, waitlist_position(booking)))
    return rows


def bookable_targets(now: datetime, limit: int = 60) -> list[Target]:
    """Published classes still to come, for the desk's booking form."""
    sessions = list(
        db.session.scalars(
            select(Session)
            .join(Activity)
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


@dataclass
class AuditFilter:
    action: str | None = None
    actor_id: int | None = None
    subject_type: str | None = None
    since: datetime | None = None
    until: datetime | None = None


def audit_entries(filters: AuditFilter, page: int, per_page: int = 50):
    query = select(AuditEntry).options(selectinload(AuditEntry.actor))
    if filters.action:
        query = query.where(AuditEntry.action.startswith(filters.action))
    if filters.actor_id:
        query = query.where(AuditEntry.actor_id == filters.actor_id)
    if filters.subject_type:
        query = query.where(AuditEntry.subject_type == filters.subject_type)
    if filters.since:
        query = query.where(AuditEntry.created_at >= filters.since)
    if filters.until:
        query = query.where(AuditEntry.created_at < filters.until)
    query = query.order_by(AuditEntry.created_at.desc(), AuditEntry.id.desc())
    return db.paginate(query, page=page, per_page=per_page, error_out=False)


def audit_actions() -> list[str]:
    return list(
        db.session.scalars(select(AuditEntry.action).distinct().order_by(AuditEntry.action))
    )


def staff_users() -> list[User]:
    return list(
        db.session.scalars(
            select(User)
            .where(User.role.in_([Role.STAFF, Role.ADMIN, Role.TEACHER]))
            .order_by(User.id)
        )
    )
