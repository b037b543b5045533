"""Places at held sessions: who had one (booked), seats offered and taken, leave
(请假), no-shows, late cancellations, and the demand no seat met.

A booking held a place at a session when it was confirmed before the session
ended and not cancelled before it began (a term enrolment covers every date of its
class; a single booking, its one session). This reads the past from what bookings
record, so a term enrolment cancelled in December still held its October places.
Someone on leave (请假) for a date had a place there and gave it up: they count as
booked, not as expected, and never as a no-show, even if a teacher marked them
absent afterwards.
"""

from __future__ import annotations

from dataclasses import dataclass
from math import ceil

from sqlalchemy import (
    Subquery,
    and_,
    case,
    distinct,
    exists,
    func,
    null,
    or_,
    select,
    union,
    union_all,
)
from sqlalchemy.orm import aliased

from app.extensions import db
from app.models import Activity, Attendance, AttendanceStatus, Booking, CapacityUnit, Leave, Session
from app.services.reports.base import Frame, held, held_sessions
from app.services.reports.sql import seconds_between


def held_a_place(session=Session) -> list:
    """Conditions on Booking: it held a place at `session` (joined to it)."""
    return [
        Booking.confirmed_at.is_not(None),
        Booking.confirmed_at < session.ends_at,
        or_(Booking.cancelled_at.is_(None), Booking.cancelled_at > session.starts_at),
    ]


def booked_per_session(frame: Frame) -> Subquery:
    """Per held session with any booking: `booked` (people who held a place, those on
    leave included), `on_leave`, and `households` (households of the people expected,
    i.e. not on leave: what a household-unit class's seats count)."""
    # A session's bookings are of its class: joined by session alone, so that
    # `ix_booking_session_status` finds them (with the class in the join too, SQLite
    # read them through `ix_booking_queue` and every booking row: twice the time).
    single = (
        select(Session.id.label("session_id"), Booking.person_id, Booking.household_id)
        .join(Booking, Booking.session_id == Session.id)
        .where(*held(frame), *held_a_place())
    )
    term = (
        select(Session.id, Booking.person_id, Booking.household_id)
        .join(
            Booking,
            and_(Booking.activity_id == Session.activity_id, Booking.session_id.is_(None)),
        )
        .where(*held(frame), *held_a_place())
    )
    # A single booking given up with leave was cancelled before the session: the
    # leave row still says the person had a place.
    on_leave = (
        select(Leave.session_id, Leave.person_id, Booking.household_id)
        .join(Session, Session.id == Leave.session_id)
        .join(Booking, Booking.id == Leave.booking_id)
        .where(*held(frame))
    )
    rows = union(single, term, on_leave).subquery("places")
    return (
        select(
            rows.c.session_id,
            func.count().label("booked"),
            func.count(Leave.id).label("on_leave"),
            func.count(distinct(case((Leave.id.is_(None), rows.c.household_id)))).label(
                "households"
            ),
        )
        .select_from(rows)
        .outerjoin(
            Leave, and_(Leave.session_id == rows.c.session_id, Leave.person_id == rows.c.person_id)
        )
        .group_by(rows.c.session_id)
        .subquery("booked")
    )


@dataclass
class Seats:
    sessions: int
    seconds: int
    offered: int
    taken: int
    booked: int
    expected: int

    @property
    def hours(self) -> float:
        return round(self.seconds / 3600, 1)


def seats(frame: Frame) -> Seats:
    """Sessions held, their length, seats offered (each session's capacity) and
    taken (people expected, or households for a household-unit class), booked and
    expected (booked minus those on leave)."""
    sessions = held_sessions(frame)
    booked = booked_per_session(frame)
    expected = func.coalesce(booked.c.booked - booked.c.on_leave, 0)
    taken = case(
        (Activity.capacity_unit == CapacityUnit.HOUSEHOLD, func.coalesce(booked.c.households, 0)),
        else_=expected,
    )
    row = (
        select(
            func.count(),
            func.coalesce(func.sum(seconds_between(sessions.c.starts_at, sessions.c.ends_at)), 0),
            func.coalesce(func.sum(sessions.c.capacity), 0),
            func.coalesce(func.sum(taken), 0),
            func.coalesce(func.sum(booked.c.booked), 0),
            func.coalesce(func.sum(expected), 0),
        )
        .select_from(sessions)
        .join(Activity, Activity.id == sessions.c.activity_id)
        .outerjoin(booked, booked.c.session_id == sessions.c.id)
    )
    return Seats(*(int(value) for value in db.session.execute(row).one()))


