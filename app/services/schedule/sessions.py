"""Sessions: adding one, generating a weekly run, cancelling and moving them."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import delete, select, update
from sqlalchemy.orm import selectinload

from app.extensions import db
from app.models import (
    LIVE_STATUSES,
    Activity,
    ActivityStatus,
    Booking,
    BookingStatus,
    Reminder,
    Session,
    SessionStatus,
    User,
)
from app.services import audit
from app.services.booking.status import transition
from app.services.booking.targets import covers_session
from app.services.messaging.notices import notify_household
from app.services.refusals import ScheduleRefused
from app.services.schedule.activities import audit_value
from app.timeutil import from_local, local_date, local_day_bounds


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


# The longest date range one request may fill with sessions (a school year and a
# bit): a wider one would write thousands of rows while holding the write lock.
# Both the schedule form and the programme form check it (app.forms.within_span),
# and weekly_dates refuses it for every other caller.
MAX_SPAN_DAYS = 400


def span_too_long():
    """The refusal of a range over MAX_SPAN_DAYS (lazy: shown in the reader's language)."""
    return _l(
        "Please choose at most %(days)s days from the first day to the last.", days=MAX_SPAN_DAYS
    )


def check_span(first_day: date, last_day: date) -> None:
    """Raises ScheduleRefused when last_day is more than MAX_SPAN_DAYS after first_day."""
    if (last_day - first_day).days > MAX_SPAN_DAYS:
        raise ScheduleRefused(span_too_long())


def weekly_dates(
    first_day: date,
    last_day: date,
    weekdays: Iterable[int],
    skip: Iterable[date] = (),
    extra: Iterable[date] = (),
) -> list[date]:
    """Every date from first_day to last_day whose ISO weekday is listed, plus the
    `extra` days of the range (weekend working days, 调休), minus `skip`.
    Raises ScheduleRefused for a range over MAX_SPAN_DAYS."""
    check_span(first_day, last_day)
    wanted, skipped, added = set(weekdays), set(skip), set(extra)
    days, day = [], first_day
    while day <= last_day:
        if (day.isoweekday() in wanted or day in added) and day not in skipped:
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
    extra: Iterable[date] = (),
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
        for day in weekly_dates(first_day, last_day, weekdays, skip, extra)
    ]


def _affected_bookings(session: Session, statuses) -> list[Booking]:
    """Bookings that cover `session`: on it, or on its activity's whole term."""
    return list(
        db.session.scalars(
            select(Booking)
            .where(
                covers_session(session),
                Booking.status.in_(list(statuses)),
            )
            .order_by(Booking.id)
        )
    )


def cancelled_today(now: datetime) -> list[Session]:
    """Published sessions of the centre's current local day that staff called off and
    that have not yet ended, by time: the lobby display shows them as cancelled,
    with the reason, rather than letting them vanish."""
    start, end = local_day_bounds(local_date(now))
    return list(
        db.session.scalars(
            select(Session)
            .join(Activity)
            .options(selectinload(Session.activity))
            .where(
                Activity.status == ActivityStatus.PUBLISHED,
                Session.status == SessionStatus.CANCELLED,
                Session.ends_at > now,
                Session.starts_at >= start,
                Session.starts_at < end,
            )
            .order_by(Session.starts_at, Activity.title)
        )
    )


