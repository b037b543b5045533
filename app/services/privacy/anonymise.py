"""Anonymising a person, and their household once no member is left who is not.

What stays: the person's row and id, their household, bookings, attendance, lottery
applications and rating faces, so reports of past years add up the same (人次 and 人数
count ids). What goes: the name (a stable pseudonym, "居民 7F3A", from a keyed hash of
the id), phone, member number, care notes, the birth date's day and month (1 January
of the birth year stays, so age bands still count them), free-text notes about them
(welfare and offer calls, a suspension's lift reason, a rating's remark), their
child's pickup list and the names typed at the door, their account's phone, PIN,
email, inbox and queued messages (the account is closed), and their open links
(代办). Audit entries about them keep their facts, with the pseudonym for the name.

Every step is a conditional UPDATE or DELETE: the first statement only changes a
person not yet anonymised, and nothing else runs when it changed nothing, so two
runs at once anonymise each person once.
"""

from __future__ import annotations

import hashlib
import hmac
from datetime import date, datetime

from flask import current_app
from sqlalchemy import delete, select, update

from app.extensions import db
from app.models import (
    LIVE_STATUSES,
    Attendance,
    AuditEntry,
    Booking,
    CalendarFeed,
    Household,
    HouseholdLink,
    HouseholdTag,
    LinkStatus,
    LoginAttempt,
    LoginCap,
    Notice,
    OfferCall,
    OutboxMessage,
    Person,
    PickupAttempt,
    PickupPerson,
    PrivacyHold,
    Rating,
    Suspension,
    User,
    WelfareCall,
)
from app.services import audit

PERSON_PREFIX = "居民"
HOUSEHOLD_PREFIX = "住户"
ANONYMISE = "privacy.anonymise"


def _key() -> bytes:
    secret = current_app.config["SECRET_KEY"]
    secret = secret if isinstance(secret, bytes) else str(secret).encode()
    return hmac.new(secret, b"zhaoxi pseudonyms v1", hashlib.sha256).digest()


def _tag(kind: str, row_id: int) -> str:
    digest = hmac.new(_key(), f"{kind}:{row_id}".encode(), hashlib.sha256).hexdigest()
    return digest[:4].upper()


def pseudonym(person_id: int) -> str:
    """The stable name an anonymised person gets: the same for the same id (and key)."""
    return f"{PERSON_PREFIX} {_tag('person', person_id)}"


def household_pseudonym(household_id: int) -> str:
    return f"{HOUSEHOLD_PREFIX} {_tag('household', household_id)}"


def _no_sync(statement):
    return db.session.execute(statement.execution_options(synchronize_session=False))


def anonymise_person(person: Person, *, now: datetime, by: User | None, why: str) -> bool:
    """Anonymises `person` (module docstring), audited as `privacy.anonymise` (by
    `by`, None for the job; `why`: "retention" or "request"), and their household
    when no member is left who is not. False, and nothing written, when someone else
    did it first."""
    old_name, born = person.name, person.birth_date
    name = pseudonym(person.id)
    changed = _no_sync(
        update(Person)
        .where(Person.id == person.id, Person.anonymised_at.is_(None))
        .values(
            name=name,
            phone=None,
            member_no=None,
            care_notes=None,
            birth_date=date(born.year, 1, 1) if born else None,
            birthday_lunar=False,
            anonymised_at=now,
        )
    ).rowcount
    if changed != 1:
        return False
    user = db.session.scalar(select(User).where(User.person_id == person.id))
    _close_account(user, person)
    _forget_about(person, user, now)
    _rewrite_audit(_subjects_of(person, user), {old_name: name}, drop=("pickup", "phone"))
    _no_sync(delete(PrivacyHold).where(PrivacyHold.person_id == person.id))
    audit.record(by, ANONYMISE, person, now, after={"pseudonym": name, "why": why})
    _anonymise_household_if_empty(person.household_id, now)
    db.session.flush()
    db.session.expire(person)
    if user is not None:
        db.session.expire(user)
    return True


def _close_account(user: User | None, person: Person) -> None:
    phones = [p for p in (person.phone, user.phone if user else None) if p]
    if phones:
        _no_sync(delete(LoginAttempt).where(LoginAttempt.phone.in_(phones)))
        _no_sync(delete(LoginCap).where(LoginCap.phone.in_(phones)))
    if user is None:
        return
    _no_sync(
        update(User)
        .where(User.id == user.id)
        .values(
            active=False,
            phone=f"anon-{user.id}",
            secret_hash="",
            email=None,
            locale=None,
            session_version=User.session_version + 1,
        )
    )
    _no_sync(delete(Notice).where(Notice.user_id == user.id))
    _no_sync(delete(OutboxMessage).where(OutboxMessage.user_id == user.id))
    _no_sync(delete(CalendarFeed).where(CalendarFeed.user_id == user.id))  # its address too


