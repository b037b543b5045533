"""The report's headline figures, each one SQL aggregate over the period.

服务人次 (visits) and 服务人数 (people) follow base.py; seats, leave, no-shows, late
cancellations and unmet demand follow places.py. The rest:

- attendance rate: people with a booking who came (present or late) ÷ people
  expected (booked and not on leave). Walk-ins are not in it: they had no booking.
- new people: whose first visit ever (to the scope's classes) is in the period;
  returning: the others who came.
- volunteers: teachers of held sessions and helpers recorded on them; hours are the
  sessions' lengths, a teacher listed as helper of their own class counted once
  (as volunteering/hours.py counts).
- welfare calls: call-list entries of the period's local days, and those done.
- satisfaction: ratings of held sessions; its rate is the share rated good.
- childcare: visits to programme day slots (child-days), check-outs at the door,
  late ones (after the slot's end plus the programme's grace minutes) and refused
  attempts.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import and_, case, distinct, func, select

from app.extensions import db
from app.models import (
    PickupAttempt,
    Programme,
    ProgrammeSlot,
    Rating,
    RatingValue,
    Session,
    WelfareCall,
)
from app.services.reports import breakdowns, places
from app.services.reports.base import Frame, held, held_sessions, visits
from app.services.reports.sql import seconds_between
from app.services.volunteering.hours import served_sessions


def _share(part: int, whole: int) -> float | None:
    """part ÷ whole as a fraction, or None when there is nothing to divide."""
    return part / whole if whole else None


@dataclass
class Figures:
    visits: int = 0  # 服务人次
    people: int = 0  # 服务人数
    walk_ins: int = 0
    came_booked: int = 0
    sessions: int = 0
    hours: float = 0.0
    seats_offered: int = 0
    seats_taken: int = 0
    booked: int = 0
    expected: int = 0
    no_shows: int = 0
    late_cancels: int = 0
    leaves: int = 0  # 请假
    unmet: int = 0
    new_people: int = 0
    returning_people: int = 0
    child_days: int = 0
    pickups: int = 0
    late_pickups: int = 0
    refused_pickups: int = 0
    volunteers: int = 0
    volunteer_hours: float = 0.0
    welfare_calls: int = 0
    welfare_done: int = 0
    ratings: dict[str, int] = field(default_factory=lambda: {v.value: 0 for v in RatingValue})

    @property
    def fill_rate(self) -> float | None:
        return _share(self.seats_taken, self.seats_offered)

    @property
    def attendance_rate(self) -> float | None:
        return _share(self.came_booked, self.expected)

    @property
    def rated(self) -> int:
        return sum(self.ratings.values())

    @property
    def satisfaction(self) -> float | None:
        return _share(self.ratings[RatingValue.GOOD], self.rated)


def _volunteering(frame: Frame) -> tuple[int, float]:
    """(volunteers, hours) of the held sessions someone came to: their teachers and
    helpers (`volunteering.hours.served_sessions`, as the hours page counts)."""
    pairs = served_sessions(*held(frame)).subquery("served")
    people, seconds = db.session.execute(
        select(
            func.count(distinct(pairs.c.user_id)),
            func.coalesce(func.sum(seconds_between(Session.starts_at, Session.ends_at)), 0),
        )
        .select_from(pairs)
        .join(Session, Session.id == pairs.c.session_id)
    ).one()
    return int(people), round(int(seconds) / 3600, 1)


def _welfare(frame: Frame) -> tuple[int, int]:
    """(created, done) call-list entries of the period's local days."""
    created, done = db.session.execute(
        select(func.count(), func.count(WelfareCall.done_at))
        .select_from(WelfareCall)
        .join(Session, Session.id == WelfareCall.session_id)
        .where(
            WelfareCall.call_date >= frame.period.first,
            WelfareCall.call_date <= frame.period.last,
            *frame.scope.activities(Session.activity_id),
        )
    ).one()
    return int(created), int(done)


def _ratings(frame: Frame) -> dict[str, int]:
    counts = {v.value: 0 for v in RatingValue}
    rows = db.session.execute(
        select(Rating.value, func.count())
        .join(Session, Session.id == Rating.session_id)
        .where(*held(frame))
        .group_by(Rating.value)
    )
    counts.update({value: int(n) for value, n in rows})
    return counts


def _child_days(frame: Frame) -> int:
    v = visits(frame)
    return db.session.scalar(
        select(func.count())
        .select_from(v)
        .join(ProgrammeSlot, ProgrammeSlot.session_id == v.c.session_id)
    )


def _pickups(frame: Frame) -> tuple[int, int, int]:
    """(check-outs, late ones, refused attempts) at the door for held sessions."""
    sessions = held_sessions(frame)
    late = and_(
        PickupAttempt.ok.is_(True),
        seconds_between(sessions.c.ends_at, PickupAttempt.created_at)
        > Programme.pickup_grace_minutes * 60,
    )
    row = db.session.execute(
        select(
            func.coalesce(func.sum(case((PickupAttempt.ok.is_(True), 1), else_=0)), 0),
            func.coalesce(func.sum(case((late, 1), else_=0)), 0),
            func.coalesce(func.sum(case((PickupAttempt.ok.is_(False), 1), else_=0)), 0),
        )
        .select_from(PickupAttempt)
        .join(sessions, sessions.c.id == PickupAttempt.session_id)
        .join(Programme, Programme.activity_id == sessions.c.activity_id)
    ).one()
    return tuple(int(x) for x in row)


def figures(
    frame: Frame, found: breakdowns.Tally | None = None, *, unmet_total: int | None = None
) -> Figures:
    """Every headline figure of the frame's period and scope (the visit totals from
    `found` when `breakdowns.tally` already counted them)."""
    found = found if found is not None else breakdowns.tally(frame, breakdowns.TOTALS)
    result = Figures()
    result.visits, result.people = breakdowns.total(found, "total")
    result.walk_ins = breakdowns.total(found, "walk_in")[0]
    result.came_booked = result.visits - result.walk_ins
    result.returning_people = breakdowns.total(found, "returning")[1]
    seats = places.seats(frame)
    result.sessions, result.hours = seats.sessions, seats.hours
    result.seats_offered, result.seats_taken = seats.offered, seats.taken
    result.booked, result.expected = seats.booked, seats.expected
    result.no_shows = places.no_shows(frame)
    result.late_cancels = places.late_cancels(frame)
    result.leaves = places.leaves(frame)
    result.unmet = unmet_total if unmet_total is not None else places.unmet_demand(frame)[0]
    result.new_people = result.people - result.returning_people
    result.child_days = _child_days(frame)
    result.pickups, result.late_pickups, result.refused_pickups = _pickups(frame)
    result.volunteers, result.volunteer_hours = _volunteering(frame)
    result.welfare_calls, result.welfare_done = _welfare(frame)
    result.ratings = _ratings(frame)
    return result
