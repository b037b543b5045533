"""A child's guardians: the adults of the child's household, and how to reach them.

One answer for the pickup list (who may manage it, who is told of a change), the
teacher's roll and the door (whose phones to ring about a child)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from sqlalchemy import select

from app.extensions import db
from app.models import Person, User


@dataclass(frozen=True)
class Guardian:
    person: Person
    user: User | None  # their account, if they have one

    @property
    def account(self) -> User | None:
        """The account that may act as guardian and is told of changes: an active one."""
        return self.user if self.user is not None and self.user.active else None

    @property
    def phones(self) -> list[str]:
        """Numbers to ring: the one on file for the person, then their account's."""
        numbers = [self.person.phone, self.account.phone if self.account else None]
        return list(dict.fromkeys(n for n in numbers if n))


def guardians_of(children: Iterable[Person], day: date) -> dict[int, list[Guardian]]:
    """For each child (by id), the guardians: every other person of the child's
    household who is an adult on `day` (`Person.is_adult_on`, any role: a teacher
    is a parent at home too), with their account, in one statement."""
    children = list(children)
    households = {child.household_id for child in children}
    if not households:
        return {}
    members: dict[int, list[tuple[Person, User | None]]] = defaultdict(list)
    rows = db.session.execute(
        select(Person, User)
        .outerjoin(User, User.person_id == Person.id)
        .where(Person.household_id.in_(households))
        .order_by(Person.id)
    )
    for person, user in rows:
        members[person.household_id].append((person, user))
    return {
        child.id: [
            Guardian(person, user)
            for person, user in members[child.household_id]
            if person.id != child.id and person.is_adult_on(day)
        ]
        for child in children
    }


def guardian_phones(children: Iterable[Person], day: date) -> dict[int, list[str]]:
    """For each child (by id), the phone numbers of their guardians, without repeats."""
    return {
        child_id: list(dict.fromkeys(n for g in guardians for n in g.phones))
        for child_id, guardians in guardians_of(children, day).items()
    }


def guardian_accounts(child: Person, day: date) -> list[User]:
    """The active accounts of the child's guardians (to be told of each change)."""
    return [g.account for g in guardians_of([child], day)[child.id] if g.account is not None]


def is_guardian(user: User, child: Person, day: date) -> bool:
    """`user` is the active account of one of `child`'s guardians (`guardians_of`,
    for one account already loaded: no statement)."""
    return (
        user.is_authenticated
        and user.active
        and user.person.household_id == child.household_id
        and user.person_id != child.id
        and user.person.is_adult_on(day)
    )
