"""Households, persons and users: registering them, tags, roles and search."""

from __future__ import annotations

from datetime import date, datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import or_, select
from sqlalchemy.orm import selectinload

from app.extensions import db
from app.inputs import typed_pin
from app.models import HOUSEHOLD_TAGS, Household, HouseholdTag, Person, Role, User
from app.services import audit
from app.services.people.login import (
    PASSWORD_MIN_LENGTH,
    clear_login_locks,
    find_user_by_phone,
    hash_secret,
    normalise_phone,
)
from app.services.people.sessions import end_all_sessions
from app.services.refusals import DeskRefused
from app.timeutil import local_date


def create_household(name: str, *, now: datetime, tags: tuple[str, ...] = ()) -> Household:
    household = Household(name=name, created_at=now)
    household.tags = [HouseholdTag(tag=t) for t in tags]
    db.session.add(household)
    db.session.flush()
    return household


def add_person(
    household: Household,
    name: str,
    *,
    now: datetime,
    birth_date: date | None = None,
    phone: str | None = None,
    care_notes: str | None = None,
) -> Person:
    person = Person(
        household_id=household.id,
        name=name,
        birth_date=birth_date,
        phone=normalise_phone(phone) if phone else None,
        care_notes=care_notes,
        created_at=now,
    )
    db.session.add(person)
    db.session.flush()
    person.member_no = f"ZX{person.id:06d}"
    return person


def create_user(
    person: Person,
    *,
    phone: str,
    secret: str,
    role: str = Role.RESIDENT,
    now: datetime,
    hash_method: str,
) -> User:
    """An account: residents log in with a 6-digit PIN, everyone else with a
    password of at least PASSWORD_MIN_LENGTH characters. Raises DeskRefused."""
    check_secret(secret, role)
    user = User(
        person_id=person.id,
        phone=normalise_phone(phone),
        role=role,
        secret_hash=hash_secret(secret, hash_method),
        created_at=now,
    )
    db.session.add(user)
    db.session.flush()
    return user


def check_secret(secret: str | None, role: str) -> None:
    """A PIN is 6 digits (typed in any width, it is stored in ASCII so that the
    kiosk keypad can type it); a password has at least PASSWORD_MIN_LENGTH
    characters. Raises DeskRefused."""
    if role == Role.RESIDENT:
        if typed_pin(secret) is None:
            raise DeskRefused(_l("A PIN is 6 digits."))
    elif len(secret or "") < PASSWORD_MIN_LENGTH:
        raise DeskRefused(
            _l("A password needs at least %(num)d characters.", num=PASSWORD_MIN_LENGTH)
        )


# --- the front desk ------------------------------------------------------------


def register_household(
    name: str, *, by: User, now: datetime, address: str | None = None, tags=()
) -> Household:
    """Staff register a new household; audited."""
    household = create_household(name, now=now, tags=tuple(sorted(set(tags))))
    household.address = address or None
    db.session.flush()
    audit.record(
        by, "household.create", household, now, after={"name": name, "tags": household.tag_names}
    )
    return household


def register_member(
    household: Household,
    name: str,
    *,
    by: User,
    now: datetime,
    hash_method: str,
    birth_date: date | None = None,
    phone: str | None = None,
    pin: str | None = None,
    care_notes: str | None = None,
    email: str | None = None,
) -> Person:
    """Staff add a person; with a phone number and a PIN they also get an account.
    Raises DeskRefused when the phone number already has an account."""
    if birth_date is not None and Person(birth_date=birth_date).needs_guardian_consent_on(
        local_date(now)
    ):
        # A child under 14 comes in with "Add a child": their guardian's consents,
        # and no phone, PIN or email of their own (minimisation).
        raise DeskRefused(_l("A child under 14 is added with “Add a child”, below."))
    if pin and not phone:
        raise DeskRefused(_l("A PIN needs a phone number to log in with."))
    if pin and find_user_by_phone(phone) is not None:
        raise DeskRefused(_l("This phone number already has an account."))
    person = add_person(
        household, name, now=now, birth_date=birth_date, phone=phone, care_notes=care_notes
    )
    if pin:
        user = create_user(person, phone=phone, secret=pin, now=now, hash_method=hash_method)
        user.email = email or None
    audit.record(
        by,
        "person.create",
        person,
        now,
        after={"name": name, "household": household.name, "account": bool(pin)},
    )
    return person


