"""THE definition of a person's activity, for the retention job and its preview.

A person's last activity is the latest of:

- a booking for them (made), or one made by their account for anyone;
- the end of a session a live booking of theirs covers (a term still running counts);
- an attendance mark for them (a roll, the kiosk, the door, a walk-in);
- a lottery application or a rating for them;
- their account's last login (`User.last_login_at`);
- for an adult, any of these of a child of their household (a child who still
  comes needs their guardians' names and phones);
- a change to their household: the household or any member registered, or an
  audited change to the household or to them (tags, pickup list, PIN), other
  than the privacy desk's own acts (a hold is not activity).

People due for anonymisation: not yet anonymised, not held, without a teacher's or
staff account (staff accounts are the desk's to close), and with no activity for
RETENTION_INACTIVE_MONTHS.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import and_, func, literal, or_, select, union_all
from sqlalchemy.orm import aliased

from app.extensions import db
from app.models import (
    LIVE_STATUSES,
    Attendance,
    AuditEntry,
    Booking,
    Household,
    LotteryApplication,
    Person,
    PrivacyHold,
    Rating,
    Role,
    Session,
    User,
)
from app.models.people import ADULT_AGE, adult_clause, years_before
from app.timeutil import local_date


def months_before(moment: datetime, months: int) -> datetime:
    """The same time `months` months earlier (the 31st falls back to the month's end)."""
    year, month = divmod(moment.year * 12 + moment.month - 1 - months, 12)
    last_day = calendar.monthrange(year, month + 1)[1]
    return moment.replace(year=year, month=month + 1, day=min(moment.day, last_day))


def own_moments():
    """(person_id, at) for every moment that counts as a person's own activity."""
    member = aliased(Person)
    by_user = aliased(User)
    household_audit = and_(
        AuditEntry.subject_type == "household",
        AuditEntry.subject_id == Person.household_id,
        ~AuditEntry.action.startswith("privacy."),
    )
    person_audit = and_(
        AuditEntry.subject_type == "person",
        AuditEntry.subject_id == Person.id,
        ~AuditEntry.action.startswith("privacy."),
    )
    live = Booking.status.in_(LIVE_STATUSES)
    return union_all(
        select(Booking.person_id.label("person_id"), Booking.created_at.label("at")),
        select(by_user.person_id, Booking.created_at).join(
            by_user, by_user.id == Booking.booked_by_id
        ),
        select(Booking.person_id, Session.ends_at)
        .join(Session, Session.id == Booking.session_id)
        .where(live),
        select(Booking.person_id, Session.ends_at)
        .join(
            Session,
            and_(Booking.session_id.is_(None), Session.activity_id == Booking.activity_id),
        )
        .where(live),
        select(Attendance.person_id, Attendance.marked_at),
        select(LotteryApplication.person_id, LotteryApplication.created_at),
        select(Rating.person_id, Rating.created_at),
        select(User.person_id, User.last_login_at).where(User.last_login_at.is_not(None)),
        select(Person.id, Household.created_at).join(
            Household, Household.id == Person.household_id
        ),
        select(Person.id, member.created_at).join(
            member, member.household_id == Person.household_id
        ),
        select(Person.id, AuditEntry.created_at).join(AuditEntry, household_audit),
        select(Person.id, AuditEntry.created_at).join(AuditEntry, person_audit),
    ).subquery("own_moments")


def activity_moments(today: date):
    """(person_id, at): `own_moments`, and for each adult those of the children
    (under ADULT_AGE on `today`) of their household."""
    own = own_moments()
    child = aliased(Person)
    return union_all(
        select(own.c.person_id, own.c.at),
        select(Person.id, own.c.at)
        .join(child, child.id == own.c.person_id)
        .where(
            child.household_id == Person.household_id,
            child.id != Person.id,
            child.birth_date > years_before(today, ADULT_AGE),
            adult_clause(today),
        ),
    ).subquery("moments")


def last_activity(today: date):
    """(person_id, last) per person: the latest of `activity_moments`."""
    moments = activity_moments(today)
    return (
        select(moments.c.person_id, func.max(moments.c.at).label("last"))
        .group_by(moments.c.person_id)
        .subquery("last_activity")
    )


def inactive_since(now: datetime, settings) -> datetime:
    """Whoever's last activity is before this moment is due for anonymisation."""
    return months_before(now, settings["RETENTION_INACTIVE_MONTHS"])


def staff_account(person_id):
    """Whether the person (an id column) has a teacher's or staff account."""
    return (
        select(literal(1)).where(User.person_id == person_id, User.role != Role.RESIDENT).exists()
    )


def on_hold(person_id):
    """Whether the person (an id column) is held out of the retention job."""
    return select(literal(1)).where(PrivacyHold.person_id == person_id).exists()


def _due_query(now: datetime, settings, *, person=Person):
    """(person, last) of the people due (not held), longest
    inactive first; `person` is what to select of them (the entity, or its id)."""
    last = last_activity(local_date(now))
    hold = on_hold(Person.id)
    return (
        select(person, last.c.last)
        .outerjoin(last, last.c.person_id == Person.id)
        .where(
            Person.anonymised_at.is_(None),
            ~staff_account(Person.id),
            ~hold,
            or_(last.c.last.is_(None), last.c.last < inactive_since(now, settings)),
        )
        .order_by(last.c.last, Person.id)
    )


def due_ids(now: datetime, settings):
    """The statement of `due_for_anonymisation` as (person_id, last) rows, for the
    stored preview to insert from."""
    return _due_query(now, settings, person=Person.id)


@dataclass
class Due:
    """One person the next run would anonymise, and when they were last active."""

    person: Person
    last_active: datetime | None


def due_for_anonymisation(now: datetime, settings, *, limit: int | None = None) -> list[Due]:
    """The people the next retention run would anonymise, longest inactive first."""
    query = _due_query(now, settings)
    if limit is not None:
        query = query.limit(limit)
    return [Due(person, last) for person, last in db.session.execute(query)]
