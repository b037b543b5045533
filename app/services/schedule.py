"""Creating activities and generating their sessions from a weekly pattern."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime, time, timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, or_, select, update

from app.extensions import db
from app.models import (
    LIVE_STATUSES,
    Activity,
    ActivityStatus,
    Booking,
    BookingStatus,
    Session,
    SessionStatus,
    User,
)
from app.services import audit
from app.services.booking import _transition, promote_waitlist
from app.services.errors import BookingError
from app.services.notifications import notify_household
from app.services.targets import Target
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
    first_day: date, last_day: date, weekdays: Iterable[int], skip: Iterable[date] = ()
) -> list[date]:
    """Every date from first_day to last_day whose ISO weekday is listed, minus `skip`.
    Raises ScheduleRefused for a range over MAX_SPAN_DAYS."""
    check_span(first_day, last_day)
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


# --- staff editing activities and sessions -----------------------------------


class CapacityTooLow(BookingError):
    code = "capacity_too_low"


class ScheduleRefused(BookingError):
    code = "schedule_refused"
    http_status = 422


# Fields staff edit on the activity form (capacity goes through change_capacity).
EDITABLE_FIELDS = (
    "title",
    "title_en",
    "description",
    "category",
    "audience",
    "min_age",
    "max_age",
    "teacher_id",
    "room",
    "enrolment_unit",
    "capacity_unit",
    "allocation",
    "waitlist_enabled",
    "waitlist_policy",
    "opens_at",
    "closes_at",
    "cancel_hours",
)
# Changing these once people booked would change what their bookings mean.
_FIXED_ONCE_BOOKED = ("enrolment_unit", "capacity_unit")
# Once a lottery's seed is drawn and its SHA-256 published, who may apply and how
# places are given are fixed: reopening the window would let people apply under a
# commitment made for the applications that were in.
_FIXED_ONCE_SEALED = ("opens_at", "closes_at", "allocation")


def lottery_sealed(activity: Activity) -> bool:
    """The activity is a programme whose lottery seed (and its commitment) exists."""
    programme = activity.programme
    return programme is not None and (
        programme.seed_sha256 is not None or programme.draw_seed is not None
    )


def _plain(value):
    return value.isoformat() if isinstance(value, datetime | date | time) else value


def _has_bookings(activity: Activity) -> bool:
    return (
        db.session.scalar(select(Booking.id).where(Booking.activity_id == activity.id).limit(1))
        is not None
    )


def create_activity_by(by: User, *, now: datetime, **fields) -> Activity:
    """Staff create an activity (a draft until published); audited."""
    fields.setdefault("status", ActivityStatus.DRAFT)
    activity = create_activity(now=now, **fields)
    audit.record(
        by, "activity.create", activity, now, after={k: _plain(v) for k, v in fields.items()}
    )
    return activity


def update_activity(
    activity: Activity, *, by: User, now: datetime, capacity: int | None = None, **fields
) -> list[Booking]:
    """Staff edit an activity; before/after go to the audit log. A new capacity of a
    term (series) class goes through change_capacity. Returns bookings promoted.
    Raises ScheduleRefused (also when the window or allocation of a sealed lottery
    would change) or CapacityTooLow."""
    unknown = set(fields) - set(EDITABLE_FIELDS)
    if unknown:
        raise ValueError(f"not editable: {sorted(unknown)}")
    changed = {k: v for k, v in fields.items() if getattr(activity, k) != v}
    if any(k in changed for k in _FIXED_ONCE_BOOKED) and _has_bookings(activity):
        raise ScheduleRefused(
            _l(
                "People have already booked this class, so how it is booked (per session or per term, per person or per family) cannot change."
            )
        )
    if any(k in changed for k in _FIXED_ONCE_SEALED) and lottery_sealed(activity):
        raise ScheduleRefused(
            _l(
                "Applications have closed and the lottery's seed is published, so the application dates and how places are given cannot change any more."
            )
        )
    opens = fields.get("opens_at", activity.opens_at)
    closes = fields.get("closes_at", activity.closes_at)
    if opens is not None and closes is not None and closes <= opens:
        raise ScheduleRefused(_l("Booking must close after it opens."))
    before = {k: _plain(getattr(activity, k)) for k in changed}
    for key, value in changed.items():
        setattr(activity, key, value)
    promoted: list[Booking] = []
    if capacity is not None and capacity != activity.capacity:
        if activity.is_series:
            promoted = change_capacity(Target(activity, None), capacity, by=by, now=now)
        else:
            # For per-session classes this is the default for new sessions; each
            # session's own seats are changed on the session.
            before["capacity"], activity.capacity = activity.capacity, capacity
            changed["capacity"] = capacity
    db.session.flush()
    if changed:
        audit.record(
            by,
            "activity.edit",
            activity,
            now,
            before=before,
            after={k: _plain(v) for k, v in changed.items()},
        )
    return promoted


def set_activity_status(activity: Activity, status: str, *, by: User, now: datetime) -> None:
    """Publish (residents see and book it) or archive (it leaves the catalogue;
    bookings stay as they are)."""
    if status not in (ActivityStatus.PUBLISHED, ActivityStatus.ARCHIVED, ActivityStatus.DRAFT):
        raise ValueError(status)
    if activity.status == status:
        return
    if status == ActivityStatus.PUBLISHED and not activity.sessions:
        raise ScheduleRefused(_l("Add at least one session before publishing."))
    before = activity.status
    activity.status = status
    db.session.flush()
    audit.record(
        by, f"activity.{status}", activity, now, before={"status": before}, after={"status": status}
    )


def change_capacity(target: Target, capacity: int, *, by: User, now: datetime) -> list[Booking]:
    """Sets the seats of a session (or a term class). Raising it fills seats from the
    waitlist at once; lowering it below the seats already taken is refused.
    Returns the bookings promoted. Raises CapacityTooLow."""
    row, model = target.seat_row, target.seat_model
    if capacity < 0:
        raise CapacityTooLow(_l("The number of seats cannot be negative."))
    old = row.capacity
    result = db.session.execute(
        update(model)
        .where(model.id == row.id, model.taken <= capacity)
        .values(capacity=capacity)
        .execution_options(synchronize_session=False)
    )
    db.session.expire(row, ["capacity", "taken"])
    if result.rowcount != 1:
        raise CapacityTooLow(
            _l(
                "%(taken)s seats are already taken (booked, or offered and waiting for an answer), so the seats cannot go down to %(capacity)s. Cancel bookings first, or choose %(taken)s or more.",
                taken=row.taken,
                capacity=capacity,
            )
        )
    if target.session is None:
        target.activity.capacity = capacity
        # Each coming date of a term class has the room's seats too (drop-ins count
        # on them), so they follow the class.
        db.session.execute(
            update(Session)
            .where(
                Session.activity_id == target.activity.id,
                Session.starts_at > now,
                Session.taken <= capacity,
            )
            .values(capacity=capacity)
            .execution_options(synchronize_session=False)
        )
        db.session.expire_all()
    promoted = promote_waitlist(target, now=now) if capacity > old else []
    audit.record(
        by,
        "capacity.change",
        row,
        now,
        before={"capacity": old},
        after={"capacity": capacity, "promoted": len(promoted)},
    )
    return promoted


def _affected_bookings(session: Session, statuses) -> list[Booking]:
    """Bookings that cover `session`: on it, or on its activity's whole term."""
    return list(
        db.session.scalars(
            select(Booking)
            .where(
                or_(
                    Booking.session_id == session.id,
                    and_(Booking.activity_id == session.activity_id, Booking.session_id.is_(None)),
                ),
                Booking.status.in_(list(statuses)),
            )
            .order_by(Booking.id)
        )
    )


