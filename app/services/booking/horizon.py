"""How far ahead residents see and book: the booking horizon (`BOOKING_HORIZON_DAYS`
days from today, centre time). The class list pages week by week up to it, the
coming events list runs to it, and booking beyond it is refused (staff at the desk
and childcare programmes, whose own window rules, are not bound by it)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from flask import current_app
from flask_babel import lazy_gettext as _l

from app.formatting import lazy_when
from app.models import Activity, Session, User
from app.services.booking.targets import Target
from app.services.refusals import NotBookable
from app.timeutil import local_date, local_day_bounds

WEEK_DAYS = 7


def horizon_days() -> int:
    return int(current_app.config.get("BOOKING_HORIZON_DAYS", 60))


def horizon_end(now: datetime) -> datetime:
    """The first moment (naive UTC) beyond the horizon: the start of the local day
    `horizon_days()` after today. Sessions starting before it may be seen and booked."""
    return local_day_bounds(local_date(now) + timedelta(days=horizon_days()))[0]


def horizon_weeks() -> int:
    """How many weeks of seven days, from today, the class list pages through."""
    return -(-horizon_days() // WEEK_DAYS)


def week_start(now: datetime, week: int) -> date:
    """The first local day of week `week` (0: the seven days from today)."""
    return local_date(now) + timedelta(days=WEEK_DAYS * week)


@dataclass(frozen=True)
class WeekPage:
    """One week of a week-by-week list: its first and last local day, and the
    previous and next week's numbers (None at today's week and at the horizon)."""

    week: int
    first_day: date
    last_day: date
    previous: int | None
    next: int | None


def week_page(now: datetime, week: int) -> WeekPage:
    """Week `week` (clamped to the horizon's weeks) as the lists page through it."""
    weeks = horizon_weeks()
    week = min(max(week, 0), weeks - 1)
    first = week_start(now, week)
    last_visible = local_date(horizon_end(now)) - timedelta(days=1)
    return WeekPage(
        week,
        first,
        min(first + timedelta(days=WEEK_DAYS - 1), last_visible),
        week - 1 if week > 0 else None,
        week + 1 if week + 1 < weeks else None,
    )


def bound_by_horizon(activity: Activity) -> bool:
    """Classes and events are; a childcare programme follows its own window."""
    return activity.programme is None


def check_horizon(target: Target, by: User, now: datetime) -> None:
    """Raises NotBookable when a resident books a session (or a term whose next
    session) starts beyond the horizon, saying from which day it may be booked."""
    if by.is_staff or not bound_by_horizon(target.activity):
        return
    start = target.session.starts_at if target.session is not None else None
    if start is None:
        start = target.first_start_after(now)
    if start is None or start < horizon_end(now):
        return
    opens = local_day_bounds(local_date(start) - timedelta(days=horizon_days()))[0]
    raise NotBookable(
        _l(
            "This date is too far ahead to book. Booking opens on %(day)s.",
            day=lazy_when(opens, "date"),
        )
    )


def visible(session: Session, now: datetime) -> bool:
    """Whether residents see `session` on a class page (within the horizon)."""
    return not bound_by_horizon(session.activity) or session.starts_at < horizon_end(now)
