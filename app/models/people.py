"""Households, the people in them, and the accounts that act for them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import (
    ColumnElement,
    CompoundSelect,
    ForeignKey,
    Select,
    String,
    UniqueConstraint,
    bindparam,
    false,
    or_,
    select,
    true,
    union_all,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.timeutil import local_date, utcnow


class Role(StrEnum):
    RESIDENT = "resident"
    TEACHER = "teacher"
    STAFF = "staff"
    ADMIN = "admin"


STAFF_ROLES = frozenset({Role.STAFF, Role.ADMIN})

# Ages that decide who is a child and who an elder (classes for elders admit 60+).
ADULT_AGE = 18
ELDER_AGE = 60
# Under this age a child's data is sensitive (PIPL art. 28, 31): a guardian consents
# for them, separately for booking records and for care notes.
CONSENT_AGE = 14


@dataclass(frozen=True)
class TagMeaning:
    """What a household tag means to the centre, and which rules read it."""

    means: str
    # A missed booked session puts the household's people on the welfare call list.
    welfare: bool = False
    # The childcare lottery draws these households first.
    lottery_priority: bool = False


# THE list of household tags: the ones staff may set at the desk, each with what it
# means. The welfare call list and the lottery's priority groups are derived below.
HOUSEHOLD_TAGS: dict[str, TagMeaning] = {
    "独居": TagMeaning("an elder living alone", welfare=True),
    "高龄": TagMeaning("of great age", welfare=True),
    "留守儿童": TagMeaning("a child whose parents work far away", lottery_priority=True),
    "困境儿童": TagMeaning("a child in difficulty (困境儿童)", lottery_priority=True),
    "低保": TagMeaning("a household on the minimum living allowance", lottery_priority=True),
}
WELFARE_TAGS = tuple(tag for tag, meaning in HOUSEHOLD_TAGS.items() if meaning.welfare)
PRIORITY_TAGS = tuple(tag for tag, meaning in HOUSEHOLD_TAGS.items() if meaning.lottery_priority)


class Household(db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(80))
    address: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # Set when its last member was anonymised (services/privacy): name replaced by
    # a pseudonym, address and tags removed.
    anonymised_at: Mapped[datetime | None]

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
    # Keeps the lunar birthday (农历生日): the month's birthday list counts the lunar
    # date of `birth_date` (services/people/birthdays.py). Set at the desk.
    birthday_lunar: Mapped[bool] = mapped_column(default=False, server_default=false())
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # Set when anonymised (services/privacy): the name is a pseudonym, the phone,
    # care notes and member number are gone, and `birth_date` keeps only the year
    # (1 January of it).
    anonymised_at: Mapped[datetime | None]

    household: Mapped[Household] = relationship(back_populates="members")
    user: Mapped[User | None] = relationship(back_populates="person")

    def age_on(self, day: date) -> int | None:
        """Whole years on `day`, a date at the centre; None without a birth date."""
        if self.birth_date is None:
            return None
        born = self.birth_date
        return day.year - born.year - ((day.month, day.day) < (born.month, born.day))

    def age_at(self, moment: datetime) -> int | None:
        """The age at a moment (naive UTC), counted on the centre's date then: the
        one way pages and rules turn a clock into an age."""
        return self.age_on(local_date(moment))

    def is_adult_on(self, day: date) -> bool:
        """THE "is adult" rule: ADULT_AGE or older on `day`, or no birth date on file
        (only the desk adds people, in person; elders often give no birth date, a
        child always needs one to book). `adult_clause` is its SQL twin."""
        age = self.age_on(day)
        return age is None or age >= ADULT_AGE

    def is_child_on(self, day: date) -> bool:
        return not self.is_adult_on(day)

    def needs_guardian_consent_on(self, day: date) -> bool:
        """THE "child under 14" rule of privacy law: younger than CONSENT_AGE on
        `day`, a date at the centre. Without a birth date nobody is (such a person
        is an adult, `is_adult_on`). `consent_age_clause` is its SQL twin."""
        age = self.age_on(day)
        return age is not None and age < CONSENT_AGE


def years_before(day: date, years: int) -> date:
    """The same date `years` earlier (29 February falls back to the 28th): whoever
    was born on or before it is at least `years` old on `day`."""
    try:
        return day.replace(year=day.year - years)
    except ValueError:
        return day.replace(year=day.year - years, day=28)


def aged_at_least(day: date, years: int) -> ColumnElement[bool]:
    """SQL condition on `Person`: `years` old or older on `day` (as `age_on` counts)."""
    return Person.birth_date <= years_before(day, years)


def adult_clause(day: date) -> ColumnElement[bool]:
    """SQL twin of `Person.is_adult_on`."""
    return or_(Person.birth_date.is_(None), aged_at_least(day, ADULT_AGE))


def consent_age_clause(day: date) -> ColumnElement[bool]:
    """SQL twin of `Person.needs_guardian_consent_on`."""
    return Person.birth_date > years_before(day, CONSENT_AGE)


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
    # (services/people/sessions.end_all_sessions) ends every session the user has.
    session_version: Mapped[int] = mapped_column(default=0, server_default="0")
    # The last successful login (at most once a day is written): part of a
    # person's activity for the retention job (services/privacy/activity.py).
    last_login_at: Mapped[datetime | None]

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

    def may_act_for(self, person: Person, *, household_only: bool = False) -> bool:
        """THE rule of who may act for whom, the same for every act (book, cancel,
        take leave, answer an offer, apply, check in): a user acts for every person
        in their household, and for people of other households who confirmed a link
        (代办); staff act for anyone. `household_only`: the household and nobody
        else, staff included (the kiosk, a shared screen). `acts_for_clause` is its
        SQL twin (the loaders) and `acts_for_ids` its list of people (the cards)."""
        if person.household_id == self.household_id:
            return True
        if household_only:
            return False
        if self.is_staff:
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
        """The values `acts_for_clause` and `acts_for_ids` bind."""
        return {"actor_id": self.id, "actor_household_id": self.household_id}


def _own_household() -> ColumnElement[bool]:
    return Person.household_id == bindparam("actor_household_id")


def _linked_person_ids() -> Select:
    """Ids of the people who confirmed a link to the acting user (`actor_id`)."""
    from app.models.desk import HouseholdLink, LinkStatus

    return select(HouseholdLink.person_id).where(
        HouseholdLink.user_id == bindparam("actor_id"),
        HouseholdLink.status == LinkStatus.CONFIRMED,
    )


def acts_for_clause(staff: bool, *, household_only: bool = False) -> ColumnElement[bool]:
    """SQL condition on `Person`: the acting user (bind parameters `actor_id` and
    `actor_household_id`, from `User.actor_params()`) may act for the row, exactly as
    `User.may_act_for` answers, `household_only` included. Statements holding it can
    be built once."""
    if household_only:
        return _own_household()
    if staff:
        return true()
    from app.models.desk import HouseholdLink

    linked = _linked_person_ids().where(HouseholdLink.person_id == Person.id).exists()
    return or_(_own_household(), linked)


def acts_for_ids() -> CompoundSelect:
    """The ids of the people the acting user books for as a resident does (their
    household and confirmed links, `may_act_for` without the staff rule: a card or
    "my bookings" lists these, not everyone). Same bind parameters as
    `acts_for_clause`. A union, not "household_id = … OR id IN (links)": PostgreSQL
    reads the whole person table for that OR (2.7 ms at 20,000 people, on every
    class card)."""
    return union_all(select(Person.id).where(_own_household()), _linked_person_ids())


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
