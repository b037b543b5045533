"""Children safe end to end: the authorised pickup list, check-in at the door (one
child or the whole group from the school gate), check-out only by a listed person
with their code, late pickups and who is here now.

Check-in and check-out write the shared `Attendance` row; every check-out attempt,
allowed or refused, is a `PickupAttempt`, so staff can see refusals. A refused
attempt is returned (not raised) because it must be committed: the log is the point.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, func, or_, select, update

from app.extensions import db
from app.models import (
    Activity,
    Attendance,
    AttendanceStatus,
    AuditEntry,
    Booking,
    BookingStatus,
    Person,
    PickupAttempt,
    PickupPerson,
    ProgrammeSlot,
    Session,
    User,
)
from app.services import audit
from app.services.attendance import attendance_of
from app.services.errors import BookingError, NotAllowed
from app.services.programmes import programme_of
from app.services.rows import add_if_new
from app.timeutil import local_date, local_day_bounds

MAX_WRONG_CODES = 5

REFUSALS = {
    "wrong_code": _l("The pickup code is wrong. The child stays with the teacher."),
    "not_listed": _l("This person is not on the child's pickup list. The child stays."),
    "not_here": _l("This child is not checked in, so there is nothing to check out."),
    "too_many": _l(
        "Too many wrong codes for this child today. Please call the front desk and the guardian."
    ),
}


class NotBookedHere(BookingError):
    code = "not_booked"
    http_status = 409


class AlreadyCheckedIn(BookingError):
    code = "already_in"

    @staticmethod
    def default_message():
        return _l("This child is already checked in.")


# --- the pickup list ---------------------------------------------------------------


def new_code() -> str:
    return f"{secrets.randbelow(10000):04d}"


def add_pickup_person(
    child: Person, *, name: str, phone: str, relation: str, by: User, now: datetime
) -> PickupPerson:
    """Adds an authorised person with a fresh 4-digit code. Raises NotAllowed unless
    `by` belongs to the child's household."""
    if by.household_id != child.household_id:
        raise NotAllowed()
    person = PickupPerson(
        child_id=child.id,
        name=name.strip(),
        phone=phone.strip(),
        relation=relation.strip(),
        code=new_code(),
        created_by_id=by.id,
        created_at=now,
    )
    db.session.add(person)
    db.session.flush()
    return person


def remove_pickup_person(person: PickupPerson, *, by: User, now: datetime) -> None:
    """Takes someone off the list (kept for the log). Raises NotAllowed."""
    if by.household_id != person.child.household_id:
        raise NotAllowed()
    if person.removed_at is None:
        person.removed_at = now
        db.session.flush()


def pickup_list(child: Person) -> list[PickupPerson]:
    return list(
        db.session.scalars(
            select(PickupPerson)
            .where(PickupPerson.child_id == child.id, PickupPerson.removed_at.is_(None))
            .order_by(PickupPerson.id)
        )
    )


# --- check-in --------------------------------------------------------------------


def _confirmed_on(session: Session):
    """SQL condition: a confirmed booking covering the session (the day, or the term)."""
    return and_(
        Booking.status == BookingStatus.CONFIRMED,
        or_(
            Booking.session_id == session.id,
            and_(Booking.session_id.is_(None), Booking.activity_id == session.activity_id),
        ),
    )


def confirmed_booking(child: Person, session: Session) -> Booking | None:
    """The child's confirmed booking covering the session (the day, or the term)."""
    return db.session.scalar(
        select(Booking).where(Booking.person_id == child.id, _confirmed_on(session))
    )


def roster(session: Session) -> list[tuple[Person, Attendance | None]]:
    """The children booked on the session, with their attendance so far."""
    children = list(
        db.session.scalars(
            select(Person)
            .join(Booking, Booking.person_id == Person.id)
            .where(_confirmed_on(session))
            .order_by(Person.name, Person.id)
        )
    )
    marks = {
        a.person_id: a
        for a in db.session.scalars(select(Attendance).where(Attendance.session_id == session.id))
    }
    return [(child, marks.get(child.id)) for child in children]


