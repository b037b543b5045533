"""Households, the people in them, and the accounts that act for them."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import (
    ColumnElement,
    ForeignKey,
    String,
    UniqueConstraint,
    bindparam,
    or_,
    select,
    true,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.timeutil import utcnow


class Role(StrEnum):
    RESIDENT = "resident"
    TEACHER = "teacher"
    STAFF = "staff"
    ADMIN = "admin"


STAFF_ROLES = frozenset({Role.STAFF, Role.ADMIN})

# Household tags staff may set; they drive the lottery's priority groups and the
# welfare call list.
HOUSEHOLD_TAGS = ("独居", "高龄", "留守儿童", "困境儿童", "低保")


class Household(db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(80))
    address: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    members: Mapped[list[Person]] = relationship(back_populates="household", order_by="Person.id")
    tags: Mapped[list[HouseholdTag]] = relationship(
        back_populates="household", cascade="all, delete-orphan"
    )

    @property
    def tag_names(self) -> list[str]:
        return sorted(t.tag for t in self.tags)


class HouseholdTag(db.Model):
    __table_args__ = (UniqueConstraint("household_id", "tag"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    household_id: Mapped[int] = mapped_column(ForeignKey("household.id"), index=True)
    tag: Mapped[str] = mapped_column(String(16))

    household: Mapped[Household] = relationship(back_populates="tags")


class Person(db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    household_id: Mapped[int] = mapped_column(ForeignKey("household.id"), index=True)
    name: Mapped[str] = mapped_column(String(60))
    birth_date: Mapped[date | None]
    phone: Mapped[str | None] = mapped_column(String(20))
    member_no: Mapped[str | None] = mapped_column(String(16), unique=True)
    # Children only: what a teacher must know (allergies, medicines).
    care_notes: Mapped[str | None] = mapped_column(String(500))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    household: Mapped[Household] = relationship(back_populates="members")
    user: Mapped[User | None] = relationship(back_populates="person")

    def age_on(self, day: date) -> int | None:
        if self.birth_date is None:
            return None
        born = self.birth_date
        return day.year - born.year - ((day.month, day.day) < (born.month, born.day))

    def is_child_on(self, day: date) -> bool:
        age = self.age_on(day)
        return age is not None and age < 18


class User(db.Model):
    """An account: a person who logs in, with a phone and a PIN or password.

    Flask-Login reads `is_active`, `is_authenticated`, `is_anonymous` and `get_id`
    (its UserMixin, written out here so that models do not import the web layer)."""

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id"), unique=True)
    phone: Mapped[str] = mapped_column(String(20), unique=True)
    role: Mapped[str] = mapped_column(String(16), default=Role.RESIDENT)
    secret_hash: Mapped[str] = mapped_column(String(256))
    locale: Mapped[str | None] = mapped_column(String(8))
    # Where email notifications go when the centre has SMTP configured.
    email: Mapped[str | None] = mapped_column(String(120))
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # Part of every session's and remember cookie's user id: raising it
    # (services/sessions.end_all_sessions) ends every session the user has.
    session_version: Mapped[int] = mapped_column(default=0, server_default="0")

    person: Mapped[Person] = relationship(back_populates="user")

    def get_id(self) -> str:  # Flask-Login: what the session and remember cookie hold
        return f"{self.id}:{self.session_version}"

    @property
    def is_active(self) -> bool:  # Flask-Login
        return self.active

    @property
    def is_authenticated(self) -> bool:  # Flask-Login: a deactivated account is logged out
        return self.is_active

    @property
    def is_anonymous(self) -> bool:  # Flask-Login: the anonymous user is another class
        return False

    # As Flask-Login's UserMixin did: two objects of one account (loaded in different
    # sessions) are equal when their ids and session versions are; hashed by identity,
    # as SQLAlchemy's identity map expects.
    __hash__ = object.__hash__

    def __eq__(self, other: object) -> bool:
        if isinstance(other, User):
            return self.get_id() == other.get_id()
        return NotImplemented

    @property
    def household_id(self) -> int:
        return self.person.household_id

    @property
    def is_staff(self) -> bool:
        return self.role in STAFF_ROLES

    @property
    def uses_pin(self) -> bool:
        """Residents log in with a 6-digit PIN; teachers and staff with a password."""
        return self.role == Role.RESIDENT

    def may_act_for(self, person: Person) -> bool:
        """A user acts for every person in their household, and for people of other
        households who consented to a link (代办); staff act for anyone. The same
        answer for every act (book, cancel, take leave, answer an offer, apply);
        `acts_for_clause` is its SQL twin, used by the loaders."""
        if self.is_staff or person.household_id == self.household_id:
            return True
        from app.models.desk import HouseholdLink, LinkStatus

        return (
            db.session.scalar(
                select(HouseholdLink.id).where(
                    HouseholdLink.user_id == self.id,
                    HouseholdLink.person_id == person.id,
                    HouseholdLink.status == LinkStatus.CONFIRMED,
                )
            )
            is not None
        )

    def actor_params(self) -> dict:
        """The values `acts_for_clause` binds."""
        return {"actor_id": self.id, "actor_household_id": self.household_id}


def acts_for_clause(staff: bool, *, household_only: bool = False) -> ColumnElement[bool]:
    """SQL condition on `Person`: the acting user (bind parameters `actor_id` and
    `actor_household_id`, from `User.actor_params()`) may act for the row, exactly as
    `User.may_act_for` answers. `household_only`: the household and nobody else,
    staff included (the kiosk). Statements holding it can be built once."""
    own = Person.household_id == bindparam("actor_household_id")
    if household_only:
        return own
    if staff:
        return true()
    from app.models.desk import HouseholdLink, LinkStatus

    linked = (
        select(HouseholdLink.id)
        .where(
            HouseholdLink.user_id == bindparam("actor_id"),
            HouseholdLink.person_id == Person.id,
            HouseholdLink.status == LinkStatus.CONFIRMED,
        )
        .exists()
    )
    return or_(own, linked)


class LoginAttempt(db.Model):
    """Wrong tries for one phone number from one client address: slowed, then
    locked, for longer after each lock. Counted per address, so a stranger's wrong
    PINs elsewhere do not lock the resident out at their own phone or the kiosk."""

    phone: Mapped[str] = mapped_column(String(20), primary_key=True)
    # The client address as the app sees it (behind PROXY_HOPS proxies: the real one).
    address: Mapped[str] = mapped_column(String(64), primary_key=True)
    # Wrong tries since the last success; a lock does not reset it.
    failures: Mapped[int] = mapped_column(default=0)
    last_failed_at: Mapped[datetime | None]
    locked_until: Mapped[datetime | None]
    # How many locks this pair has had: each lock lasts longer than the one before.
    locks: Mapped[int] = mapped_column(default=0)


class LoginCap(db.Model):
    """Wrong tries for one phone number on one local day, from all addresses.
    Reaching LOGIN_DAILY_CAP_PER_PHONE locks the number everywhere until the next
    day, and (for a number with an account) puts it on the desk's list of locked
    accounts until staff unlock it."""

    phone: Mapped[str] = mapped_column(String(20), primary_key=True)
    day: Mapped[date]
    failures: Mapped[int] = mapped_column(default=0)
    locked_until: Mapped[datetime | None]
    # When the number reached the cap; staff see it on the desk until they unlock.
    flagged_at: Mapped[datetime | None] = mapped_column(index=True)
