"""The door: today's childcare sessions, their roll and check-in; who is here and
late pickups."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select, update

from app.database import add_if_new
from app.extensions import db
from app.models import (
    Activity,
    Attendance,
    AttendanceStatus,
    Booking,
    Person,
    PickupAttempt,
    PickupPerson,
    Programme,
    Session,
    SessionStatus,
    User,
)
from app.services.attendance import roster as attendance_roster
from app.services.attendance.marking import attendance_of
from app.services.booking.targets import holds_place_on
from app.services.childcare.pickup_list import pickup_lists
from app.services.childcare.programmes import programme_of
from app.services.people.guardians import guardian_phones
from app.services.refusals import (
    AlreadyCheckedIn,
    NotBookedHere,
    Refusal,
)
from app.timeutil import local_date, local_day_bounds


def today_sessions(now: datetime, user: User) -> list[Session]:
    """Programme sessions running today (centre time) that `user` may open at the door:
    staff see all, a teacher the ones of programmes they teach."""
    start, end = local_day_bounds(local_date(now))
    query = (
        select(Session)
        .join(Activity, Session.activity_id == Activity.id)
        # Every session of a programme's activity: its day slots and any added later.
        .join(Programme, Programme.activity_id == Activity.id)
        .where(
            Session.starts_at >= start,
            Session.starts_at < end,
            Session.status == SessionStatus.SCHEDULED,
        )
        .order_by(Session.starts_at, Session.id)
    )
    if not user.is_staff:
        query = query.where(Activity.teacher_id == user.id)
    return list(db.session.scalars(query))


# --- check-in --------------------------------------------------------------------


def _on_roster(session: Session):
    """SQL condition on Person: on the session's roll (`targets.holds_place_on`), the
    teacher's roster's rule."""
    return Person.id.in_(select(Booking.person_id).where(holds_place_on(session)))


def roster_children(session: Session, ids) -> list[Person] | None:
    """The children with these ids who are on the session's door roster, or None
    unless every id is one of them: the door's only loader of children, so another
    household's child, a staff member or a missing id are all just "not here"."""
    wanted = set(ids)
    if not wanted:
        return None
    children = list(
        db.session.scalars(
            select(Person).where(Person.id.in_(wanted), _on_roster(session)).order_by(Person.id)
        )
    )
    return children if len(children) == len(wanted) else None


def roster(session: Session) -> list[tuple[Person, Attendance | None]]:
    """The children booked on the session, with their attendance so far."""
    children = list(
        db.session.scalars(
            select(Person).where(_on_roster(session)).order_by(Person.name, Person.id)
        )
    )
    marks = {
        a.person_id: a
        for a in db.session.scalars(select(Attendance).where(Attendance.session_id == session.id))
    }
    return [(child, marks.get(child.id)) for child in children]


@dataclass
class DoorLine:
    """One child on the door roster, as finished values for the page."""

    child: Person
    attendance: Attendance | None
    here: bool
    # Only who may collect today: one-day authorisations of other days are not offered.
    pickup_people: list[PickupPerson]
    # Filled only where the teach roster would show them to `viewer`.
    care_notes: str | None


def door_roster(session: Session, viewer: User, now: datetime) -> list[DoorLine]:
    """The door roster as `viewer` may see it. Care notes follow the teach roster's
    rule (`attendance.roster(viewer=)`), not a second one."""
    notes = {line.person.id: line.care_notes for line in attendance_roster.roster(session, viewer)}
    children = roster(session)
    pickup_people = pickup_lists([child for child, _ in children], now, today_only=True)
    return [
        DoorLine(
            child=child,
            attendance=attendance,
            here=attendance is not None
            and attendance.checked_in_at is not None
            and attendance.checked_out_at is None,
            pickup_people=pickup_people[child.id],
            care_notes=notes.get(child.id),
        )
        for child, attendance in children
    ]


def check_in(child: Person, session: Session, *, by: User, now: datetime) -> Attendance:
    """Checks a booked child in. Raises NotBookedHere or AlreadyCheckedIn."""
    booking = attendance_roster.covering_booking(session, child)
    if booking is None:
        raise NotBookedHere()
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
        except Refusal as refusal:
            results.append(CheckInResult(child, False, str(refusal)))
            continue
        results.append(CheckInResult(child, True))
    return results


def check_in_group(
    session: Session, children: list[Person], *, by: User, now: datetime
) -> list[CheckInResult]:
    """`batch_check_in` for the door's form: each child's result when at least one
    went in; when none did, raises a Refusal (409) with the first child's reason, so
    the whole try is refused and nothing is written."""
    results = batch_check_in(session, children, by=by, now=now)
    if results and not any(result.ok for result in results):
        raise Refusal(results[0].message)
    return results


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


def who_is_here(now: datetime, user: User | None = None) -> list[Here]:
    """Every child checked in and not yet out, with a late flag once the slot ended
    more than the programme's grace period ago. Teachers see their own sessions."""
    query = (
        select(Attendance, Session)
        .join(Session, Attendance.session_id == Session.id)
        .join(Activity, Session.activity_id == Activity.id)
        .join(Programme, Programme.activity_id == Activity.id)
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
        result.append(Here(attendance.person, session, attendance, late, []))
    # Whom to ring about a late child: their guardians, read for all of them at once.
    phones = guardian_phones([h.child for h in result if h.late], local_date(now))
    for here in result:
        here.guardian_phones = phones.get(here.child.id, [])
    result.sort(key=lambda h: (h.room, h.child.name))
    return result


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
