"""Registering households, people and their accounts."""

from __future__ import annotations

from datetime import date, datetime

from app.extensions import db
from app.models import Household, HouseholdTag, Person, Role, User
from app.services.auth import hash_secret, normalise_phone


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
