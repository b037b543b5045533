"""The month's birthdays (集体生日会): which elders celebrate in a month, on their
solar birthday or, for those who keep it (`Person.birthday_lunar`), on the solar
date their lunar birthday falls on that year (converted with `lunardate`)."""

from __future__ import annotations

import calendar
from dataclasses import dataclass, field
from datetime import date, datetime

from lunardate import LunarDate
from sqlalchemy import extract, or_, select
from sqlalchemy.orm import contains_eager, joinedload

from app.extensions import db
from app.models import Household, Person, User
from app.models.people import ELDER_AGE, aged_at_least
from app.services import audit

# The tag that asks for a volunteer to bring the elder along.
LIVES_ALONE = "独居"


@dataclass(frozen=True)
class Lunar:
    """A lunar month and day (闰 for a leap month)."""

    month: int
    day: int
    leap: bool = False


def lunar_of(born: date) -> Lunar | None:
    """The lunar month and day of a solar date; None outside the library's years."""
    try:
        lunar = LunarDate.from_solar_date(born.year, born.month, born.day)
    except ValueError:
        return None
    return Lunar(lunar.month, lunar.day, bool(lunar.is_leap_month))


def lunar_birthday_in(lunar_year: int, lunar: Lunar) -> date | None:
    """The solar date of the lunar birthday in `lunar_year`. A leap-month birthday
    is kept in the ordinary month of that name; a 30th in a short month on the 29th."""
    for day in (lunar.day, 29):
        try:
            return LunarDate(lunar_year, lunar.month, day).to_solar_date()
        except ValueError:
            continue
    return None


def solar_birthday_in(year: int, born: date) -> date:
    """The birthday in `year` (29 February on the 28th in other years)."""
    if born.month == 2 and born.day == 29 and not calendar.isleap(year):
        return date(year, 2, 28)
    return born.replace(year=year)


def birthday_in_month(person: Person, year: int, month: int) -> date | None:
    """The date in `year`-`month` the person celebrates, or None: the solar
    birthday, or for a lunar keeper the lunar birthday of the lunar year that
    falls then (lunar years start in January or February, so last lunar year's
    birthday may fall in this January)."""
    born = person.birth_date
    if born is None:
        return None
    if person.birthday_lunar:
        lunar = lunar_of(born)
        if lunar is not None:
            for lunar_year in (year - 1, year):
                day = lunar_birthday_in(lunar_year, lunar)
                if day is not None and (day.year, day.month) == (year, month):
                    return day
            return None
    return solar_birthday_in(year, born) if born.month == month else None


@dataclass
class BirthdayRow:
    """One elder of the month's list, as the desk reads it."""

    person: Person
    birthday: date
    age: int
    lunar: Lunar | None
    tags: list[str] = field(default_factory=list)

    @property
    def lives_alone(self) -> bool:
        return LIVES_ALONE in self.tags

    @property
    def phone(self) -> str | None:
        return self.person.user.phone if self.person.user is not None else self.person.phone


def month_birthdays(year: int, month: int) -> list[BirthdayRow]:
    """The elders (ELDER_AGE or older on their birthday) who celebrate in the month,
    by date then name. One statement: the candidates (solar birthdays of the month
    chosen in SQL, lunar keepers all) with their household, its tags and their
    account joined in, since a "select in" load reads 500 ids a statement and a
    month of 2,000 elders took a dozen; the lunar dates in Python."""
    last_day = date(year, month, calendar.monthrange(year, month)[1])
    candidates = db.session.scalars(
        select(Person)
        .join(Household, Household.id == Person.household_id)
        .where(
            Person.birth_date.is_not(None),
            Person.anonymised_at.is_(None),  # a deleted record keeps only a birth year
            aged_at_least(last_day, ELDER_AGE),
            or_(Person.birthday_lunar.is_(True), extract("month", Person.birth_date) == month),
        )
        .options(contains_eager(Person.household).joinedload(Household.tags))
        .options(joinedload(Person.user))
    ).unique()
    rows = []
    for person in candidates:
        day = birthday_in_month(person, year, month)
        if day is None:
            continue
        age = person.age_on(day)
        if age is None or age < ELDER_AGE:
            continue
        lunar = lunar_of(person.birth_date) if person.birthday_lunar else None
        rows.append(BirthdayRow(person, day, age, lunar, person.household.tag_names))
    rows.sort(key=lambda r: (r.birthday, r.person.name, r.person.id))
    return rows


def set_lunar_birthday(person: Person, keeps: bool, *, by: User, now: datetime) -> None:
    """The desk notes whether the person keeps the lunar birthday; audited."""
    before = person.birthday_lunar
    person.birthday_lunar = keeps
    db.session.flush()
    audit.record(
        by,
        "person.birthday_lunar",
        person,
        now,
        before={"birthday_lunar": before},
        after={"birthday_lunar": keeps},
    )
