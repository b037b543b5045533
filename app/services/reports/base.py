"""What every figure of a report starts from: whose classes (the scope), the
sessions held in the period, and the visits (服务人次) made to them.

- A session is *held* when it was not cancelled and began within the period and
  before `now`. A cancelled session counts nowhere: not its bookings, marks,
  leave, ratings or pickups.
- A *visit* is an attendance mark present or late on a held session: marked at the
  roll, checked in at the kiosk, checked in at the door (children), or added as a
  walk-in (a mark with no booking). Absent and excused marks are no visits.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from functools import cached_property

from sqlalchemy import CTE, ColumnElement, Subquery, select

from app.models import (
    CAME_STATUSES,
    Activity,
    Attendance,
    Person,
    Session,
    SessionStatus,
    User,
)
from app.services.reports.period import Period, utc_offsets
from app.services.reports.sql import day_number, local_day_number

PRESENT = CAME_STATUSES


@dataclass(frozen=True)
class Scope:
    """Whose classes a report covers: the whole centre, or one teacher's classes
    (the activities whose teacher they are)."""

    teacher_id: int | None = None

    @property
    def whole_centre(self) -> bool:
        return self.teacher_id is None

    def activities(self, activity_id) -> list[ColumnElement[bool]]:
        """Conditions keeping `activity_id` (a column) within the scope."""
        if self.teacher_id is None:
            return []
        return [activity_id.in_(select(Activity.id).where(Activity.teacher_id == self.teacher_id))]


CENTRE = Scope()


def scope_for(user: User) -> Scope:
    """Staff and admin see the centre; anyone else (a teacher) their own classes."""
    return CENTRE if user.is_staff else Scope(teacher_id=user.id)


@dataclass(frozen=True)
class Frame:
    """A report's period, scope and clock: what every query of it is given."""

    period: Period
    scope: Scope
    now: datetime

    @property
    def start(self) -> datetime:
        return self.period.start

    @property
    def until(self) -> datetime:
        """Held sessions began before this: the period's end, or now if sooner."""
        return min(self.period.end, self.now)

    @cached_property
    def offsets(self) -> list[tuple[datetime | None, int]]:
        return utc_offsets(self.period)

    def local_day(self, moment) -> ColumnElement[int]:
        """The centre's local date of `moment` (a stored UTC time column) as yyyymmdd."""
        return local_day_number(moment, self.offsets)


def held(frame: Frame, session=Session) -> list[ColumnElement[bool]]:
    """Conditions on `session` (the Session entity or an alias): held in the frame."""
    return [
        session.status == SessionStatus.SCHEDULED,
        session.starts_at >= frame.start,
        session.starts_at < frame.until,
        *frame.scope.activities(session.activity_id),
    ]


def held_sessions(frame: Frame) -> Subquery:
    """The held sessions: id, activity_id, starts_at, ends_at, capacity."""
    return (
        select(
            Session.id,
            Session.activity_id,
            Session.starts_at,
            Session.ends_at,
            Session.capacity,
        )
        .where(*held(frame))
        .subquery("held")
    )


def visits(frame: Frame) -> Subquery:
    """One row per visit: person_id, session_id, activity_id, starts_at, booking_id."""
    return (
        select(
            Attendance.person_id,
            Attendance.session_id,
            Attendance.booking_id,
            Session.activity_id,
            Session.starts_at,
        )
        .join(Session, Session.id == Attendance.session_id)
        .where(Attendance.status.in_(PRESENT), *held(frame))
        .subquery("visits")
    )


def visit_rows(frame: Frame) -> CTE:
    """The visits with what every breakdown groups by, computed once per visit: a
    MATERIALIZED common table expression (SQLite 3.35+, PostgreSQL 12+), so the
    statement that reads it for several breakdowns joins and computes only once.
    Columns: person_id, session_id, booking_id, activity_id, category, audience,
    household_id, day (the local date as yyyymmdd, sql.py) and age (on that day; NULL
    without a birth date). What belongs to the session (its date, its class's kind
    and audience) is worked out once per session, not once per visit."""
    sessions = (
        select(
            Session.id,
            Session.activity_id,
            Activity.category,
            Activity.audience,
            frame.local_day(Session.starts_at).label("day"),
        )
        .join(Activity, Activity.id == Session.activity_id)
        .where(*held(frame))
        .cte("held_days")
        .prefix_with("MATERIALIZED")
    )
    return (
        select(
            Attendance.person_id,
            Attendance.session_id,
            Attendance.booking_id,
            sessions.c.activity_id,
            sessions.c.category,
            sessions.c.audience,
            Person.household_id,
            sessions.c.day,
            ((sessions.c.day - day_number(Person.birth_date)) // 10000).label("age"),
        )
        .select_from(sessions)
        .join(Attendance, Attendance.session_id == sessions.c.id)
        .join(Person, Person.id == Attendance.person_id)
        .where(Attendance.status.in_(PRESENT))
        .cte("v")
        .prefix_with("MATERIALIZED")
    )


def present(status) -> ColumnElement[bool]:
    """The attendance status counts as a visit."""
    return status.in_(PRESENT)
