"""Attendance: rosters, marking, walk-ins, kiosk check-in, leave (请假), no-shows,
suspensions, the welfare call list and volunteer hours.

A roster is everyone expected at a session: confirmed single-session bookings,
or for a term class the confirmed term enrolments plus that date's drop-ins;
people on leave stay on it as excused; walk-ins are attendance rows without a
booking. Every change of a mark writes an AttendanceChange (who, when, from, to).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import selectinload

from app.extensions import db
from app.formatting import lazy_when
from app.inputs import ascii_digits, fold
from app.models import (
    Activity,
    ActivityStatus,
    Attendance,
    AttendanceChange,
    AttendanceStatus,
    Audience,
    Booking,
    BookingStatus,
    Channel,
    Household,
    HouseholdTag,
    Leave,
    Person,
    PickupAttempt,
    Role,
    Session,
    SessionHelper,
    SessionStatus,
    Suspension,
    User,
    WelfareCall,
)
from app.models.people import STAFF_ROLES
from app.services import audit, eligibility
from app.services.auth import normalise_phone
from app.services.booking import (
    _needs_seat,
    book,
    cancel_booking,
    check_free_to_book,
    claim_seat,
    insert_booking,
    promote_waitlist,
)
from app.services.errors import (
    AlreadyBooked,
    BookingError,
    Full,
    NotAllowed,
    NotBookable,
    NotEligible,
    NotOnRoster,
    OutsideTime,
)
from app.services.jobs import job
from app.services.notifications import notify_household
from app.services.residents import add_person, create_household
from app.services.rows import add_if_new
from app.services.targets import Target
from app.timeutil import local_date, local_day_bounds

PRESENT_STATUSES = (AttendanceStatus.PRESENT, AttendanceStatus.LATE)
WELFARE_TAGS = ("独居", "高龄")
WELFARE_AGE = 80


def _setting(name: str) -> int:
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
    """Confirmed bookings that cover this session (term enrolments made before it
    ended, and bookings of this very session)."""
    activity = session.activity
    covers = Booking.session_id == session.id
    if activity.is_series:
        covers = or_(
            covers,
            and_(
                Booking.activity_id == activity.id,
                Booking.session_id.is_(None),
                Booking.confirmed_at < session.ends_at,
            ),
        )
    return list(
        db.session.scalars(
            select(Booking)
            .options(selectinload(Booking.person))
            .where(covers, Booking.status == BookingStatus.CONFIRMED)
        )
    )


def _covering_booking(session: Session, person: Person) -> Booking | None:
    """The person's confirmed booking covering `session`, if any."""
    return next((b for b in covering_bookings(session) if b.person_id == person.id), None)


def _guardian_phones(people: list[Person]) -> dict[int, list[str]]:
    """Phone numbers of the grown-up account holders in each child's household."""
    household_ids = {p.household_id for p in people}
    if not household_ids:
        return {}
    phones: dict[int, list[str]] = defaultdict(list)
    rows = db.session.execute(
        select(Person.household_id, Person.id, User.phone)
        .join(User, User.person_id == Person.id)
        .where(Person.household_id.in_(household_ids), User.active.is_(True))
        .order_by(User.id)
    )
    for household_id, person_id, phone in rows:
        phones[household_id].append((person_id, phone))
    return {
        p.id: [phone for pid, phone in phones.get(p.household_id, []) if pid != p.id]
        for p in people
    }


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
        phones = _guardian_phones([line.person for line in shown])
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


# --- marking -----------------------------------------------------------------


def attendance_of(session: Session, person: Person) -> Attendance | None:
    """The person's mark for the session, if any."""
    return db.session.scalar(
        select(Attendance).where(
            Attendance.session_id == session.id, Attendance.person_id == person.id
        )
    )


