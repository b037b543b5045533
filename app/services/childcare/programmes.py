"""Setting up a childcare programme and its slots; closing a day; the published list."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime, time
from functools import cache

from sqlalchemy import Select, bindparam, inspect, select
from sqlalchemy.orm import joinedload
from sqlalchemy.orm.attributes import set_committed_value

from app.extensions import db
from app.models import (
    LIVE_STATUSES,
    Activity,
    ActivityStatus,
    Allocation,
    Audience,
    Booking,
    EnrolmentUnit,
    Programme,
    ProgrammeKind,
    ProgrammeSlot,
    Session,
    SessionStatus,
    User,
)
from app.services import audit
from app.services.booking.cancel import cancel_booking
from app.services.messaging.notices import notify_household
from app.services.schedule.activities import create_activity
from app.services.schedule.sessions import add_session, check_span, weekly_dates
from app.timeutil import from_local, local_date

# --- creating a programme -------------------------------------------------------


def create_programme(
    *,
    by: User,
    now: datetime,
    title: str,
    kind: str = ProgrammeKind.HOLIDAY,
    first_day: date,
    last_day: date,
    weekdays: Iterable[int],
    slot_times: dict[str, tuple[time, time]],
    capacity: int,
    closed_days: Iterable[date] = (),
    min_grade: int | None = None,
    max_grade: int | None = None,
    per_child_limit: int | None = None,
    weekly_blocks: bool = False,
    newcomer_share: int = 0,
    allocation: str = Allocation.FCFS,
    **activity_fields,
) -> Programme:
    """Creates the activity, the programme and one session per day and slot kind.

    A holiday programme is booked slot by slot; an after-school programme is one
    term enrolment per child covering every school day. Raises ScheduleRefused for
    a range over schedule.MAX_SPAN_DAYS, before anything is written."""
    check_span(first_day, last_day)
    weekdays = sorted(set(weekdays))
    activity_fields.setdefault("audience", Audience.CHILD)
    activity_fields.setdefault(
        "category", "afterschool" if kind == ProgrammeKind.AFTERSCHOOL else "childcare"
    )
    activity = create_activity(
        now=now,
        title=title,
        capacity=capacity,
        allocation=allocation,
        enrolment_unit=(
            EnrolmentUnit.SERIES if kind == ProgrammeKind.AFTERSCHOOL else EnrolmentUnit.SESSION
        ),
        **activity_fields,
    )
    programme = Programme(
        activity=activity,
        kind=kind,
        first_day=first_day,
        last_day=last_day,
        weekdays=",".join(str(d) for d in weekdays),
        min_grade=min_grade,
        max_grade=max_grade,
        per_child_limit=per_child_limit,
        weekly_blocks=weekly_blocks,
        newcomer_share=newcomer_share,
        created_at=now,
    )
    for slot_kind, (start, end) in slot_times.items():
        setattr(programme, f"{slot_kind}_start", start)
        setattr(programme, f"{slot_kind}_end", end)
    db.session.add(programme)
    db.session.flush()
    for day in weekly_dates(first_day, last_day, weekdays, closed_days):
        for slot_kind, (start, end) in programme.slot_times().items():
            session = add_session(
                activity,
                from_local(datetime.combine(day, start)),
                from_local(datetime.combine(day, end)),
            )
            db.session.add(
                ProgrammeSlot(
                    programme_id=programme.id, session_id=session.id, kind=slot_kind, day=day
                )
            )
    db.session.flush()
    audit.record(
        by,
        "programme_created",
        programme,
        now,
        after={"title": title, "from": first_day.isoformat(), "to": last_day.isoformat()},
    )
    return programme


def close_day(programme: Programme, day: date, *, by: User, now: datetime) -> int:
    """Removes a day (holiday, closure): its slots are cancelled and every booking on
    them is cancelled with a notice. Returns the number of slots closed."""
    closed = 0
    for slot in programme.slots:
        session = slot.session
        if slot.day != day or session.status != SessionStatus.SCHEDULED:
            continue
        session.status = SessionStatus.CANCELLED
        db.session.flush()
        for booking in db.session.scalars(
            select(Booking).where(
                Booking.session_id == session.id, Booking.status.in_(LIVE_STATUSES)
            )
        ):
            cancel_booking(booking, by=by, now=now)
            notify_household("cancelled_by_staff", booking, now)
        closed += 1
    if closed:
        audit.record(by, "programme_day_closed", programme, now, after={"day": day.isoformat()})
    return closed


def published_programmes(now: datetime) -> list[Programme]:
    return list(
        db.session.scalars(
            select(Programme)
            .join(Activity, Programme.activity_id == Activity.id)
            .where(
                Activity.status == ActivityStatus.PUBLISHED,
                Programme.last_day >= local_date(now),
            )
            .order_by(Programme.first_day, Programme.id)
        )
    )


def programme_of(session: Session) -> Programme | None:
    """The programme a session belongs to: its activity's, whether the session is one
    of the programme's day slots or was added to the activity later at the desk."""
    return db.session.scalar(select(Programme).where(Programme.activity_id == session.activity_id))


def sessions_by_id(programme: Programme, ids: Iterable[int]) -> dict[int, Session]:
    wanted = set(ids)
    return {
        s.session_id: s.session for s in slots_with_sessions(programme) if s.session_id in wanted
    }


def slots_with_sessions(programme: Programme) -> list[ProgrammeSlot]:
    """`programme.slots` with each slot's session, in one query when not loaded yet
    (a submission reads them all under the write lock: the rules look at every slot)."""
    if "slots" in inspect(programme).unloaded:
        slots = db.session.scalars(_slots_query(), {"programme_id": programme.id}).all()
        set_committed_value(programme, "slots", list(slots))
    return programme.slots


def coming_slots(programme: Programme, now: datetime) -> list[ProgrammeSlot]:
    """The slots a family's calendar shows: scheduled and not over, in time order."""
    return sorted(
        (
            slot
            for slot in slots_with_sessions(programme)
            if slot.session.status == SessionStatus.SCHEDULED and slot.session.ends_at > now
        ),
        key=lambda slot: (slot.session.starts_at, slot.session.id),
    )


@cache
def _slots_query() -> Select:
    return (
        select(ProgrammeSlot)
        .options(joinedload(ProgrammeSlot.session))
        .where(ProgrammeSlot.programme_id == bindparam("programme_id"))
        .order_by(ProgrammeSlot.day, ProgrammeSlot.kind)
    )
