"""No-shows, strikes and the suspensions they lead to."""

from __future__ import annotations

from datetime import datetime, timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from app.extensions import db
from app.models import (
    Attendance,
    AttendanceStatus,
    Booking,
    Person,
    Session,
    SessionStatus,
    Suspension,
    User,
)
from app.services import audit
from app.services.attendance.marking import set_status
from app.services.attendance.roster import int_setting, roster
from app.services.booking import eligibility
from app.services.jobs import job
from app.services.messaging.notices import notify_household
from app.services.refusals import (
    NotAllowed,
)
from app.services.welfare.calls import add_welfare_calls

# --- no-shows, suspensions, the welfare call list ------------------------------


def mark_no_shows(now: datetime) -> list[Attendance]:
    """Marks absent everyone confirmed for a session that ended more than the
    grace period ago and who has no mark. Idempotent; returns the new marks."""
    grace = timedelta(minutes=int_setting("NO_SHOW_GRACE_MINUTES"))
    since = now - timedelta(days=int_setting("NO_SHOW_WINDOW_DAYS"))
    sessions = db.session.scalars(
        select(Session)
        .options(selectinload(Session.activity))
        .where(
            Session.status == SessionStatus.SCHEDULED,
            Session.ends_at <= now - grace,
            Session.ends_at > since,
        )
        .order_by(Session.ends_at)
    )
    marked: list[Attendance] = []
    for session in sessions:
        for line in roster(session):
            if line.status is not None or line.booking is None:
                continue
            booking = line.booking
            if booking.confirmed_at is not None and booking.confirmed_at > session.starts_at:
                continue
            attendance, changed = set_status(
                session,
                line.person,
                AttendanceStatus.ABSENT,
                by=None,
                now=now,
                source="job",
                booking=booking,
            )
            if changed:
                marked.append(attendance)
    return marked


def _strike_query(now: datetime):
    since = now - timedelta(days=int_setting("NO_SHOW_WINDOW_DAYS"))
    return (
        select(Attendance.person_id, Session.ends_at)
        .join(Session, Session.id == Attendance.session_id)
        .where(
            Attendance.status == AttendanceStatus.ABSENT,
            Attendance.booking_id.is_not(None),
            Session.status == SessionStatus.SCHEDULED,
            Session.ends_at > since,
            Session.ends_at <= now,
        )
    )


def strikes(person: Person, now: datetime) -> int:
    """No-shows within the window that came after the person's last suspension
    (those before it were already counted, or forgiven)."""
    last = db.session.scalar(
        select(func.max(Suspension.starts_at)).where(Suspension.person_id == person.id)
    )
    rows = db.session.execute(_strike_query(now).where(Attendance.person_id == person.id))
    return sum(1 for _, ended in rows if last is None or ended > last)


def apply_suspensions(now: datetime) -> list[Suspension]:
    """Pauses online booking for people with too many recent no-shows; tells them."""
    limit = int_setting("NO_SHOW_LIMIT")
    person_ids = {pid for pid, _ in db.session.execute(_strike_query(now))}
    created = []
    for person_id in sorted(person_ids):
        person = db.session.get(Person, person_id)
        if eligibility.active_suspension(person, now) is not None:
            continue
        count = strikes(person, now)
        if count < limit:
            continue
        suspension = Suspension(
            person_id=person.id,
            starts_at=now,
            ends_at=now + timedelta(days=int_setting("SUSPENSION_DAYS")),
            strikes=count,
        )
        db.session.add(suspension)
        db.session.flush()
        last_missed = db.session.execute(
            select(Booking, Session)
            .join(Attendance, Attendance.booking_id == Booking.id)
            .join(Session, Session.id == Attendance.session_id)
            .where(
                Attendance.person_id == person.id,
                Attendance.status == AttendanceStatus.ABSENT,
            )
            .order_by(Session.ends_at.desc())
            .limit(1)
        ).first()
        if last_missed is not None:
            # The session missed, not the term's first date.
            booking, missed = last_missed
            notify_household(
                "suspended",
                booking,
                now,
                session=missed,
                until=suspension.ends_at.isoformat(),
                count=count,
            )
        created.append(suspension)
    return created


def lift_suspension(
    suspension: Suspension, *, by: User, now: datetime, reason: str | None = None
) -> None:
    """Staff forgive: online booking is open again at once. Raises NotAllowed."""
    if not by.is_staff:
        raise NotAllowed(_l("Only staff can lift a booking pause."))
    if suspension.lifted_at is not None:
        return
    suspension.lifted_at = now
    suspension.lifted_by_id = by.id
    suspension.lift_reason = reason or None
    db.session.flush()
    audit.record(
        by,
        "lift_suspension",
        suspension,
        now,
        before={"ends_at": suspension.ends_at.isoformat()},
        after={"lifted_at": now.isoformat()},
        reason=reason,
    )


def active_suspensions(now: datetime) -> list[Suspension]:
    return list(
        db.session.scalars(
            select(Suspension)
            .options(selectinload(Suspension.person))
            .where(eligibility.suspension_in_force(now))
            .order_by(Suspension.ends_at)
        )
    )


@job("no_shows")
def no_show_job(now: datetime) -> int:
    """Marks no-shows, then fills the welfare call list and pauses repeat no-shows."""
    marked = mark_no_shows(now)
    calls = add_welfare_calls(now)
    suspensions = apply_suspensions(now)
    return len(marked) + len(calls) + len(suspensions)
