"""Who is on a session's roll, what a viewer may see of each line, and the
sessions a teacher takes."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from app.extensions import db
from app.models import (
    Activity,
    Attendance,
    AttendanceChange,
    AttendanceStatus,
    Booking,
    BookingStatus,
    Leave,
    Person,
    Role,
    Session,
    SessionStatus,
    User,
)
from app.models.people import STAFF_ROLES
from app.services.booking.targets import holds_place_on
from app.services.people.guardians import guardian_phones
from app.services.refusals import (
    NotAllowed,
    NotOnRoster,
)
from app.timeutil import local_date, local_day_bounds


def int_setting(name: str) -> int:
    return current_app.config[name]


# --- who may see and change a roster ---------------------------------------


def may_take_roster(user: User, session: Session) -> bool:
    """Staff, or the teacher of the session's class."""
    if not user.is_authenticated:
        return False
    return user.is_staff or (user.role == Role.TEACHER and session.activity.teacher_id == user.id)


def check_roster_access(user: User, session: Session) -> None:
    """Raises NotAllowed unless `user` may take this session's roster."""
    if not may_take_roster(user, session):
        raise NotAllowed(_l("Only the teacher of this class and staff can take its roll."))


# --- the roster --------------------------------------------------------------


@dataclass
class RosterLine:
    person: Person
    booking: Booking | None
    attendance: Attendance | None
    on_leave: bool = False
    is_child: bool = False
    # What the viewer may read about a child: filled by `roster(..., viewer=)` only
    # for staff, or for the teacher when the child is booked on this very session
    # (or was added as a walk-in by staff). Templates show these, never the person's.
    care_notes: str | None = None
    guardian_phones: list[str] = field(default_factory=list)

    @property
    def status(self) -> str | None:
        if self.attendance is not None:
            return self.attendance.status
        return AttendanceStatus.EXCUSED if self.on_leave else None

    @property
    def is_walk_in(self) -> bool:
        return self.booking is None

    @property
    def dom_id(self) -> str:
        return f"roll-{self.person.id}"


def covering_bookings(session: Session) -> list[Booking]:
    """Confirmed bookings that put their person on this session's roll
    (`targets.holds_place_on`), with their people."""
    return list(
        db.session.scalars(
            select(Booking).options(selectinload(Booking.person)).where(holds_place_on(session))
        )
    )


def covering_booking(session: Session, person: Person) -> Booking | None:
    """The person's confirmed booking covering `session` (`targets.holds_place_on`),
    if any: the same rule as the roll, for one person."""
    return db.session.scalar(
        select(Booking).where(Booking.person_id == person.id, holds_place_on(session)).limit(1)
    )


WALK_IN_SOURCE = "walk_in"


def _added_by_staff(session: Session) -> set[int]:
    """Person ids of this session's walk-ins that staff added (the walk-in change
    of their attendance row was made by a staff or admin account)."""
    return set(
        db.session.scalars(
            select(Attendance.person_id)
            .join(AttendanceChange, AttendanceChange.attendance_id == Attendance.id)
            .join(User, User.id == AttendanceChange.changed_by_id)
            .where(
                Attendance.session_id == session.id,
                AttendanceChange.source == WALK_IN_SOURCE,
                User.role.in_(STAFF_ROLES),
            )
        )
    )


def _may_see_child(line: RosterLine, viewer: User, staff_walk_ins: set[int]) -> bool:
    """Staff see every child's notes; a teacher sees those of children with a live
    (confirmed) booking covering this session, and of walk-ins staff added."""
    if viewer.is_staff:
        return True
    if line.booking is not None and line.booking.status == BookingStatus.CONFIRMED:
        return True
    return line.is_walk_in and line.person.id in staff_walk_ins


def roster(session: Session, viewer: User | None = None) -> list[RosterLine]:
    """Everyone expected at, on leave from, or walked in to `session`, by name.

    Children's care notes and guardian phones are filled in only for `viewer`
    (see `_may_see_child`); without a viewer no line carries them."""
    day = local_date(session.starts_at)
    lines: dict[int, RosterLine] = {}
    for booking in covering_bookings(session):
        lines.setdefault(booking.person_id, RosterLine(booking.person, booking, None))
    leaves = db.session.scalars(
        select(Leave).options(selectinload(Leave.person)).where(Leave.session_id == session.id)
    )
    for leave in leaves:
        line = lines.setdefault(leave.person_id, RosterLine(leave.person, leave.booking, None))
        line.on_leave = True
    marks = db.session.scalars(
        select(Attendance)
        .options(selectinload(Attendance.person))
        .where(Attendance.session_id == session.id)
    )
    for mark in marks:
        line = lines.setdefault(mark.person_id, RosterLine(mark.person, None, None))
        line.attendance = mark
    for line in lines.values():
        line.is_child = line.person.is_child_on(day)
    if viewer is not None and viewer.is_authenticated:
        staff_walk_ins = _added_by_staff(session) if not viewer.is_staff else set()
        shown = [
            line
            for line in lines.values()
            if line.is_child and _may_see_child(line, viewer, staff_walk_ins)
        ]
        phones = guardian_phones([line.person for line in shown], day)
        for line in shown:
            line.care_notes = line.person.care_notes
            line.guardian_phones = phones.get(line.person.id, [])
    return sorted(lines.values(), key=lambda line: (line.is_walk_in, line.person.name))


def roster_line(session: Session, person: Person, viewer: User | None = None) -> RosterLine:
    """One person's line on the roster (as `viewer` may see it). Raises NotOnRoster."""
    for line in roster(session, viewer):
        if line.person.id == person.id:
            return line
    raise NotOnRoster()


def counts(lines: list[RosterLine]) -> dict[str, int]:
    tally = {status.value: 0 for status in AttendanceStatus} | {"unmarked": 0}
    for line in lines:
        tally[line.status or "unmarked"] += 1
    return tally


# --- the teacher's day -----------------------------------------------------------


def teacher_sessions(user: User, now: datetime, days: int = 7) -> list[Session]:
    """Sessions from today (centre time) for `days` days: the teacher's own, or
    every session for staff."""
    start, _ = local_day_bounds(local_date(now))
    query = (
        select(Session)
        .join(Activity)
        .options(selectinload(Session.activity))
        .where(
            Session.status == SessionStatus.SCHEDULED,
            Session.starts_at >= start,
            Session.starts_at < start + timedelta(days=days),
        )
        .order_by(Session.starts_at)
    )
    if not user.is_staff:
        query = query.where(Activity.teacher_id == user.id)
    return list(db.session.scalars(query))
