"""Reminders the day before a session."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import exists, select

from app.extensions import db
from app.models import (
    Booking,
    BookingStatus,
    Reminder,
    Session,
    SessionStatus,
)
from app.services.booking.targets import covers_session
from app.services.jobs import job
from app.services.messaging.notices import notify_household
from app.timeutil import local_date, local_day_bounds


@job("queue-reminders")
def queue_reminders(now: datetime) -> int:
    """Day-before reminders for confirmed bookings on sessions tomorrow (centre
    time): one per booking and session, never twice."""

    start, end = local_day_bounds(local_date(now) + timedelta(days=1))
    already = exists().where(Reminder.booking_id == Booking.id, Reminder.session_id == Session.id)
    rows = db.session.execute(
        select(Booking, Session)
        .join(Session, covers_session())
        .where(
            Booking.status == BookingStatus.CONFIRMED,
            Session.status == SessionStatus.SCHEDULED,
            Session.starts_at >= start,
            Session.starts_at < end,
            ~already,
        )
        .order_by(Session.starts_at, Booking.id)
    ).all()
    for booking, session in rows:
        db.session.add(Reminder(booking_id=booking.id, session_id=session.id, queued_at=now))
        notify_household("reminder", booking, now, session=session)
    db.session.flush()
    return len(rows)