def set_household_tags(household: Household, tags, *, by: User, now: datetime) -> None:
    """Staff set a household's tags (独居, 高龄, …); before/after are audited."""
    wanted = set(tags)
    unknown = wanted - set(HOUSEHOLD_TAGS)
    if unknown:
        raise DeskRefused(_l("Unknown tag."))
    before = household.tag_names
    if set(before) == wanted:
        return
    household.tags = [t for t in household.tags if t.tag in wanted] + [
        HouseholdTag(tag=t) for t in sorted(wanted - set(before))
    ]
    db.session.flush()
    audit.record(
        by,
        "household.tags",
        household,
        now,
        before={"tags": before},
        after={"tags": sorted(wanted)},
    )


def reset_pin(user: User, new_pin: str, *, by: User, now: datetime, hash_method: str) -> None:
    """Staff set a new PIN for a resident (the PIN itself is never logged); every
    session the resident has ends."""
    if not user.uses_pin:
        raise DeskRefused(_l("Only residents log in with a PIN."))
    check_secret(new_pin, user.role)
    user.secret_hash = hash_secret(new_pin, hash_method)
    end_all_sessions(user)
    # Staff have the person in front of them: earlier wrong tries no longer matter.
    clear_login_locks(user.phone)
    audit.record(by, "user.reset_pin", user, now, after={"person": user.person.name})


def set_role(
    user: User,
    role: str,
    *,
    by: User | None,
    now: datetime,
    hash_method: str,
    secret: str | None = None,
) -> None:
    """Gives an account another role (resident, teacher, staff, admin); audited
    (`by` None: the system, e.g. `flask set-role`). Every session of the account
    ends, so no page keeps the old rights. When the way of logging in changes
    (residents use a PIN, everyone else a password), `secret` is the new PIN or
    password and is required; otherwise none may be given. Raises DeskRefused and
    then changes nothing."""
    if role not in set(Role):
        raise DeskRefused(_l("Unknown role."))
    before = user.role
    if before == role:
        raise DeskRefused(_l("The account already has this role."))
    new_kind = role == Role.RESIDENT
    if user.uses_pin != new_kind:
        if not secret:
            raise DeskRefused(
                _l("A resident needs a PIN.")
                if new_kind
                else _l("This role logs in with a password: please give one.")
            )
        check_secret(secret, role)
        user.secret_hash = hash_secret(secret, hash_method)
    elif secret:
        raise DeskRefused(_l("The way of logging in stays the same: no new PIN or password."))
    user.role = role
    end_all_sessions(user)
    audit.record(by, "user.role", user, now, before={"role": before}, after={"role": role})


def search_residents(query: str, limit: int = 30) -> list[Person]:
    """People whose name, phone (their own or their account's) or member number
    matches `query`."""
    query = (query or "").strip()
    if not query:
        return []
    phone = normalise_phone(query)
    conditions = [Person.name.contains(query), Person.member_no == query.upper()]
    if phone.isdigit():
        conditions += [Person.phone.contains(phone), User.phone.contains(phone)]
    return list(
        db.session.scalars(
            select(Person)
            .outerjoin(User, User.person_id == Person.id)
            .options(selectinload(Person.user), selectinload(Person.household))
            .where(or_(*conditions))
            .order_by(Person.name, Person.id)
            .limit(limit)
        )
    )


def active_teachers() -> list[User]:
    """Teachers' accounts that are active, in the order they were made."""
    return list(
        db.session.scalars(
            select(User).where(User.role == Role.TEACHER, User.active.is_(True)).order_by(User.id)
        )
    )


def save_locale(user: User, locale: str) -> None:
    """Keeps the language `user` chose, for their next visit on any device."""
    if user.locale != locale:
        user.locale = locale
        db.session.flush()


def set_birth_date(person: Person, birth_date: date, *, by: User, now: datetime) -> None:
    """Staff add or correct a person's date of birth (someone registered without one
    is refused every class with an age limit until it is known); audited with the
    years only, not the dates. Raises DeskRefused for a date after today."""
    if birth_date > local_date(now):
        raise DeskRefused(_l("A date of birth cannot be after today."))
    before = person.birth_date.year if person.birth_date else None
    person.birth_date = birth_date
    db.session.flush()
    audit.record(
        by,
        "person.birth_date",
        person,
        now,
        before={"year": before},
        after={"year": birth_date.year},
    )