def _forget_about(person: Person, user: User | None, now: datetime) -> None:
    """Free text about the person, their pickup list, their open links."""
    pid = person.id
    _no_sync(update(WelfareCall).where(WelfareCall.person_id == pid).values(note=None))
    _no_sync(update(OfferCall).where(OfferCall.person_id == pid).values(note=None))
    _no_sync(update(Suspension).where(Suspension.person_id == pid).values(lift_reason=None))
    _no_sync(update(Rating).where(Rating.person_id == pid).values(comment=None))
    _no_sync(
        update(PickupAttempt)
        .where(PickupAttempt.child_id == pid)
        .values(pickup_person_id=None, pickup_name=None)
    )
    listed = select(PickupPerson.id).where(PickupPerson.child_id == pid)
    _no_sync(
        update(PickupAttempt)
        .where(PickupAttempt.pickup_person_id.in_(listed))
        .values(pickup_person_id=None)
    )
    _no_sync(delete(PickupPerson).where(PickupPerson.child_id == pid))
    whose = HouseholdLink.person_id == pid
    if user is not None:
        whose = whose | (HouseholdLink.user_id == user.id)
    _no_sync(
        update(HouseholdLink)
        .where(whose, HouseholdLink.status.in_((LinkStatus.PENDING, LinkStatus.CONFIRMED)))
        .values(status=LinkStatus.REVOKED, revoked_at=now)
    )


def _subjects_of(person: Person, user: User | None) -> list[tuple[str, list[int]]]:
    """The audit subjects that are about `person`: them, their account, their
    bookings, attendance and links."""
    pid = person.id
    links = select(HouseholdLink.id).where(HouseholdLink.person_id == pid)
    if user is not None:
        links = links.union(select(HouseholdLink.id).where(HouseholdLink.user_id == user.id))
    return [
        ("person", [pid]),
        ("user", [user.id] if user else []),
        ("booking", list(db.session.scalars(select(Booking.id).where(Booking.person_id == pid)))),
        (
            "attendance",
            list(db.session.scalars(select(Attendance.id).where(Attendance.person_id == pid))),
        ),
        ("householdlink", list(db.session.scalars(links))),
    ]


def _rewrite_audit(
    subjects: list[tuple[str, list[int]]], names: dict[str, str], drop: tuple[str, ...] = ()
) -> None:
    """In the audit entries about `subjects`, each stored value equal to a key of
    `names` becomes its value, and the keys in `drop` (names and phones of others
    typed for them) go."""
    for subject_type, ids in subjects:
        for chunk in _chunks(ids):
            entries = db.session.scalars(
                select(AuditEntry).where(
                    AuditEntry.subject_type == subject_type, AuditEntry.subject_id.in_(chunk)
                )
            )
            for entry in entries:
                entry.before = _rewritten(entry.before, names, drop)
                entry.after = _rewritten(entry.after, names, drop)


def _rewritten(values: dict | None, names: dict[str, str], drop: tuple[str, ...]) -> dict | None:
    if not values:
        return values
    return {
        key: names.get(value, value) if isinstance(value, str) else value
        for key, value in values.items()
        if key not in drop
    }


def _chunks(ids: list[int], size: int = 500):
    for start in range(0, len(ids), size):
        yield ids[start : start + size]


def _anonymise_household_if_empty(household_id: int, now: datetime) -> None:
    """Once every member is anonymised: the household's name becomes a pseudonym,
    its address and tags go (the audit's copies of its name too)."""
    someone_left = db.session.scalar(
        select(Person.id).where(Person.household_id == household_id, Person.anonymised_at.is_(None))
    )
    if someone_left is not None:
        return
    household = db.session.get(Household, household_id)
    old_name, name = household.name, household_pseudonym(household_id)
    changed = _no_sync(
        update(Household)
        .where(Household.id == household_id, Household.anonymised_at.is_(None))
        .values(name=name, address=None, anonymised_at=now)
    ).rowcount
    if changed != 1:
        return
    _no_sync(delete(HouseholdTag).where(HouseholdTag.household_id == household_id))
    members = list(db.session.scalars(select(Person.id).where(Person.household_id == household_id)))
    _rewrite_audit(
        [("household", [household_id]), ("person", members)], {old_name: name}, drop=("tags",)
    )
    db.session.expire(household)


def live_bookings_of(household_id: int) -> list[Booking]:
    """The household's live bookings (the desk cancels those still ahead before a
    requested deletion)."""
    return list(
        db.session.scalars(
            select(Booking)
            .where(Booking.household_id == household_id, Booking.status.in_(LIVE_STATUSES))
            .order_by(Booking.id)
        )
    )
