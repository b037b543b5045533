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
    return _celebrates(person.birth_date, bool(person.birthday_lunar), year, month)


def _celebrates(born: date | None, lunar_keeper: bool, year: int, month: int) -> date | None:
    """`birthday_in_month` of a birth date (kept lunar or not)."""
    if born is None:
        return None
    if lunar_keeper:
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


@dataclass(frozen=True)
class Celebrant:
    """Who is on a month's list, and when they celebrate: what orders and counts the
    list, without their household or account (`birthday_rows` adds those)."""

    person_id: int
    name: str
    birthday: date
    age: int
    lunar: Lunar | None


def month_celebrants(year: int, month: int) -> list[Celebrant]:
    """The elders (ELDER_AGE or older on their birthday) who celebrate in the month,
    by date then name: one statement of plain columns (the candidates: solar
    birthdays of the month chosen in SQL, lunar keepers all), the lunar dates in
    Python. A district's month is 2,000 elders: the page shows them a page at a time
    (`birthday_rows`), and loading all 2,000 with their households took ~250 ms."""
    last_day = date(year, month, calendar.monthrange(year, month)[1])
    candidates = db.session.execute(
        select(Person.id, Person.name, Person.birth_date, Person.birthday_lunar).where(
            Person.birth_date.is_not(None),
            Person.anonymised_at.is_(None),  # a deleted record keeps only a birth year
            aged_at_least(last_day, ELDER_AGE),
            or_(Person.birthday_lunar.is_(True), extract("month", Person.birth_date) == month),
        )
    )
    found = []
    for person_id, name, born, lunar_keeper in candidates:
        day = _celebrates(born, bool(lunar_keeper), year, month)
        if day is None:
            continue
        age = day.year - born.year - ((day.month, day.day) < (born.month, born.day))
        if age < ELDER_AGE:
            continue
        found.append(Celebrant(person_id, name, day, age, lunar_of(born) if lunar_keeper else None))
    found.sort(key=lambda c: (c.birthday, c.name, c.person_id))
    return found


def birthday_rows(celebrants: list[Celebrant]) -> list[BirthdayRow]:
    """The list's rows for `celebrants` (a page of them), in their order, each person
    with their household's tags and their account: one statement."""
    people = {
        person.id: person
        for person in db.session.scalars(
            select(Person)
            .join(Household, Household.id == Person.household_id)
            .where(Person.id.in_([c.person_id for c in celebrants]))
            .options(contains_eager(Person.household).joinedload(Household.tags))
            .options(joinedload(Person.user))
        ).unique()
    }
    return [
        BirthdayRow(
            people[c.person_id], c.birthday, c.age, c.lunar, people[c.person_id].household.tag_names
        )
        for c in celebrants
        if c.person_id in people
    ]


def month_birthdays(year: int, month: int) -> list[BirthdayRow]:
    """The whole month's list (`month_celebrants`) as rows."""
    return birthday_rows(month_celebrants(year, month))


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
