"""Marking attendance (present, late, absent) and its history of corrections."""

from __future__ import annotations

from datetime import datetime, timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from app.database import add_if_new
from app.extensions import db
from app.formatting import lazy_when
from app.models import (
    CAME_STATUSES,
    Attendance,
    AttendanceChange,
    AttendanceStatus,
    Booking,
    Person,
    Session,
    User,
)
from app.services.attendance.roster import check_roster_access, int_setting, roster, roster_line
from app.services.refusals import (
    OutsideTime,
    Refusal,
)
from app.timeutil import local_date, local_day_bounds

PRESENT_STATUSES = CAME_STATUSES


# --- marking -----------------------------------------------------------------


def attendance_of(session: Session, person: Person) -> Attendance | None:
    """The person's mark for the session, if any."""
    return db.session.scalar(
        select(Attendance).where(
            Attendance.session_id == session.id, Attendance.person_id == person.id
        )
    )


def set_status(
    session: Session,
    person: Person,
    status: str,
    *,
    by: User | None,
    now: datetime,
    source: str,
    booking: Booking | None,
) -> tuple[Attendance, bool]:
    """Creates or changes the person's mark; returns (attendance, changed).
    Writes the change to the history. Safe when two requests mark at once."""
    attendance = attendance_of(session, person)
    if attendance is None:
        attendance = Attendance(
            session_id=session.id,
            person_id=person.id,
            booking_id=booking.id if booking is not None else None,
            status=status,
            checked_in_at=now if status in PRESENT_STATUSES else None,
            marked_by_id=by.id if by is not None else None,
            marked_at=now,
        )
        if not add_if_new(attendance):
            # Someone marked the same person at the same moment: change their row.
            attendance = attendance_of(session, person)
            if attendance is None:
                raise RuntimeError("an attendance row clashed but cannot be found")
        else:
            _record_change(attendance, None, status, by, now, source)
            return attendance, True
    previous = attendance.status
    if previous == status:
        return attendance, False
    attendance.status = status
    if status in PRESENT_STATUSES:
        attendance.checked_in_at = attendance.checked_in_at or now
    else:
        attendance.checked_in_at = None
    attendance.marked_by_id = by.id if by is not None else None
    attendance.marked_at = now
    if attendance.booking_id is None and booking is not None:
        attendance.booking_id = booking.id
    db.session.flush()
    _record_change(attendance, previous, status, by, now, source)
    return attendance, True


def _record_change(attendance, previous, status, by, now, source) -> None:
    db.session.add(
        AttendanceChange(
            attendance_id=attendance.id,
            from_status=previous,
            to_status=status,
            source=source,
            changed_by_id=by.id if by is not None else None,
            changed_at=now,
        )
    )
    db.session.flush()


def check_marking_time(session: Session, by: User, now: datetime) -> None:
    day_start, _ = local_day_bounds(local_date(session.starts_at))
    if now < day_start:
        raise OutsideTime(
            _l(
                "The roll for this session opens on %(when)s.",
                when=lazy_when(session.starts_at, "date"),
            )
        )
    limit = session.ends_at + timedelta(days=int_setting("ATTENDANCE_CORRECTION_DAYS"))
    if not by.is_staff and now > limit:
        raise OutsideTime(
            _l(
                "This roll can no longer be changed by teachers. Please ask the staff to correct it."
            )
        )


def mark_attendance(
    session: Session, person: Person, status: str, *, by: User, now: datetime
) -> Attendance:
    """Marks one person on the roster present / late / absent / excused.

    Raises NotAllowed, OutsideTime or NotOnRoster.
    """
    check_roster_access(by, session)
    if status not in set(AttendanceStatus):
        raise Refusal(_l("Please choose present, late, absent or excused."))
    check_marking_time(session, by, now)
    line = roster_line(session, person)
    attendance, _changed = set_status(
        session, person, status, by=by, now=now, source="roster", booking=line.booking
    )
    return attendance


def mark_all_present(session: Session, *, by: User, now: datetime) -> int:
    """Marks everyone not yet marked (and not on leave) present; returns how many.

    Raises NotAllowed or OutsideTime.
    """
    check_roster_access(by, session)
    check_marking_time(session, by, now)
    done = 0
    for line in roster(session):
        if line.status is not None:
            continue
        set_status(
            session,
            line.person,
            AttendanceStatus.PRESENT,
            by=by,
            now=now,
            source="roster",
            booking=line.booking,
        )
        done += 1
    return done
