"""The report's detail tables: childcare child-days per programme and slot kind,
the remarks left with ratings, and the ledger (台账) of every session held."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import case, func, select
from sqlalchemy.orm import aliased

from app.extensions import db
from app.models import (
    Activity,
    Attendance,
    AttendanceStatus,
    Person,
    ProgrammeSlot,
    Rating,
    Session,
    User,
)
from app.services.reports.base import Frame, held, visits
from app.services.reports.places import booked_per_session

# The most recent remarks the page shows; the workbook has them all.
COMMENTS_SHOWN = 200


@dataclass
class ChildDays:
    activity_id: int
    title: str
    title_en: str | None
    kind: str  # full, morning, afternoon
    days: int


def child_days(frame: Frame) -> list[ChildDays]:
    """Visits to childcare day slots, per programme and slot kind."""
    v = visits(frame)
    rows = db.session.execute(
        select(Activity.id, Activity.title, Activity.title_en, ProgrammeSlot.kind, func.count())
        .select_from(v)
        .join(ProgrammeSlot, ProgrammeSlot.session_id == v.c.session_id)
        .join(Activity, Activity.id == v.c.activity_id)
        .group_by(Activity.id, Activity.title, Activity.title_en, ProgrammeSlot.kind)
        .order_by(Activity.title, ProgrammeSlot.kind)
    )
    return [ChildDays(*row) for row in rows]


@dataclass
class Comment:
    starts_at: datetime
    activity_id: int
    title: str
    title_en: str | None
    value: str
    comment: str
    # Left empty for a teacher's report: teachers read remarks without names.
    name: str | None


def comments(frame: Frame, limit: int | None = COMMENTS_SHOWN) -> list[Comment]:
    """Remarks left with ratings of held sessions, newest first; the rater's name
    only in the whole centre's report."""
    query = (
        select(
            Session.starts_at,
            Activity.id,
            Activity.title,
            Activity.title_en,
            Rating.value,
            Rating.comment,
            Person.name,
        )
        .join(Session, Session.id == Rating.session_id)
        .join(Activity, Activity.id == Session.activity_id)
        .join(Person, Person.id == Rating.person_id)
        .where(Rating.comment.is_not(None), *held(frame))
        .order_by(Session.starts_at.desc(), Rating.id.desc())
    )
    if limit is not None:
        query = query.limit(limit)
    named = frame.scope.whole_centre
    return [Comment(*row[:6], name=row[6] if named else None) for row in db.session.execute(query)]


@dataclass
class LedgerLine:
    """One held session in the ledger (台账)."""

    starts_at: datetime
    ends_at: datetime
    title: str
    title_en: str | None
    teacher: str | None
    room: str
    booked: int
    present: int
    late: int
    absent: int
    excused: int
    walk_ins: int


def _count(condition):
    return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)


def ledger(frame: Frame) -> list[LedgerLine]:
    """Every held session, by start: its class, teacher and room, the people who
    had a place (booked, those on leave included), the marks, and walk-ins (came
    with no booking)."""
    marks = (
        select(
            Attendance.session_id,
            _count(Attendance.status == AttendanceStatus.PRESENT).label("present"),
            _count(Attendance.status == AttendanceStatus.LATE).label("late"),
            _count(Attendance.status == AttendanceStatus.ABSENT).label("absent"),
            _count(Attendance.status == AttendanceStatus.EXCUSED).label("excused"),
            _count(
                Attendance.status.in_((AttendanceStatus.PRESENT, AttendanceStatus.LATE))
                & Attendance.booking_id.is_(None)
            ).label("walk_ins"),
        )
        .join(Session, Session.id == Attendance.session_id)
        .where(*held(frame))
        .group_by(Attendance.session_id)
        .subquery("marks")
    )
    booked = booked_per_session(frame)
    teacher = aliased(Person)
    rows = db.session.execute(
        select(
            Session.starts_at,
            Session.ends_at,
            Activity.title,
            Activity.title_en,
            teacher.name,
            func.coalesce(Session.room, Activity.room),
            func.coalesce(booked.c.booked, 0),
            func.coalesce(marks.c.present, 0),
            func.coalesce(marks.c.late, 0),
            func.coalesce(marks.c.absent, 0),
            func.coalesce(marks.c.excused, 0),
            func.coalesce(marks.c.walk_ins, 0),
        )
        .join(Activity, Activity.id == Session.activity_id)
        .outerjoin(User, User.id == Activity.teacher_id)
        .outerjoin(teacher, teacher.id == User.person_id)
        .outerjoin(booked, booked.c.session_id == Session.id)
        .outerjoin(marks, marks.c.session_id == Session.id)
        .where(*held(frame))
        .order_by(Session.starts_at, Session.id)
    )
    return [LedgerLine(*row) for row in rows]
