"""The welfare call list: vulnerable people who missed a session, to be rung."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import and_, or_, select
from sqlalchemy.orm import selectinload

from app.database import add_if_new
from app.extensions import db
from app.models import (
    Attendance,
    AttendanceStatus,
    Household,
    HouseholdTag,
    Person,
    Session,
    User,
    WelfareCall,
)
from app.services import audit
from app.services.refusals import (
    NotAllowed,
)
from app.timeutil import local_date

WELFARE_TAGS = ("独居", "高龄")


WELFARE_AGE = 80


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


def call_entry(call: WelfareCall) -> CallEntry:
    """The call's line as the call list of its day shows it (with the phones to ring
    and the household's tags). Raises StopIteration when the list no longer holds it
    (its mark was corrected)."""
    return next(entry for entry in welfare_call_list(call.call_date) if entry.call.id == call.id)


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
