"""Walk-ins: people who came without a booking, found and added by the teacher."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, or_, select
from sqlalchemy.orm import selectinload

from app.extensions import db
from app.inputs import fold
from app.models import (
    Attendance,
    AttendanceChange,
    AttendanceStatus,
    Audience,
    Booking,
    Person,
    PickupAttempt,
    Session,
    User,
)
from app.models.people import ADULT_AGE, ELDER_AGE, STAFF_ROLES, adult_clause, aged_at_least
from app.services import audit
from app.services.attendance.leave import leave_session_ids
from app.services.attendance.marking import attendance_of, check_marking_time, set_status
from app.services.attendance.roster import (
    WALK_IN_SOURCE,
    check_roster_access,
    covering_booking,
    roster,
)
from app.services.booking import eligibility
from app.services.booking.targets import Target
from app.services.people.login import normalise_phone
from app.services.people.residents import add_person, create_household
from app.services.refusals import (
    NotAllowed,
    NotBookable,
    NotOnRoster,
    Refusal,
)
from app.timeutil import local_date

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
        lowest = ELDER_AGE
    oldest = activity.max_age
    if oldest is None and activity.audience == Audience.CHILD:
        oldest = ADULT_AGE - 1
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
        conditions.append(aged_at_least(day, lowest))
    if oldest is not None:
        conditions.append(~aged_at_least(day, oldest + 1))
    if not by.is_staff:
        conditions.append(adult_clause(day))
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
    except Refusal:
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
    check_marking_time(session, by, now)
    if person is None or not _may_walk_in(session, person, by, now):
        raise NotOnRoster()
    booking = covering_booking(session, person)
    return _mark_walk_in(session, person, booking, "walk_in_added", by=by, now=now)


def _mark_walk_in(
    session: Session, person: Person, booking: Booking | None, action: str, *, by: User, now
) -> Attendance:
    """Marks a walk-in present and writes `action` to the audit log."""
    attendance, _changed = set_status(
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
    check_marking_time(session, by, now)
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
    check_marking_time(session, by, now)
    attendance = attendance_of(session, person) if person is not None else None
    if (
        attendance is None
        or covering_booking(session, person) is not None
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
