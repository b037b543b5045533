"""Children safe end to end: the authorised pickup list, check-in at the door (one
child or the whole group from the school gate), check-out only by a listed person
with their code, late pickups and who is here now.

Check-in and check-out write the shared `Attendance` row; every check-out attempt,
allowed or refused, is a `PickupAttempt`, so staff can see refusals. A refused
attempt is returned (not raised) because it must be committed: the log is the point.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, func, or_, select, update

from app.extensions import db
from app.inputs import ascii_digits, fold
from app.models import (
    Activity,
    Attendance,
    AttendanceStatus,
    AuditEntry,
    Booking,
    BookingStatus,
    Notice,
    Person,
    PickupAttempt,
    PickupPerson,
    ProgrammeSlot,
    Session,
    User,
)
from app.services import attendance as roll
from app.services import audit
from app.services.attendance import attendance_of
from app.services.errors import BookingError, NotAllowed
from app.services.jobs import job
from app.services.notifications import household_users
from app.services.outbox import queue_notices
from app.services.programmes import programme_of
from app.services.rows import add_if_new
from app.timeutil import local_date, local_day_bounds

MAX_WRONG_CODES = 5

REFUSALS = {
    "wrong_code": _l("The pickup code is wrong. The child stays with the teacher."),
    "not_listed": _l("This person is not on the child's pickup list. The child stays."),
    "not_today": _l("This person may collect the child on another day only. The child stays."),
    "not_here": _l("This child is not checked in, so there is nothing to check out."),
    "too_many": _l(
        "Too many wrong codes for this child today. Please call the front desk and the guardian."
    ),
}


class NotBookedHere(BookingError):
    code = "not_booked"
    http_status = 409

    @staticmethod
    def default_message():
        return _l("This child is not booked for this session.")


class AlreadyListed(BookingError):
    """The same person (same phone, same day or every day) is on the list already:
    a second add, e.g. the code page refreshed, would give them a second code."""

    code = "already_listed"
    http_status = 409

    @staticmethod
    def default_message():
        return _l("This person is already on the list. If the code is lost, give a new code.")


class AlreadyCheckedIn(BookingError):
    code = "already_in"

    @staticmethod
    def default_message():
        return _l("This child is already checked in.")


# --- the pickup list ---------------------------------------------------------------

# How far ahead a one-day authorisation may be given.
ONE_DAY_AHEAD_DAYS = 60


class BadPickupDay(BookingError):
    code = "bad_pickup_day"
    http_status = 422

    @staticmethod
    def default_message():
        return _l("Please choose a day from today to %(days)s days ahead.", days=ONE_DAY_AHEAD_DAYS)


def is_adult(person: Person, day: date) -> bool:
    """18 or older on `day`. Someone with no birth date on file counts as an adult
    here: only the desk opens accounts, in person, and elders often give no birth
    date; a child without one is no child for the pickup list either."""
    age = person.age_on(day)
    return age is None or age >= 18


def is_guardian(user: User, child: Person, day: date) -> bool:
    """An active account of an adult in the child's household (any role: a teacher
    is a parent at home too). Staff of other households are not guardians."""
    return (
        user.is_authenticated
        and user.active
        and user.person.household_id == child.household_id
        and user.person_id != child.id
        and is_adult(user.person, day)
    )


def may_manage_pickup(user: User, child: Person, now: datetime) -> bool:
    """Who may see and change `child`'s pickup list: an adult guardian, and only
    while the child is a child (under 18, birth date on file)."""
    today = local_date(now)
    return child.is_child_on(today) and is_guardian(user, child, today)


def guardians(child: Person, now: datetime) -> list[User]:
    """Every guardian account of the child, to be told of each change."""
    today = local_date(now)
    return [u for u in household_users(child.household_id) if is_guardian(u, child, today)]


def code_key() -> bytes:
    """The server key for pickup codes: PICKUP_CODE_KEY, else derived from SECRET_KEY."""
    configured = current_app.config.get("PICKUP_CODE_KEY")
    if configured:
        return configured.encode()
    secret = current_app.config["SECRET_KEY"]
    secret = secret if isinstance(secret, bytes) else str(secret).encode()
    return hmac.new(secret, b"zhaoxi pickup codes v1", hashlib.sha256).digest()


def hash_code(code: str) -> str:
    return hmac.new(code_key(), code.encode(), hashlib.sha256).hexdigest()


def new_code() -> str:
    return f"{secrets.randbelow(10000):04d}"


def _issue_code(person: PickupPerson) -> str:
    code = new_code()
    person.code_hash = hash_code(code)
    person.issued_code = code
    return code


def check_day(valid_on: date | None, now: datetime) -> None:
    """A one-day authorisation is for today up to ONE_DAY_AHEAD_DAYS. Raises BadPickupDay."""
    if valid_on is None:
        return
    today = local_date(now)
    if not today <= valid_on <= today + timedelta(days=ONE_DAY_AHEAD_DAYS):
        raise BadPickupDay()


def _phone_key(phone: str | None) -> str:
    """A phone as typed, folded and without spaces or dashes, for comparing."""
    return re.sub(r"[\s\-]", "", fold(phone))


def check_not_listed(
    child: Person, name: str, phone: str, valid_on: date | None, now: datetime
) -> None:
    """Raises AlreadyListed when the same person (name and phone, after folding) is
    on the child's list for the same day (or every day) already. Two people sharing
    one home phone (grandma and grandpa) are two people, each with a code."""
    typed = (fold(name).casefold(), _phone_key(phone))
    for person in pickup_list(child, now):
        listed = (fold(person.name).casefold(), _phone_key(person.phone))
        if person.valid_on == valid_on and listed == typed:
            raise AlreadyListed()


def _record_change(
    action: str, child: Person, person: PickupPerson, *, by: User, now: datetime
) -> None:
    """The audit row (who, whom, which child, when) and a notice to every guardian."""
    day = person.valid_on.isoformat() if person.valid_on else None
    audit.record(
        by,
        action,
        child,
        now,
        after={"pickup": person.name, "relation": person.relation, "child": child.name}
        | ({"valid_on": day} if day else {}),
    )
    params = {"actor": by.person.name, "pickup": person.name, "child": child.name, "day": day}
    notices = [
        Notice(user_id=user.id, kind=action, params=params, created_at=now)
        for user in guardians(child, now)
    ]
    db.session.add_all(notices)
    queue_notices(notices, now)


def add_pickup_person(
    child: Person,
    *,
    name: str,
    phone: str,
    relation: str,
    by: User,
    now: datetime,
    valid_on: date | None = None,
) -> PickupPerson:
    """Adds an authorised person (every day, or on `valid_on` only) with a fresh
    4-digit code, returned once as `issued_code`. Audited; every guardian is told.
    Raises NotAllowed unless `by` may manage the child's list, BadPickupDay,
    AlreadyListed (nothing written)."""
    if not may_manage_pickup(by, child, now):
        raise NotAllowed()
    check_day(valid_on, now)
    check_not_listed(child, name, phone, valid_on, now)
    person = PickupPerson(
        child_id=child.id,
        name=name.strip(),
        phone=phone.strip(),
        relation=relation.strip(),
        valid_on=valid_on,
        created_by_id=by.id,
        created_at=now,
    )
    _issue_code(person)
    db.session.add(person)
    db.session.flush()
    _record_change(
        "pickup_day_added" if valid_on else "pickup_added", child, person, by=by, now=now
    )
    return person


def new_pickup_code(person: PickupPerson, *, by: User, now: datetime) -> str:
    """Gives a listed person a new code; the old one stops working at once. Audited;
    every guardian is told. Raises NotAllowed."""
    if not may_manage_pickup(by, person.child, now):
        raise NotAllowed()
    code = _issue_code(person)
    db.session.flush()
    _record_change("pickup_code_renewed", person.child, person, by=by, now=now)
    return code


def remove_pickup_person(person: PickupPerson, *, by: User, now: datetime) -> None:
    """Takes someone off the list: the row is deleted (the door's log keeps the name).
    Audited; every guardian is told. Raises NotAllowed."""
    child = person.child
    if not may_manage_pickup(by, child, now):
        raise NotAllowed()
    _record_change("pickup_removed", child, person, by=by, now=now)
    _delete(person)


def _delete(person: PickupPerson) -> None:
    db.session.execute(
        update(PickupAttempt)
        .where(PickupAttempt.pickup_person_id == person.id)
        .values(pickup_person_id=None)
        .execution_options(synchronize_session=False)
    )
    db.session.delete(person)
    db.session.flush()


@job("forget-expired-pickups")
def forget_expired(now: datetime) -> int:
    """Deletes one-day authorisations whose day has passed (every child); the door's
    log keeps the name on each attempt. Idempotent; returns how many went."""
    expired = list(
        db.session.scalars(select(PickupPerson).where(PickupPerson.valid_on < local_date(now)))
    )
    for person in expired:
        _delete(person)
    return len(expired)


def pickup_list(child: Person, now: datetime, *, today_only: bool = False) -> list[PickupPerson]:
    """The child's authorised people, every-day ones first. One-day authorisations
    whose day has passed are never listed (the job deletes them); with `today_only`,
    only those who may collect today."""
    today = local_date(now)
    day = PickupPerson.valid_on == today if today_only else PickupPerson.valid_on >= today
    query = select(PickupPerson).where(
        PickupPerson.child_id == child.id, or_(PickupPerson.valid_on.is_(None), day)
    )
    return list(
        db.session.scalars(query.order_by(PickupPerson.valid_on.is_not(None), PickupPerson.id))
    )


@dataclass
class ListedPerson:
    """One line of the guardian's pickup page, as finished values."""

    person: PickupPerson
    every_day: bool
    only_on: date | None
    may_renew: bool


def pickup_page_list(child: Person, now: datetime) -> list[ListedPerson]:
    return [
        ListedPerson(
            person=p,
            every_day=p.valid_on is None,
            only_on=p.valid_on,
            # Listed people are never past their day: each may get a new code.
            may_renew=p.valid_on is None or p.valid_on >= local_date(now),
        )
        for p in pickup_list(child, now)
    ]


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


def _on_roster(session: Session):
    """SQL condition on Person: booked (confirmed) on the session."""
    return Person.id.in_(select(Booking.person_id).where(_confirmed_on(session)))


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
    notes = {line.person.id: line.care_notes for line in roll.roster(session, viewer)}
    return [
        DoorLine(
            child=child,
            attendance=attendance,
            here=attendance is not None
            and attendance.checked_in_at is not None
            and attendance.checked_out_at is None,
            pickup_people=pickup_list(child, now, today_only=True),
            care_notes=notes.get(child.id),
        )
        for child, attendance in roster(session)
    ]


def check_in(child: Person, session: Session, *, by: User, now: datetime) -> Attendance:
    """Checks a booked child in. Raises NotBookedHere or AlreadyCheckedIn."""
    booking = confirmed_booking(child, session)
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
    REFUSALS) and the child stays checked in.

    Check-outs of one child are serialised on its attendance row (FOR UPDATE), so
    parallel wrong codes are counted one after another and no more than
    MAX_WRONG_CODES are tried."""
    attendance = db.session.scalar(
        select(Attendance)
        .where(Attendance.session_id == session.id, Attendance.person_id == child.id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    pickup = db.session.get(PickupPerson, pickup_person_id) if pickup_person_id else None
    listed = pickup is not None and pickup.child_id == child.id
    attempt = PickupAttempt(
        session_id=session.id,
        child_id=child.id,
        attendance_id=attendance.id if attendance else None,
        pickup_person_id=pickup.id if listed else None,
        pickup_name=pickup.name if listed else None,
        ok=False,
        teacher_id=by.id,
        created_at=now,
    )
    if attendance is None or attendance.checked_in_at is None or attendance.checked_out_at:
        attempt.reason = "not_here"
    elif not listed:
        attempt.reason = "not_listed"
    elif pickup.valid_on is not None and pickup.valid_on != local_date(now):
        attempt.reason = "not_today"
    elif _wrong_codes_today(child, now) >= MAX_WRONG_CODES:
        attempt.reason = "too_many"
    elif not code_matches(pickup, code):
        # Letters, other scripts' digits, empty: a wrong code, logged and counted.
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


def code_matches(person: PickupPerson, typed: str | None) -> bool:
    """Full-width digits fold to ASCII; the HMACs are compared in constant time."""
    digits = ascii_digits(typed)
    return digits is not None and hmac.compare_digest(hash_code(digits), person.code_hash)


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
