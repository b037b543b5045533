"""The few SQL expressions the report needs that SQLite and PostgreSQL spell
differently: a stored UTC time as the centre's local date, a date as a number,
and the seconds between two times.

Dates become numbers yyyymmdd so that the rest is plain integer arithmetic on both
databases: the local month is `day // 100`, and a person's age on a day is
`(day - birthday) // 10000` — 20261123 - 19500312 = 760811, so 76. Integer division
counts a birthday on the day itself as reached, exactly as `Person.age_on` does
(someone born on 29 February is a year older on 1 March of other years).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ColumnElement, Integer, case, literal_column
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.functions import FunctionElement


class LocalDayNumber(FunctionElement):
    """yyyymmdd of (a stored UTC time + an offset in minutes)."""

    type = Integer()
    name = "local_day_number"
    inherit_cache = True


class DayNumber(FunctionElement):
    """yyyymmdd of a DATE column."""

    type = Integer()
    name = "day_number"
    inherit_cache = True


class SecondsBetween(FunctionElement):
    """Whole seconds from the first time to the second."""

    type = Integer()
    name = "seconds_between"
    inherit_cache = True


def _args(element, compiler, **kw) -> list[str]:
    return [compiler.process(clause, **kw) for clause in element.clauses]


# SQLite's driver uses "?" placeholders, so "%" needs no escaping there.
@compiles(LocalDayNumber, "sqlite")
def _local_day_sqlite(element, compiler, **kw):
    moment, minutes = _args(element, compiler, **kw)
    return f"CAST(strftime('%Y%m%d', {moment}, ({minutes}) || ' minutes') AS INTEGER)"


@compiles(LocalDayNumber, "postgresql")
def _local_day_pg(element, compiler, **kw):
    moment, minutes = _args(element, compiler, **kw)
    return f"CAST(to_char({moment} + ({minutes}) * INTERVAL '1 minute', 'YYYYMMDD') AS INTEGER)"


@compiles(DayNumber, "sqlite")
def _day_sqlite(element, compiler, **kw):
    (day,) = _args(element, compiler, **kw)
    return f"CAST(strftime('%Y%m%d', {day}) AS INTEGER)"


@compiles(DayNumber, "postgresql")
def _day_pg(element, compiler, **kw):
    (day,) = _args(element, compiler, **kw)
    return f"CAST(to_char({day}, 'YYYYMMDD') AS INTEGER)"


@compiles(SecondsBetween, "sqlite")
def _seconds_sqlite(element, compiler, **kw):
    first, second = _args(element, compiler, **kw)
    return f"CAST(round((julianday({second}) - julianday({first})) * 86400) AS INTEGER)"


@compiles(SecondsBetween, "postgresql")
def _seconds_pg(element, compiler, **kw):
    first, second = _args(element, compiler, **kw)
    return f"CAST(EXTRACT(EPOCH FROM ({second} - {first})) AS INTEGER)"


def local_day_number(moment, offsets: list[tuple[datetime | None, int]]) -> ColumnElement[int]:
    """The centre's local date of `moment` (a stored UTC time) as yyyymmdd, with the
    offsets of `period.utc_offsets` (one, or one per summer-time piece)."""
    if len(offsets) == 1:
        minutes = literal_column(str(int(offsets[0][1])))
    else:
        minutes = case(
            *[
                (moment < start, literal_column(str(int(before))))
                for (start, _), (_, before) in zip(offsets[1:], offsets, strict=False)
            ],
            else_=literal_column(str(int(offsets[-1][1]))),
        )
    return LocalDayNumber(moment, minutes)


def day_number(day) -> ColumnElement[int]:
    return DayNumber(day)


def seconds_between(first, second) -> ColumnElement[int]:
    return SecondsBetween(first, second)
