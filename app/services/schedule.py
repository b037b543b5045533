"""Creating activities and generating their sessions from a weekly pattern."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime, time, timedelta

from app.extensions import db
from app.models import Activity, Session
from app.timeutil import from_local


def create_activity(*, now: datetime, **fields) -> Activity:
    activity = Activity(created_at=now, **fields)
    db.session.add(activity)
    db.session.flush()
    return activity


def add_session(
    activity: Activity,
    starts_at: datetime,
    ends_at: datetime,
    *,
    capacity: int | None = None,
    room: str | None = None,
) -> Session:
    """Adds one session; times are naive UTC."""
    session = Session(
        activity_id=activity.id,
        starts_at=starts_at,
        ends_at=ends_at,
        capacity=capacity if capacity is not None else activity.capacity,
        room=room,
    )
    db.session.add(session)
    db.session.flush()
    return session


def weekly_dates(
    first_day: date, last_day: date, weekdays: Iterable[int], skip: Iterable[date] = ()
) -> list[date]:
    """Every date from first_day to last_day whose ISO weekday is listed, minus `skip`."""
    wanted, skipped = set(weekdays), set(skip)
    days, day = [], first_day
    while day <= last_day:
        if day.isoweekday() in wanted and day not in skipped:
            days.append(day)
        day += timedelta(days=1)
    return days


def generate_weekly(
    activity: Activity,
    *,
    first_day: date,
    last_day: date,
    weekdays: Iterable[int],
    start: time,
    end: time,
    skip: Iterable[date] = (),
    capacity: int | None = None,
) -> list[Session]:
    """Sessions at the centre's local `start`–`end` on each matching date."""
    return [
        add_session(
            activity,
            from_local(datetime.combine(day, start)),
            from_local(datetime.combine(day, end)),
            capacity=capacity,
        )
        for day in weekly_dates(first_day, last_day, weekdays, skip)
    ]