def check_in(child: Person, session: Session, *, by: User, now: datetime) -> Attendance:
    """Checks a booked child in. Raises NotBookedHere or AlreadyCheckedIn."""
    booking = confirmed_booking(child, session)
    if booking is None:
        raise NotBookedHere(_l("%(name)s is not booked for this session.", name=child.name))
    status = (
        AttendanceStatus.LATE
        if now > session.starts_at + timedelta(minutes=15)
        else (AttendanceStatus.PRESENT)
    )
    existing = attendance_of(session, child)
    if existing is not None:
        if existing.checked_in_at is not None:
            raise AlreadyCheckedIn()
        # A roster mark made earlier (absent, excused): the child did come after all.
        changed = db.session.execute(
            update(Attendance)
            .where(Attendance.id == existing.id, Attendance.checked_in_at.is_(None))
            .values(checked_in_at=now, status=status, marked_by_id=by.id, marked_at=now)
            .execution_options(synchronize_session=False)
        ).rowcount
        db.session.expire(existing)
        if not changed:
            raise AlreadyCheckedIn()
        return existing
    attendance = Attendance(
        session_id=session.id,
        person_id=child.id,
        booking_id=booking.id,
        status=status,
        checked_in_at=now,
        marked_by_id=by.id,
        marked_at=now,
    )
    if not add_if_new(attendance):
        raise AlreadyCheckedIn()
    return attendance


@dataclass
class CheckInResult:
    child: Person
    ok: bool
    message: str | None = None


def batch_check_in(
    session: Session, children: list[Person], *, by: User, now: datetime
) -> list[CheckInResult]:
    """Checks a whole group in at once (the teacher back from the school gate); each
    child is decided on its own, already-in children are reported, not an error."""
    results = []
    for child in children:
        try:
            check_in(child, session, by=by, now=now)
        except BookingError as refusal:
            results.append(CheckInResult(child, False, str(refusal)))
            continue
        results.append(CheckInResult(child, True))
    return results


# --- check-out -------------------------------------------------------------------


LOCK_LIFTED = "pickup_lock_lifted"


def _wrong_codes_today(child: Person, now: datetime) -> int:
    """Wrong codes for the child today, since staff last lifted the lock."""
    start, end = local_day_bounds(local_date(now))
    lifted = db.session.scalar(
        select(func.max(AuditEntry.created_at)).where(
            AuditEntry.action == LOCK_LIFTED,
            AuditEntry.subject_type == "person",
            AuditEntry.subject_id == child.id,
            AuditEntry.created_at >= start,
        )
    )
    if lifted is not None:
        start = lifted
    return db.session.scalar(
        select(func.count(PickupAttempt.id)).where(
            PickupAttempt.child_id == child.id,
            PickupAttempt.ok.is_(False),
            PickupAttempt.reason == "wrong_code",
            PickupAttempt.created_at >= start,
            PickupAttempt.created_at < end,
        )
    )


def check_out(
    child: Person,
    session: Session,
    *,
    pickup_person_id: int | None,
    code: str,
    by: User,
    now: datetime,
) -> PickupAttempt:
    """Lets the child go with a listed person who gives the right code. Every attempt
    is logged; a refused one comes back with `ok` False and a `reason` (see
    REFUSALS) and the child stays checked in."""
    attendance = attendance_of(session, child)
    pickup = db.session.get(PickupPerson, pickup_person_id) if pickup_person_id else None
    listed = pickup is not None and pickup.child_id == child.id and pickup.removed_at is None
    attempt = PickupAttempt(
        session_id=session.id,
        child_id=child.id,
        attendance_id=attendance.id if attendance else None,
        pickup_person_id=pickup.id if listed else None,
        ok=False,
        teacher_id=by.id,
        created_at=now,
    )
    if attendance is None or attendance.checked_in_at is None or attendance.checked_out_at:
        attempt.reason = "not_here"
    elif not listed:
        attempt.reason = "not_listed"
    elif _wrong_codes_today(child, now) >= MAX_WRONG_CODES:
        attempt.reason = "too_many"
    elif not secrets.compare_digest(pickup.code, (code or "").strip()):
        attempt.reason = "wrong_code"
    else:
        changed = db.session.execute(
            update(Attendance)
            .where(Attendance.id == attendance.id, Attendance.checked_out_at.is_(None))
            .values(checked_out_at=now)
            .execution_options(synchronize_session=False)
        ).rowcount
        db.session.expire(attendance)
        attempt.ok = bool(changed)
        attempt.reason = None if changed else "not_here"
    db.session.add(attempt)
    db.session.flush()
    if not attempt.ok:
        audit.record(by, "pickup_refused", child, now, after={"reason": attempt.reason})
    return attempt


