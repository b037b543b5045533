"""The period a report covers: a month, a quarter, a year or two dates, as local
dates at the centre, and the UTC instants (naive, as stored) it begins and ends.

A session belongs to the period of its local start date: a class at 23:30 on 31
October in Shanghai (15:30 UTC) is October's, one at 07:30 on 1 November (23:30
UTC on 31 October) is November's.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from flask_babel import lazy_gettext as _l

from app.services.refusals import BadPeriod
from app.timeutil import centre_zone, local_date, local_day_bounds

MONTH, QUARTER, YEAR, RANGE = "month", "quarter", "year", "range"
KINDS = (MONTH, QUARTER, YEAR, RANGE)
# Two dates span at most three years: the monthly trend stays readable and the
# report's queries stay bounded.
MAX_RANGE_DAYS = 3 * 366


@dataclass(frozen=True)
class Period:
    """Local dates `first`..`last`, both included; `kind` says how it was chosen."""

    kind: str
    first: date
    last: date

    @property
    def start(self) -> datetime:
        """The UTC instant the first local day begins."""
        return local_day_bounds(self.first)[0]

    @property
    def end(self) -> datetime:
        """The UTC instant after the last local day ends (exclusive)."""
        return local_day_bounds(self.last)[1]

    @property
    def days(self) -> int:
        return (self.last - self.first).days + 1

    def months(self) -> list[tuple[int, int]]:
        """(year, month) of every month the period touches, in order."""
        months, year, month = [], self.first.year, self.first.month
        while (year, month) <= (self.last.year, self.last.month):
            months.append((year, month))
            year, month = (year + 1, 1) if month == 12 else (year, month + 1)
        return months

    def query_args(self) -> dict[str, str]:
        """The URL parameters that name this period (the report's links carry them)."""
        if self.kind == MONTH:
            return {"kind": MONTH, "month": f"{self.first:%Y-%m}"}
        if self.kind == QUARTER:
            return {"kind": QUARTER, "quarter": f"{self.first.year}-Q{self.quarter}"}
        if self.kind == YEAR:
            return {"kind": YEAR, "year": str(self.first.year)}
        return {"kind": RANGE, "first": self.first.isoformat(), "last": self.last.isoformat()}

    @property
    def quarter(self) -> int:
        return (self.first.month - 1) // 3 + 1

    def slug(self) -> str:
        """A short name for file names: 2026-10, 2026-Q4, 2026, 2026-10-01_2026-12-31."""
        if self.kind == RANGE:
            return f"{self.first.isoformat()}_{self.last.isoformat()}"
        return self.query_args()[self.kind]


def _month_end(year: int, month: int) -> date:
    following = date(year + 1, 1, 1) if month == 12 else date(year, month + 1, 1)
    return following - timedelta(days=1)


def month_period(year: int, month: int) -> Period:
    return Period(MONTH, date(year, month, 1), _month_end(year, month))


def quarter_period(year: int, quarter: int) -> Period:
    first_month = 3 * (quarter - 1) + 1
    return Period(QUARTER, date(year, first_month, 1), _month_end(year, first_month + 2))


def year_period(year: int) -> Period:
    return Period(YEAR, date(year, 1, 1), date(year, 12, 31))


def range_period(first: date, last: date) -> Period:
    """Two local dates, both included. Raises BadPeriod when `last` is before
    `first` or the span is over MAX_RANGE_DAYS days."""
    if last < first:
        raise BadPeriod()
    if (last - first).days + 1 > MAX_RANGE_DAYS:
        raise BadPeriod(
            _l("Please choose at most %(days)s days for one report.", days=MAX_RANGE_DAYS)
        )
    return Period(RANGE, first, last)


def last_month(now: datetime) -> Period:
    """The default: the whole local month before the one `now` falls in."""
    previous = local_date(now).replace(day=1) - timedelta(days=1)
    return month_period(previous.year, previous.month)


def utc_offsets(period: Period) -> list[tuple[datetime | None, int]]:
    """The centre's UTC offset in minutes across the period, as pieces
    (from_utc, minutes): the first piece has from_utc None. One piece unless the
    zone changes its offset (summer time) within the period; the queries turn a
    stored UTC time into a local date with it."""
    zone = centre_zone()

    def offset_at(moment: datetime) -> int:
        local = moment.replace(tzinfo=UTC).astimezone(zone)
        return int(local.utcoffset().total_seconds() // 60)

    pieces: list[tuple[datetime | None, int]] = [(None, offset_at(period.start))]
    # Look a week at a time (a zone keeps an offset for months), then by the hour
    # within the week where it changed.
    moment = period.start
    while moment < period.end:
        following = min(moment + timedelta(days=7), period.end)
        if offset_at(following) != pieces[-1][1]:
            hour = moment
            while offset_at(hour) == pieces[-1][1]:
                hour += timedelta(hours=1)
            pieces.append((hour, offset_at(hour)))
            moment = hour
            continue
        moment = following
    return pieces