def cancel_session(session: Session, *, by: User, now: datetime, reason: str | None = None) -> int:
    """The centre calls a session off. Bookings on that one session are cancelled
    (their seats with them); term bookings stay for the other sessions. Everyone
    holding or waiting for a place is told once. Returns how many were told.
    Raises ScheduleRefused when the session is already cancelled or over."""
    if session.ends_at <= now:
        raise ScheduleRefused(_l("This session is already over."))
    changed = db.session.execute(
        update(Session)
        .where(Session.id == session.id, Session.status == SessionStatus.SCHEDULED)
        .values(status=SessionStatus.CANCELLED)
        .execution_options(synchronize_session=False)
    ).rowcount
    db.session.expire(session, ["status"])
    if changed != 1:
        raise ScheduleRefused(_l("This session is already cancelled."))
    told = 0
    for booking in _affected_bookings(session, LIVE_STATUSES):
        if booking.session_id == session.id:
            if not _transition(
                booking,
                LIVE_STATUSES,
                {"status": BookingStatus.CANCELLED, "cancelled_at": now, "cancelled_by_id": by.id},
            ):
                continue
        elif booking.status == BookingStatus.WAITLISTED:
            continue
        notify_household("session_cancelled", booking, now, starts_at=session.starts_at.isoformat())
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
        "starts_at": _plain(session.starts_at),
        "ends_at": _plain(session.ends_at),
        "room": session.room,
    }
    old_start = session.starts_at
    session.starts_at, session.ends_at = starts_at, ends_at
    if room is not None:
        session.room = room or None
    db.session.flush()
    told = 0
    if starts_at != old_start or ends_at != datetime.fromisoformat(before["ends_at"]):
        for booking in _affected_bookings(session, LIVE_STATUSES):
            notify_household(
                "session_moved",
                booking,
                now,
                starts_at=starts_at.isoformat(),
                old_starts_at=old_start.isoformat(),
            )
            told += 1
    after = {
        "starts_at": _plain(starts_at),
        "ends_at": _plain(ends_at),
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
            "first": _plain(sessions[0].starts_at),
            "last": _plain(sessions[-1].starts_at),
            "skipped": [_plain(d) for d in pattern.get("skip", ())],
        },
    )
    return sessions
