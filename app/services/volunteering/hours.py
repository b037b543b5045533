"""Volunteer hours, teaching and helping."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ColumnElement, Select, case, func, select, union
from sqlalchemy.orm import selectinload

from app.extensions import db
from app.models import (
    CAME_STATUSES,
    Activity,
    Attendance,
    Session,
    SessionHelper,
    SessionStatus,
    User,
)
from app.services.reports.sql import seconds_between
from app.timeutil import local_date, local_day_bounds

# --- volunteer hours -----------------------------------------------------------


@dataclass
class Hours:
    user: User
    sessions: int = 0
    month_minutes: int = 0
    total_minutes: int = 0

    @property
    def month_hours(self) -> float:
        return round(self.month_minutes / 60, 1)

    @property
    def total_hours(self) -> float:
        return round(self.total_minutes / 60, 1)


def someone_came() -> ColumnElement[bool]:
    """Condition on `Session`: at least one person was marked as having come."""
    return (
        select(Attendance.id)
        .where(Attendance.session_id == Session.id, Attendance.status.in_(CAME_STATUSES))
        .exists()
    )


def served_sessions(*conditions: ColumnElement[bool], user: User | None = None) -> Select:
    """(session_id, user_id) of each session a volunteer served: its teacher and its
    helpers, for sessions held (not cancelled) that someone came to — an empty room
    is no service given — and meeting `conditions`. A UNION, so a teacher also listed
    as helper of their own class counts once. The hours page and the service report
    both count these."""
    held = (Session.status == SessionStatus.SCHEDULED, someone_came(), *conditions)
    taught = (
        select(Session.id.label("session_id"), Activity.teacher_id.label("user_id"))
        .join(Activity, Activity.id == Session.activity_id)
        .where(Activity.teacher_id.is_not(None), *held)
    )
    helped = (
        select(Session.id.label("session_id"), SessionHelper.user_id.label("user_id"))
        .join(SessionHelper, SessionHelper.session_id == Session.id)
        .where(*held)
    )
    if user is not None:
        taught = taught.where(Activity.teacher_id == user.id)
        helped = helped.where(SessionHelper.user_id == user.id)
    return union(taught, helped)


def volunteer_hours(now: datetime, user: User | None = None) -> list[Hours]:
    """Service hours from sessions each teacher ran or helper helped with: held (not
    cancelled, ended) and attended (at least one person marked as having come — an
    empty room is no service given), this local month and in total, per person, by
    name. Summed in SQL, so the cost is one query whatever the history's length."""
    month_start, _ = local_day_bounds(local_date(now).replace(day=1))
    served = served_sessions(Session.ends_at <= now, user=user).subquery()
    minutes = seconds_between(Session.starts_at, Session.ends_at) / 60
    rows = db.session.execute(
        select(
            served.c.user_id,
            func.count(),
            func.sum(minutes),
            func.sum(case((Session.starts_at >= month_start, minutes), else_=0)),
        )
        .join(Session, Session.id == served.c.session_id)
        .group_by(served.c.user_id)
    ).all()
    users = {
        u.id: u
        for u in db.session.scalars(
            select(User)
            .where(User.id.in_([row[0] for row in rows]))
            .options(selectinload(User.person))
        )
    }
    totals = [
        Hours(users[user_id], int(count), int(month or 0), int(total or 0))
        for user_id, count, total, month in rows
    ]
    if user is not None and not totals:
        totals.append(Hours(user))
    return sorted(totals, key=lambda h: h.user.person.name)