def _set_status(
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


def _check_marking_time(session: Session, by: User, now: datetime) -> None:
    day_start, _ = local_day_bounds(local_date(session.starts_at))
    if now < day_start:
        raise OutsideTime(
            _l(
                "The roll for this session opens on %(when)s.",
                when=lazy_when(session.starts_at, "date"),
            )
        )
    limit = session.ends_at + timedelta(days=_setting("ATTENDANCE_CORRECTION_DAYS"))
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
        raise BookingError(_l("Please choose present, late, absent or excused."))
    _check_marking_time(session, by, now)
    line = roster_line(session, person)
    attendance, _changed = _set_status(
        session, person, status, by=by, now=now, source="roster", booking=line.booking
    )
    return attendance


def mark_all_present(session: Session, *, by: User, now: datetime) -> int:
    """Marks everyone not yet marked (and not on leave) present; returns how many.

    Raises NotAllowed or OutsideTime.
    """
    check_roster_access(by, session)
    _check_marking_time(session, by, now)
    done = 0
    for line in roster(session):
        if line.status is not None:
            continue
        _set_status(
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


def attendance_history(attendance: Attendance) -> list[AttendanceChange]:
    return list(
        db.session.scalars(
            select(AttendanceChange)
            .where(AttendanceChange.attendance_id == attendance.id)
            .order_by(AttendanceChange.changed_at, AttendanceChange.id)
        )
    )


# --- walk-ins ----------------------------------------------------------------


WALK_IN_SEARCH_MIN = 2
WALK_IN_SEARCH_LIMIT = 10


@dataclass
class WalkInCandidate:
    """What a teacher is shown about someone found for a walk-in: the name, and the
    last digits of a phone number to tell two people of the same name apart."""

    person_id: int
    name: str
    phone_tail: str | None


def _years_before(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February
        return day.replace(year=day.year - years, day=28)


def _walk_in_conditions(session: Session, by: User) -> list:
    """SQL conditions on Person (joined to its User, if any) for who may be added as
    a walk-in to `session` by `by`: the activity's audience and age range admit them
    (as `eligibility.check_person` does, on the session's date), they are no staff
    or admin account, and they are no child unless `by` is staff."""
    activity = session.activity
    day = local_date(session.starts_at)
    conditions = [or_(User.id.is_(None), User.role.not_in(STAFF_ROLES))]
    lowest = activity.min_age
    if lowest is None and activity.audience == Audience.ELDER:
        lowest = eligibility.ELDER_AGE
    oldest = activity.max_age
    if oldest is None and activity.audience == Audience.CHILD:
        oldest = eligibility.ADULT_AGE - 1
    if (
        lowest is not None
        or oldest is not None
        or activity.audience
        in (
            Audience.ELDER,
            Audience.CHILD,
        )
    ):
        conditions.append(Person.birth_date.is_not(None))
    if lowest is not None:
        conditions.append(Person.birth_date <= _years_before(day, lowest))
    if oldest is not None:
        conditions.append(Person.birth_date > _years_before(day, oldest + 1))
    if not by.is_staff:
        conditions.append(
            or_(
                Person.birth_date.is_(None),
                Person.birth_date <= _years_before(day, eligibility.ADULT_AGE),
            )
        )
    return conditions


def _may_walk_in(session: Session, person: Person, by: User, now: datetime) -> bool:
    """The same rule as `_walk_in_conditions`, for one person (checked again on
    every add, whatever id was posted)."""
    if person.user is not None and person.user.is_staff:
        return False
    if person.is_child_on(local_date(session.starts_at)) and not by.is_staff:
        return False
    try:
        eligibility.check_person(person, Target(session.activity, session), now)
    except BookingError:
        return False
    return True


def _phone_tail(person: Person) -> str | None:
    phone = person.phone or (person.user.phone if person.user is not None else None)
    digits = "".join(c for c in phone or "" if c.isdigit())
    return digits[-4:] if len(digits) >= 4 else None


def find_walk_ins(
    session: Session, query: str, *, by: User, now: datetime
) -> list[WalkInCandidate]:
    """People `by` may add as a walk-in to `session` whose name, phone number (their
    own or their account's) or member number matches `query`: at least 2
    characters, at most 10 found, nobody already on the roster."""
    query = fold(query)
    if len(query) < WALK_IN_SEARCH_MIN:
        return []
    phone = normalise_phone(query)
    matches = [Person.name.contains(query, autoescape=True)]
    if phone.isascii() and phone.isdigit():
        matches += [
            Person.phone.contains(phone, autoescape=True),
            User.phone.contains(phone, autoescape=True),
        ]
    if query.isascii():
        matches.append(Person.member_no == query.upper())
    on_roster = {line.person.id for line in roster(session)}
    people = db.session.scalars(
        select(Person)
        .outerjoin(User, User.person_id == Person.id)
        .options(selectinload(Person.user))
        .where(or_(*matches), *_walk_in_conditions(session, by))
        .order_by(Person.name, Person.id)
        .limit(WALK_IN_SEARCH_LIMIT + len(on_roster))
    )
    found = [
        WalkInCandidate(p.id, p.name, _phone_tail(p))
        for p in people
        if p.id not in on_roster and _may_walk_in(session, p, by, now)
    ]
    return found[:WALK_IN_SEARCH_LIMIT]


def add_walk_in(session: Session, person: Person | None, *, by: User, now: datetime) -> Attendance:
    """Marks someone who came without a booking as present. Walk-ins count for
    attendance, not for seats (the teacher let them in). Only people the walk-in
    search would find may be added: anyone else (a child, unless `by` is staff;
    someone the class's audience or ages do not admit; a staff account; an id that
    does not exist, passed as None) is refused exactly alike with NotOnRoster.

    Raises NotAllowed, OutsideTime or NotOnRoster.
    """
    check_roster_access(by, session)
    _check_marking_time(session, by, now)
    if person is None or not _may_walk_in(session, person, by, now):
        raise NotOnRoster()
    booking = _covering_booking(session, person)
    return _mark_walk_in(session, person, booking, "walk_in_added", by=by, now=now)


def _mark_walk_in(
    session: Session, person: Person, booking: Booking | None, action: str, *, by: User, now
) -> Attendance:
    """Marks a walk-in present and writes `action` to the audit log."""
    attendance, _changed = _set_status(
        session,
        person,
        AttendanceStatus.PRESENT,
        by=by,
        now=now,
        source=WALK_IN_SOURCE,
        booking=booking,
    )
    audit.record(
        by, action, attendance, now, after={"session_id": session.id, "person_id": person.id}
    )
    return attendance


def register_walk_in(
    session: Session, name: str, phone: str | None, *, by: User, now: datetime
) -> Attendance:
    """A quick new resident record (own household) for a walk-in, marked present.
    Children are registered by staff (with their guardians), so a teacher cannot
    add a new person to a children's class.

    Raises NotAllowed or OutsideTime.
    """
    check_roster_access(by, session)
    _check_marking_time(session, by, now)
    if session.activity.audience == Audience.CHILD and not by.is_staff:
        raise NotAllowed(
            _l("Children are registered by the staff at the front desk, with a guardian.")
        )
    household = create_household(name, now=now)
    person = add_person(household, name, now=now, phone=phone or None)
    return _mark_walk_in(session, person, None, "walk_in_registered", by=by, now=now)


def remove_walk_in(session: Session, person: Person | None, *, by: User, now: datetime) -> None:
    """Takes a walk-in added by mistake off the roster: their attendance row and its
    history go, and the audit log keeps who removed whom. Only while the roll may
    still be corrected. A walk-in holds no seat (it has no booking); anyone with a
    booking is marked absent instead, so no seat count changes here.

    Raises NotAllowed, OutsideTime, NotOnRoster (not a walk-in of this session) or
    NotBookable (already collected at the door).
    """
    check_roster_access(by, session)
    _check_marking_time(session, by, now)
    attendance = attendance_of(session, person) if person is not None else None
    if (
        attendance is None
        or _covering_booking(session, person) is not None
        or leave_session_ids([person.id], [session.id])
    ):
        raise NotOnRoster()
    if attendance.booking_id is not None:
        raise NotBookable(_l("This person came with a booking: please mark them absent instead."))
    at_the_door = db.session.scalar(
        select(func.count())
        .select_from(PickupAttempt)
        .where(PickupAttempt.attendance_id == attendance.id)
    )
    if at_the_door or attendance.checked_out_at is not None:
        raise NotBookable(
            _l("This child has been collected at the door. Please ask the staff to correct it.")
        )
    before = {
        "session_id": session.id,
        "person_id": person.id,
        "status": attendance.status,
        "marked_at": attendance.marked_at.isoformat(),
    }
    audit.record(by, "walk_in_removed", attendance, now, before=before)
    db.session.execute(
        AttendanceChange.__table__.delete().where(AttendanceChange.attendance_id == attendance.id)
    )
    db.session.delete(attendance)
    db.session.flush()


# --- leave (请假) ------------------------------------------------------------


def coming_sessions_of(booking: Booking, now: datetime, limit: int = 6) -> list[Session]:
    """The next sessions a confirmed booking covers, for choosing a date of leave."""
    query = select(Session).where(
        Session.status == SessionStatus.SCHEDULED, Session.starts_at > now
    )
    if booking.session_id is not None:
        query = query.where(Session.id == booking.session_id)
    else:
        query = query.where(Session.activity_id == booking.activity_id)
    return list(db.session.scalars(query.order_by(Session.starts_at).limit(limit)))


def leave_choices(bookings: list[Booking], now: datetime) -> dict[int, list[tuple[Session, bool]]]:
    """For each confirmed booking, its coming sessions and whether leave is taken."""
    choices = {}
    for booking in bookings:
        if booking.status != BookingStatus.CONFIRMED:
            continue
        sessions = coming_sessions_of(booking, now)
        taken = leave_session_ids([booking.person_id], [s.id for s in sessions])
        choices[booking.id] = [(s, (booking.person_id, s.id) in taken) for s in sessions]
    return choices


def leave_session_ids(person_ids: list[int], session_ids: list[int]) -> set[tuple[int, int]]:
    if not person_ids or not session_ids:
        return set()
    rows = db.session.execute(
        select(Leave.person_id, Leave.session_id).where(
            Leave.person_id.in_(person_ids), Leave.session_id.in_(session_ids)
        )
    )
    return {(p, s) for p, s in rows}


def take_leave_for(person: Person, session: Session, *, by: User, now: datetime) -> Leave:
    """请假 at the kiosk: the person's confirmed booking covering `session` (for that
    date, or the term) is given up for that date. Raises NotBookable when there is
    none, and what `take_leave` raises."""
    booking = _covering_booking(session, person)
    if booking is None:
        raise NotBookable(_l("There is no booking to give up for this session."))
    return take_leave(booking, session, by=by, now=now, channel=Channel.KIOSK)


def take_leave(
    booking: Booking, session: Session, *, by: User, now: datetime, channel: str = Channel.PHONE
) -> Leave:
    """请假: the person cannot come to `session`. A single-session booking is
    cancelled (its seat goes to the waitlist at once); a term enrolment frees that
    one date's seat for a drop-in or a one-time waitlisted person.

    Raises NotAllowed, NotBookable, OutsideTime, AlreadyBooked (leave already taken).
    """
    if not by.may_act_for(booking.person):
        raise NotAllowed()
    if booking.status != BookingStatus.CONFIRMED:
        raise NotBookable(_l("Only a confirmed place can be given up for one day."))
    covers = (
        booking.session_id == session.id
        if booking.session_id is not None
        else booking.activity_id == session.activity_id
    )
    if not covers or session.status != SessionStatus.SCHEDULED:
        raise NotBookable(_l("This booking does not cover that session."))
    if session.starts_at <= now:
        raise OutsideTime(_l("This session has already started, so leave can no longer be taken."))
    leave = Leave(
        session_id=session.id,
        person_id=booking.person_id,
        booking_id=booking.id,
        channel=channel,
        created_by_id=by.id,
        created_at=now,
    )
    if not add_if_new(leave):
        raise AlreadyBooked(_l("Leave for this session has already been taken."))
    _set_status(
        session,
        booking.person,
        AttendanceStatus.EXCUSED,
        by=by,
        now=now,
        source="leave",
        booking=booking,
    )
    if booking.session_id is not None:
        cancel_booking(booking, by=by, now=now)
    else:
        promote_waitlist(Target(booking.activity, session), now=now)
    return leave


# --- the kiosk ---------------------------------------------------------------


@dataclass
class KioskEntry:
    session: Session
    person: Person
    booking: Booking | None
    attendance: Attendance | None
    on_leave: bool
    seats_left: int = 0

    @property
    def checked_in(self) -> bool:
        return self.attendance is not None and self.attendance.status in PRESENT_STATUSES


def _today_sessions(now: datetime) -> list[Session]:
    start, end = local_day_bounds(local_date(now))
    return list(
        db.session.scalars(
            select(Session)
            .join(Activity)
            .options(selectinload(Session.activity))
            .where(
                Activity.status == ActivityStatus.PUBLISHED,
                Session.status == SessionStatus.SCHEDULED,
                Session.starts_at >= start,
                Session.starts_at < end,
                Session.ends_at > now,
            )
            .order_by(Session.starts_at)
        )
    )


def kiosk_today(user: User, now: datetime) -> tuple[list[KioskEntry], list[KioskEntry]]:
    """Today's sessions of the kiosk user's household: (booked, open for drop-in)."""
    members = list(
        db.session.scalars(
            select(Person).where(Person.household_id == user.household_id).order_by(Person.id)
        )
    )
    booked: list[KioskEntry] = []
    drop_ins: list[KioskEntry] = []
    for session in _today_sessions(now):
        expected = {b.person_id: b for b in covering_bookings(session)}
        marks = {
            a.person_id: a
            for a in db.session.scalars(
                select(Attendance).where(Attendance.session_id == session.id)
            )
        }
        leaves = leave_session_ids([m.id for m in members], [session.id])
        seats = Target(session.activity, session).seats_left()
        for person in members:
            entry = KioskEntry(
                session,
                person,
                expected.get(person.id),
                marks.get(person.id),
                (person.id, session.id) in leaves,
                seats,
            )
            if entry.booking is not None or entry.attendance is not None or entry.on_leave:
                booked.append(entry)
            elif seats > 0 and person.id == user.person_id and _may_join(person, session, now):
                drop_ins.append(entry)
    return booked, drop_ins


def _may_join(person: Person, session: Session, now: datetime) -> bool:
    """Drop-ins offered on the kiosk: only classes the person could book (an elder
    is not offered the children's after-school club)."""
    try:
        eligibility.check_person(person, Target(session.activity, session), now)
    except BookingError:
        return False
    return True


def kiosk_login_phone(who: str) -> str:
    """The phone number to log in with: typed as such, or found from the member
    number on a card (that person's own account)."""
    who = fold(who)
    if ascii_digits(who) is not None and len(who) <= 7:
        # The kiosk keypad has digits only: a short number is a member card number.
        who = f"ZX{int(who):06d}"
    if who[:2].upper() == "ZX":
        phone = db.session.scalar(
            select(User.phone)
            .join(Person, Person.id == User.person_id)
            .where(Person.member_no == who.upper())
        )
        return phone or who.upper()
    return normalise_phone(who)


def _check_kiosk_time(session: Session, now: datetime) -> None:
    if session.status != SessionStatus.SCHEDULED:
        raise NotBookable(_l("This session has been cancelled."))
    opens = session.starts_at - timedelta(minutes=_setting("CHECK_IN_OPENS_MINUTES"))
    if now < opens:
        raise OutsideTime(_l("Check-in opens at %(when)s.", when=lazy_when(opens, "time")))
    if now >= session.ends_at:
        raise OutsideTime(_l("This session is over."))


def drop_in(person: Person, session: Session, *, by: User, now: datetime) -> Booking:
    """Books a free seat for today's session on the spot (kiosk).

    Raises NotAllowed, Suspended, NotEligible, AlreadyBooked, Conflict or Full.
    """
    eligibility.check_actor(by, person)
    target = Target(session.activity, session)
    if session.activity.programme is not None:
        # A childcare day follows its programme's rules, on the spot as anywhere.
        booking = book(person, target, by=by, channel=Channel.KIOSK, now=now)
        if booking.status != BookingStatus.CONFIRMED:
            raise Full(_l("Sorry, there is no free seat in this session today."))
        return booking
    eligibility.check_not_suspended(person, by, now)
    check_free_to_book(person, target, now)
    if _needs_seat(target, person.household_id) and not claim_seat(target, now):
        raise Full(_l("Sorry, there is no free seat in this session today."))
    return insert_booking(person, target, confirmed=True, channel=Channel.KIOSK, by=by, now=now)


@dataclass
class CheckIn:
    attendance: Attendance
    already: bool
    dropped_in: bool


def kiosk_check_in(person: Person, session: Session, *, by: User, now: datetime) -> CheckIn:
    """签到 at the kiosk: marks the person present with the time. Twice is harmless;
    without a booking it books a free seat first (drop-in). Only for the kiosk
    user's own household, staff included.

    Raises NotAllowed, NotBookable, OutsideTime, Full, Suspended, NotEligible.
    """
    if person.household_id != by.household_id:
        raise NotAllowed()
    if session.activity.status != ActivityStatus.PUBLISHED:
        raise NotBookable()
    _check_kiosk_time(session, now)
    existing = attendance_of(session, person)
    if existing is not None and existing.status in PRESENT_STATUSES:
        return CheckIn(existing, True, False)
    booking = _covering_booking(session, person)
    dropped_in = False
    if booking is None and existing is None:
        booking = drop_in(person, session, by=by, now=now)
        dropped_in = True
    attendance, _changed = _set_status(
        session,
        person,
        AttendanceStatus.PRESENT,
        by=by,
        now=now,
        source="kiosk",
        booking=booking,
    )
    return CheckIn(attendance, False, dropped_in)


# --- no-shows, suspensions, the welfare call list ------------------------------


def mark_no_shows(now: datetime) -> list[Attendance]:
    """Marks absent everyone confirmed for a session that ended more than the
    grace period ago and who has no mark. Idempotent; returns the new marks."""
    grace = timedelta(minutes=_setting("NO_SHOW_GRACE_MINUTES"))
    since = now - timedelta(days=_setting("NO_SHOW_WINDOW_DAYS"))
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
            attendance, changed = _set_status(
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
    since = now - timedelta(days=_setting("NO_SHOW_WINDOW_DAYS"))
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
    limit = _setting("NO_SHOW_LIMIT")
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
            ends_at=now + timedelta(days=_setting("SUSPENSION_DAYS")),
            strikes=count,
        )
        db.session.add(suspension)
        db.session.flush()
        last_missed = db.session.scalar(
            select(Booking)
            .join(Attendance, Attendance.booking_id == Booking.id)
            .join(Session, Session.id == Attendance.session_id)
            .where(
                Attendance.person_id == person.id,
                Attendance.status == AttendanceStatus.ABSENT,
            )
            .order_by(Session.ends_at.desc())
            .limit(1)
        )
        if last_missed is not None:
            notify_household(
                "suspended",
                last_missed,
                now,
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


def _is_vulnerable(person: Person, household_tags: set[str], day: date) -> bool:
    if household_tags & set(WELFARE_TAGS):
        return True
    age = person.age_on(day)
    return age is not None and age >= WELFARE_AGE


def add_welfare_calls(now: datetime) -> list[WelfareCall]:
    """Puts vulnerable residents (独居 / 高龄, or 80+) who missed a booked session
    on the staff call list for that day. Idempotent."""
    since = now - timedelta(days=2)
    rows = db.session.execute(
        select(Attendance, Session)
        .join(Session, Session.id == Attendance.session_id)
        .outerjoin(
            WelfareCall,
            and_(
                WelfareCall.session_id == Attendance.session_id,
                WelfareCall.person_id == Attendance.person_id,
            ),
        )
        .where(
            Attendance.status == AttendanceStatus.ABSENT,
            Attendance.booking_id.is_not(None),
            Session.ends_at > since,
            Session.ends_at <= now,
            WelfareCall.id.is_(None),
        )
    ).all()
    if not rows:
        return []
    people = {
        p.id: p
        for p in db.session.scalars(
            select(Person).where(Person.id.in_({a.person_id for a, _ in rows}))
        )
    }
    tags: dict[int, set[str]] = defaultdict(set)
    for household_id, tag in db.session.execute(
        select(HouseholdTag.household_id, HouseholdTag.tag).where(
            HouseholdTag.household_id.in_({p.household_id for p in people.values()})
        )
    ):
        tags[household_id].add(tag)
    created = []
    for attendance, session in rows:
        person = people[attendance.person_id]
        day = local_date(session.starts_at)
        if not _is_vulnerable(person, tags[person.household_id], day):
            continue
        call = WelfareCall(
            session_id=session.id,
            person_id=person.id,
            attendance_id=attendance.id,
            call_date=day,
            created_at=now,
        )
        if add_if_new(call):
            created.append(call)
    return created


@dataclass
class CallEntry:
    call: WelfareCall
    person: Person
    session: Session
    phones: list[str]
    household_tags: list[str]


def welfare_call_list(day: date) -> list[CallEntry]:
    """The day's calls (and calls still open from earlier days) for people still
    marked absent; a corrected mark takes them off the list."""
    calls = db.session.scalars(
        select(WelfareCall)
        .join(Attendance, Attendance.id == WelfareCall.attendance_id)
        .options(
            selectinload(WelfareCall.person)
            .selectinload(Person.household)
            .selectinload(Household.tags),
            selectinload(WelfareCall.session).selectinload(Session.activity),
        )
        .where(
            Attendance.status == AttendanceStatus.ABSENT,
            or_(
                WelfareCall.call_date == day,
                and_(WelfareCall.call_date < day, WelfareCall.done_at.is_(None)),
            ),
        )
        .order_by(WelfareCall.done_at.is_not(None), WelfareCall.call_date, WelfareCall.id)
    )
    entries = []
    for call in calls:
        person = call.person
        account_phones = list(
            db.session.scalars(
                select(User.phone)
                .join(Person, Person.id == User.person_id)
                .where(Person.household_id == person.household_id)
            )
        )
        phones = [p for p in [person.phone, *account_phones] if p]
        entries.append(
            CallEntry(
                call, person, call.session, list(dict.fromkeys(phones)), person.household.tag_names
            )
        )
    return entries


def complete_call(call: WelfareCall, *, by: User, now: datetime, note: str | None) -> None:
    """Staff mark a welfare call done, with a note. Raises NotAllowed."""
    if not by.is_staff:
        raise NotAllowed()
    before = {"done_at": call.done_at.isoformat() if call.done_at else None}
    call.done_at = now
    call.done_by_id = by.id
    call.note = note or None
    db.session.flush()
    audit.record(by, "welfare_call_done", call, now, before=before, after={"note": call.note})


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


def session_helpers(session: Session) -> list[SessionHelper]:
    return list(
        db.session.scalars(
            select(SessionHelper)
            .where(SessionHelper.session_id == session.id)
            .order_by(SessionHelper.id)
        )
    )


def _volunteer_by_phone(phone: str, now: datetime) -> User | None:
    """The account a helper is recorded under: an active resident or teacher who is
    an adult today. Staff and admin accounts, children and closed accounts are not
    volunteers, and answer like a number nobody has (the caller learns no name)."""
    user = db.session.scalar(select(User).where(User.phone == normalise_phone(phone)))
    if (
        user is None
        or not user.active
        or user.is_staff
        or user.role not in (Role.RESIDENT, Role.TEACHER)
        or user.person is None
        or user.person.is_child_on(local_date(now))
    ):
        return None
    return user


def add_helper(session: Session, phone: str, *, by: User, now: datetime) -> SessionHelper:
    """The teacher (or staff) records who helped run the session, found by phone:
    a volunteer (see _volunteer_by_phone). Audited.
    Raises NotAllowed or NotEligible (no volunteer account with that phone)."""
    check_roster_access(by, session)
    helper = _volunteer_by_phone(phone, now)
    if helper is None:
        raise NotEligible(
            _l(
                "No volunteer account has this phone number. The front desk can register volunteers."
            )
        )
    existing = db.session.scalar(
        select(SessionHelper).where(
            SessionHelper.session_id == session.id, SessionHelper.user_id == helper.id
        )
    )
    if existing is not None:
        return existing
    entry = SessionHelper(
        session_id=session.id, user_id=helper.id, added_by_id=by.id, created_at=now
    )
    db.session.add(entry)
    db.session.flush()
    audit.record(by, "session.helper_add", session, now, after={"user_id": helper.id})
    return entry


def remove_helper(entry: SessionHelper, *, by: User, now: datetime) -> None:
    """Raises NotAllowed unless `by` teaches the session or is staff. Audited."""
    session = db.session.get(Session, entry.session_id)
    check_roster_access(by, session)
    user_id = entry.user_id
    db.session.delete(entry)
    db.session.flush()
    audit.record(by, "session.helper_remove", session, now, before={"user_id": user_id})


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


@job("no_shows")
def no_show_job(now: datetime) -> int:
    """Marks no-shows, then fills the welfare call list and pauses repeat no-shows."""
    marked = mark_no_shows(now)
    calls = add_welfare_calls(now)
    suspensions = apply_suspensions(now)
    return len(marked) + len(calls) + len(suspensions)
