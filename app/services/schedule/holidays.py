"""China's statutory holidays (法定节假日) and the weekend days that become working
days (调休), from the `holidays` library: the year's list, and what the schedule
generator proposes to skip and to add for a date range (staff confirm)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

import holidays

# ISO weekdays of a school week: a class on all of them follows the school calendar,
# so it also runs on the weekend days that become working days (调休).
SCHOOL_DAYS = frozenset({1, 2, 3, 4, 5})


@dataclass(frozen=True)
class Day:
    """A date of the calendar with what it is: a holiday's name, or a working day."""

    day: date
    name: str
    # "holiday": no classes; "workday": a weekend day worked instead (调休).
    kind: str


@dataclass(frozen=True)
class YearCalendar:
    year: int
    holidays: list[Day]
    workdays: list[Day]

    @property
    def announced(self) -> bool:
        """The library knows the year's shifted days, i.e. the State Council's notice
        (published each November or December). Without it the holidays follow the
        usual rules and the shifted days are missing: staff should check."""
        return bool(self.workdays)


def _library_language(locale: str) -> str:
    return "en_US" if locale.startswith("en") else "zh_CN"


def _china(years: Iterable[int], locale: str) -> holidays.HolidayBase:
    return holidays.China(years=list(years), language=_library_language(locale))


def _workday_name(locale: str) -> str:
    return "Working day (调休)" if locale.startswith("en") else "调休上班"


def days_between(first_day: date, last_day: date, locale: str = "zh") -> list[Day]:
    """The holidays and shifted working days from first_day to last_day, by date."""
    if last_day < first_day:
        return []
    china = _china(range(first_day.year, last_day.year + 1), locale)
    found = [
        Day(day, name, "holiday") for day, name in china.items() if first_day <= day <= last_day
    ]
    found += [
        Day(day, _workday_name(locale), "workday")
        for day in china.weekend_workdays
        if first_day <= day <= last_day
    ]
    return sorted(found, key=lambda d: (d.day, d.kind))


def year_calendar(year: int, locale: str = "zh") -> YearCalendar:
    """The year's statutory holidays and shifted working days."""
    days = days_between(date(year, 1, 1), date(year, 12, 31), locale)
    return YearCalendar(
        year,
        [d for d in days if d.kind == "holiday"],
        [d for d in days if d.kind == "workday"],
    )


@dataclass(frozen=True)
class Proposal:
    """A date the generator proposes, and whether the box starts ticked."""

    day: Day
    ticked: bool


@dataclass(frozen=True)
class Proposals:
    skip: list[Proposal]
    extra: list[Proposal]
    # Every year of the range is announced (see YearCalendar.announced).
    announced: bool


def propose(
    first_day: date, last_day: date, weekdays: Iterable[int], locale: str = "zh"
) -> Proposals:
    """For a weekly pattern over a range: the holidays falling on one of its days
    (to skip, ticked), and the shifted working days not on its days (to add, ticked
    for a class on every school day, like the after-school club)."""
    wanted = set(weekdays)
    days = days_between(first_day, last_day, locale)
    skip = [Proposal(d, True) for d in days if d.kind == "holiday" and d.day.isoweekday() in wanted]
    school = wanted >= SCHOOL_DAYS
    extra = [
        Proposal(d, school)
        for d in days
        if d.kind == "workday" and d.day.isoweekday() not in wanted
    ]
    announced = all(
        year_calendar(year).announced for year in range(first_day.year, last_day.year + 1)
    )
    return Proposals(skip, extra, announced)
