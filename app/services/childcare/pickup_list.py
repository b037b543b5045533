"""The pickup list: the adults a guardian authorises to collect a child, and their codes."""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import or_, select, update

from app.extensions import db
from app.inputs import ascii_digits, fold
from app.models import (
    Notice,
    Person,
    PickupAttempt,
    PickupPerson,
    User,
)
from app.services import audit
from app.services.jobs import job
from app.services.messaging.outbox import queue_notices
from app.services.people.guardians import guardian_accounts, is_guardian
from app.services.refusals import AlreadyListed, BadPickupDay, NotAllowed
from app.timeutil import local_date

# --- the pickup list ---------------------------------------------------------------

# How far ahead a one-day authorisation may be given.
ONE_DAY_AHEAD_DAYS = 60


def may_manage_pickup(user: User, child: Person, now: datetime) -> bool:
    """Who may see and change `child`'s pickup list: a guardian (`people.guardians`),
    and only while the child is a child (`Person.is_child_on`)."""
    today = local_date(now)
    return child.is_child_on(today) and is_guardian(user, child, today)


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
        raise BadPickupDay(
            _l("Please choose a day from today to %(days)s days ahead.", days=ONE_DAY_AHEAD_DAYS)
        )


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


def check_new_person(
    child: Person, name: str, phone: str, valid_on: date | None, now: datetime
) -> None:
    """What `add_pickup_person` checks of the person typed, without writing: the day
    (BadPickupDay) and that they are not on the list already (AlreadyListed). The
    page asks it before the guardian confirms it is them, so a refused add does not
    ask for the PIN first."""
    check_day(valid_on, now)
    check_not_listed(child, name, phone, valid_on, now)


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
        for user in guardian_accounts(child, local_date(now))
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
    check_new_person(child, name, phone, valid_on, now)
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
    return pickup_lists([child], now, today_only=today_only)[child.id]


def pickup_lists(
    children: list[Person], now: datetime, *, today_only: bool = False
) -> dict[int, list[PickupPerson]]:
    """`pickup_list` of each child (by id), in one statement however many."""
    lists: dict[int, list[PickupPerson]] = {child.id: [] for child in children}
    if not lists:
        return lists
    today = local_date(now)
    day = PickupPerson.valid_on == today if today_only else PickupPerson.valid_on >= today
    query = select(PickupPerson).where(
        PickupPerson.child_id.in_(lists), or_(PickupPerson.valid_on.is_(None), day)
    )
    for person in db.session.scalars(
        query.order_by(PickupPerson.valid_on.is_not(None), PickupPerson.id)
    ):
        lists[person.child_id].append(person)
    return lists


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


def code_matches(person: PickupPerson, typed: str | None) -> bool:
    """Full-width digits fold to ASCII; the HMACs are compared in constant time."""
    digits = ascii_digits(typed)
    return digits is not None and hmac.compare_digest(hash_code(digits), person.code_hash)
