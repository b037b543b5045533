"""Volunteer hours, teaching and helping."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select

from app.extensions import db
from app.models import (
    Activity,
    Session,
    SessionHelper,
    SessionStatus,
    User,
)
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


def volunteer_hours(now: datetime, user: User | None = None) -> list[Hours]:
    """Service hours from sessions each teacher ran or helper helped with (held,
    not cancelled, ended): this local month and in total, per person, by name."""
    local_now = local_date(now)
    month_start, _ = local_day_bounds(local_now.replace(day=1))
    held = (Session.status == SessionStatus.SCHEDULED, Session.ends_at <= now)
    taught = (
        select(Session.id, Session.starts_at, Session.ends_at, Activity.teacher_id)
        .join(Activity, Activity.id == Session.activity_id)
        .where(Activity.teacher_id.is_not(None), *held)
    )
    helped = (
        select(Session.id, Session.starts_at, Session.ends_at, SessionHelper.user_id)
        .join(SessionHelper, SessionHelper.session_id == Session.id)
        .where(*held)
    )
    if user is not None:
        taught = taught.where(Activity.teacher_id == user.id)
        helped = helped.where(SessionHelper.user_id == user.id)
    totals: dict[int, Hours] = {}
    counted: set[tuple[int, int]] = set()
    for query in (taught, helped):
        for session_id, starts_at, ends_at, user_id in db.session.execute(query):
            if (session_id, user_id) in counted:
                continue  # a teacher listed as helper of their own class counts once
            counted.add((session_id, user_id))
            if user_id not in totals:
                totals[user_id] = Hours(db.session.get(User, user_id))
            minutes = int((ends_at - starts_at).total_seconds() // 60)
            entry = totals[user_id]
            entry.sessions += 1
            entry.total_minutes += minutes
            if starts_at >= month_start:
                entry.month_minutes += minutes
    if user is not None and user.id not in totals:
        totals[user.id] = Hours(user)
    return sorted(totals.values(), key=lambda h: h.user.person.name)