def is_locked(child: Person, now: datetime) -> bool:
    return _wrong_codes_today(child, now) >= MAX_WRONG_CODES


def locked_children(attempts: list[PickupAttempt], now: datetime) -> list[Person]:
    """The children among today's refusals whose check-out is locked."""
    seen: dict[int, Person] = {}
    for attempt in attempts:
        if attempt.child_id not in seen and is_locked(attempt.child, now):
            seen[attempt.child_id] = attempt.child
    return list(seen.values())


def lift_pickup_lock(child: Person, *, by: User, now: datetime, reason: str) -> None:
    """Staff, having checked who is at the door, let the code be tried again.
    Raises NotAllowed for anyone but staff."""
    if not by.is_staff:
        raise NotAllowed()
    audit.record(by, LOCK_LIFTED, child, now, reason=reason)
    db.session.flush()


def refusal_message(attempt: PickupAttempt) -> str:
    return str(REFUSALS.get(attempt.reason, REFUSALS["not_listed"]))


# --- who is here -----------------------------------------------------------------


@dataclass
class Here:
    child: Person
    session: Session
    attendance: Attendance
    late: bool
    guardian_phones: list[str]

    @property
    def room(self) -> str:
        return self.session.where


def _guardian_phones(household_id: int) -> list[str]:
    return [
        p.phone
        for p in db.session.scalars(
            select(Person).where(Person.household_id == household_id, Person.phone.is_not(None))
        )
    ]


def who_is_here(now: datetime, user: User | None = None) -> list[Here]:
    """Every child checked in and not yet out, with a late flag once the slot ended
    more than the programme's grace period ago. Teachers see their own sessions."""
    query = (
        select(Attendance, Session)
        .join(Session, Attendance.session_id == Session.id)
        .join(Activity, Session.activity_id == Activity.id)
        .join(ProgrammeSlot, ProgrammeSlot.session_id == Session.id)
        .where(Attendance.checked_in_at.is_not(None), Attendance.checked_out_at.is_(None))
        .order_by(Session.starts_at, Attendance.id)
    )
    if user is not None and not user.is_staff:
        query = query.where(Activity.teacher_id == user.id)
    result = []
    for attendance, session in db.session.execute(query):
        programme = programme_of(session)
        grace = timedelta(minutes=programme.pickup_grace_minutes if programme else 15)
        late = now > session.ends_at + grace
        child = attendance.person
        result.append(
            Here(
                child,
                session,
                attendance,
                late,
                _guardian_phones(child.household_id) if late else [],
            )
        )
    result.sort(key=lambda h: (h.room, h.child.name))
    return result


def late_pickups(now: datetime, user: User | None = None) -> list[Here]:
    return [h for h in who_is_here(now, user) if h.late]


def refused_attempts(now: datetime, days: int = 1) -> list[PickupAttempt]:
    """Refused check-outs since the start of the day `days - 1` days ago, newest first."""
    start, _ = local_day_bounds(local_date(now) - timedelta(days=days - 1))
    return list(
        db.session.scalars(
            select(PickupAttempt)
            .where(PickupAttempt.ok.is_(False), PickupAttempt.created_at >= start)
            .order_by(PickupAttempt.created_at.desc(), PickupAttempt.id.desc())
        )
    )