def cancel_session(session: Session, *, by: User, now: datetime, reason: str | None = None) -> int:
    """The centre calls a session off. Bookings on that one session are cancelled
    (their seats with them); term bookings stay for the other sessions. Everyone
    holding or waiting for a place is told once. Returns how many were told.
    Raises ScheduleRefused when the session is already cancelled or over."""
    if session.is_over(now):
        raise ScheduleRefused(_l("This session is already over."))
    changed = db.session.execute(
        update(Session)
        .where(Session.id == session.id, Session.status == SessionStatus.SCHEDULED)
        .values(status=SessionStatus.CANCELLED, cancel_reason=(reason or "").strip()[:300] or None)
        .execution_options(synchronize_session=False)
    ).rowcount
    db.session.expire(session, ["status", "cancel_reason"])
    if changed != 1:
        raise ScheduleRefused(_l("This session is already cancelled."))
    told = 0
    for booking in _affected_bookings(session, LIVE_STATUSES):
        if booking.session_id == session.id:
            if not transition(
                booking,
                LIVE_STATUSES,
                {"status": BookingStatus.CANCELLED, "cancelled_at": now, "cancelled_by_id": by.id},
            ):
                continue
        elif booking.status == BookingStatus.WAITLISTED:
            continue
        notify_household(
            "session_cancelled", booking, now, session=session, reason=session.cancel_reason
        )
        told += 1
    # Every booking on this session was just cancelled: no seat is taken any more.
    db.session.execute(
        update(Session)
        .where(Session.id == session.id)
        .values(taken=0)
        .execution_options(synchronize_session=False)
    )
    db.session.expire(session, ["taken"])
    audit.record(
        by,
        "session.cancel",
        session,
        now,
        before={"status": SessionStatus.SCHEDULED},
        after={"status": SessionStatus.CANCELLED, "told": told},
        reason=reason,
    )
    return told


def move_session(
    session: Session,
    *,
    starts_at: datetime,
    ends_at: datetime,
    room: str | None,
    by: User,
    now: datetime,
) -> int:
    """Moves a session to a new time (and room); bookings stay and everyone holding
    or waiting for a place is told once. Returns how many were told.
    Raises ScheduleRefused."""
    if session.status != SessionStatus.SCHEDULED:
        raise ScheduleRefused(_l("A cancelled session cannot be moved."))
    if ends_at <= starts_at:
        raise ScheduleRefused(_l("The end must be after the start."))
    if starts_at <= now:
        raise ScheduleRefused(_l("The new time must be in the future."))
    before = {
        "starts_at": audit_value(session.starts_at),
        "ends_at": audit_value(session.ends_at),
        "room": session.room,
    }
    old_start = session.starts_at
    session.starts_at, session.ends_at = starts_at, ends_at
    if room is not None:
        session.room = room or None
    db.session.flush()
    told = 0
    if starts_at != old_start:
        # A reminder records that those booked were reminded of THIS time: one sent
        # for the old date must not stand in for the reminder of the new one.
        db.session.execute(
            delete(Reminder)
            .where(Reminder.session_id == session.id)
            .execution_options(synchronize_session=False)
        )
    if starts_at != old_start or ends_at != datetime.fromisoformat(before["ends_at"]):
        for booking in _affected_bookings(session, LIVE_STATUSES):
            notify_household(
                "session_moved",
                booking,
                now,
                session=session,
                old_starts_at=old_start.isoformat(),
            )
            told += 1
    after = {
        "starts_at": audit_value(starts_at),
        "ends_at": audit_value(ends_at),
        "room": session.room,
        "told": told,
    }
    audit.record(by, "session.move", session, now, before=before, after=after)
    return told


def generate_by(activity: Activity, *, by: User, now: datetime, **pattern) -> list[Session]:
    """Staff generate sessions from a weekly pattern; audited. Raises ScheduleRefused
    when the pattern gives no date."""
    if pattern["end"] <= pattern["start"]:
        raise ScheduleRefused(_l("The end must be after the start."))
    sessions = generate_weekly(activity, **pattern)
    if not sessions:
        raise ScheduleRefused(_l("No dates match: check the days of the week and the date range."))
    audit.record(
        by,
        "schedule.generate",
        activity,
        now,
        after={
            "sessions": len(sessions),
            "first": audit_value(sessions[0].starts_at),
            "last": audit_value(sessions[-1].starts_at),
            "skipped": [audit_value(d) for d in pattern.get("skip", ())],
            "added": [audit_value(d) for d in pattern.get("extra", ())],
        },
    )
    return sessions


@dataclass(frozen=True)
class SessionRow:
    """One line of a class's session list on the desk, as finished values."""

    session: Session
    state: str  # "cancelled", "over" or "scheduled"


def session_rows(activity: Activity, now: datetime) -> list[SessionRow]:
    """The activity's sessions, each with what the desk shows of it at `now`."""
    rows = []
    for session in activity.sessions:
        if session.status == SessionStatus.CANCELLED:
            state = "cancelled"
        else:
            state = "over" if session.is_over(now) else "scheduled"
        rows.append(SessionRow(session, state))
    return rows
