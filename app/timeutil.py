"""Times are stored as naive UTC and shown in the centre's zone (TIMEZONE)."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from flask import current_app


def utcnow() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


def now() -> datetime:
    """The app's clock: real UTC time, or FROZEN_NOW when a test or demo sets it."""
    frozen = current_app.config.get("FROZEN_NOW")
    return frozen if frozen is not None else utcnow()


def centre_zone() -> ZoneInfo:
    return ZoneInfo(current_app.config["TIMEZONE"])


def to_local(moment: datetime, zone: ZoneInfo | None = None) -> datetime:
    return moment.replace(tzinfo=UTC).astimezone(zone or centre_zone())


def from_local(moment: datetime, zone: ZoneInfo | None = None) -> datetime:
    """A wall-clock time at the centre, as naive UTC."""
    return moment.replace(tzinfo=zone or centre_zone()).astimezone(UTC).replace(tzinfo=None)


def local_date(moment: datetime, zone: ZoneInfo | None = None) -> date:
    return to_local(moment, zone).date()


def local_day_bounds(day: date, zone: ZoneInfo | None = None) -> tuple[datetime, datetime]:
    """The UTC instants at which a local day starts and ends."""
    start = from_local(datetime.combine(day, time()), zone)
    end = from_local(datetime.combine(day + timedelta(days=1), time()), zone)
    return start, end
