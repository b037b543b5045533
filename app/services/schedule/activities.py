"""Creating and editing activities, their status and their capacity."""

from __future__ import annotations

from datetime import date, datetime, time

from flask_babel import lazy_gettext as _l
from sqlalchemy import select, update

from app.extensions import db
from app.models import (
    Activity,
    ActivityStatus,
    Booking,
    Session,
    User,
)
from app.services import audit
from app.services.booking.targets import Target
from app.services.booking.waitlist import promote_waitlist
from app.services.refusals import CapacityTooLow, ScheduleRefused


def create_activity(*, now: datetime, **fields) -> Activity:
    activity = Activity(created_at=now, **fields)
    db.session.add(activity)
    db.session.flush()
    return activity


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


def audit_value(value):
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
        by, "activity.create", activity, now, after={k: audit_value(v) for k, v in fields.items()}
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
    before = {k: audit_value(getattr(activity, k)) for k in changed}
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
            after={k: audit_value(v) for k, v in changed.items()},
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


def all_activities() -> list[Activity]:
    """Every activity, for the desk's list: by status, then title."""
    return list(db.session.scalars(select(Activity).order_by(Activity.status, Activity.title)))