def leaves(frame: Frame) -> int:
    """请假: leave taken for held sessions."""
    return db.session.scalar(
        select(func.count())
        .select_from(Leave)
        .join(Session, Session.id == Leave.session_id)
        .where(*held(frame))
    )


def no_leave_for(attendance=Attendance):
    """Condition: the person took no leave for the marked session."""
    return ~exists().where(
        Leave.session_id == attendance.session_id, Leave.person_id == attendance.person_id
    )


def no_shows(frame: Frame) -> int:
    """People with a booking marked absent at a held session, leave not taken (the
    rule of the strikes in welfare/no_shows.py, less anyone who took leave)."""
    return db.session.scalar(
        select(func.count())
        .select_from(Attendance)
        .join(Session, Session.id == Attendance.session_id)
        .where(
            Attendance.status == AttendanceStatus.ABSENT,
            Attendance.booking_id.is_not(None),
            no_leave_for(),
            *held(frame),
        )
    )


def late_cancels(frame: Frame) -> int:
    """Places given up too late (inside the class's cancellation hours): a single
    booking of a held session, or a term enrolment cancelled within the period.
    Bookings given up with leave count as 请假 instead; waiting-list bookings held no
    place to give up."""
    late = [
        Booking.late_cancel.is_(True),
        Booking.confirmed_at.is_not(None),
        ~exists().where(Leave.booking_id == Booking.id),
    ]
    single = (
        select(func.count())
        .select_from(Booking)
        .join(Session, Session.id == Booking.session_id)
        .where(*late, *held(frame))
    )
    term = (
        select(func.count())
        .select_from(Booking)
        .where(
            *late,
            Booking.session_id.is_(None),
            Booking.cancelled_at >= frame.start,
            Booking.cancelled_at < frame.until,
            *frame.scope.activities(Booking.activity_id),
        )
    )
    return db.session.scalar(single) + db.session.scalar(term)


@dataclass
class Unmet:
    """An activity's waiting list that no seat served in the period."""

    activity_id: int
    title: str
    title_en: str | None
    capacity: int
    people: int

    @property
    def extra_sessions(self) -> int:
        """Sessions (or, for a term class, classes) of the same size that would have
        seated everyone who waited."""
        return ceil(self.people / self.capacity) if self.capacity > 0 else 0


def _waits(frame: Frame):
    """(person_id, activity_id) of everyone who booked a session held in the period,
    or a term whose class had a session held in it, and never got a seat there: no
    booking of theirs for it was ever confirmed. Two halves, each found through an
    index: a session's bookings from the period's sessions
    (`ix_booking_session_status`), a term's from its class; one OR over both made
    the planner read every booking ever made. Each half groups a person's bookings
    (no seat: none confirmed) in one pass; a "was any other booking confirmed" test
    per waiting booking read the session's whole list again for each (at 400
    bookings a session, ~200 ms of a month)."""
    never_seated = func.count(Booking.confirmed_at) == 0
    for_sessions = (
        select(Booking.person_id, Booking.activity_id)
        .select_from(Session)
        .join(Booking, Booking.session_id == Session.id)
        .where(*held(frame))
        .group_by(Booking.session_id, Booking.person_id, Booking.activity_id)
        .having(never_seated)
    )
    dated = aliased(Session)
    term_ran = exists().where(dated.activity_id == Booking.activity_id, *held(frame, dated))
    for_terms = (
        select(Booking.person_id, Booking.activity_id)
        .where(
            Booking.session_id.is_(None),
            *frame.scope.activities(Booking.activity_id),
            term_ran,
        )
        .group_by(Booking.activity_id, Booking.person_id)
        .having(never_seated)
    )
    return union_all(for_sessions, for_terms)


def unmet_demand(frame: Frame) -> tuple[int, list[Unmet]]:
    """People who waited for a session or a term and never got a seat: how many in
    all, and per activity (most first) with the sessions that would have served them.
    One statement: the waits are found once (a materialized CTE), then counted per
    activity and in all (activity NULL)."""
    waited = _waits(frame).cte("waited").prefix_with("MATERIALIZED")
    people = func.count(distinct(waited.c.person_id))
    rows = db.session.execute(
        union_all(
            select(waited.c.activity_id, people).group_by(waited.c.activity_id),
            select(null().label("activity_id"), people),
        )
    ).all()
    counts = {activity_id: int(n) for activity_id, n in rows}
    total = counts.pop(None, 0)
    activities = db.session.execute(
        select(Activity.id, Activity.title, Activity.title_en, Activity.capacity).where(
            Activity.id.in_(counts)
        )
    )
    per_activity = [Unmet(*row, people=counts[row.id]) for row in activities]
    return total, sorted(per_activity, key=lambda u: (-u.people, u.title))
