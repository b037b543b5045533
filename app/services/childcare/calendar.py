"""The family's calendar of a programme: each day's slots and what each child holds."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy import and_, case, func, null, or_, select

from app.extensions import db
from app.models import (
    LIVE_STATUSES,
    ApplicationStatus,
    Booking,
    BookingStatus,
    LotteryApplication,
    Person,
    Programme,
    ProgrammeSlot,
    Session,
    SessionStatus,
)
from app.services.childcare.grades import SLOT_LABELS
from app.services.childcare.programmes import slots_with_sessions
from app.services.childcare.submissions import slot_target

# --- what a parent sees ---------------------------------------------------------


@dataclass
class SlotView:
    slot: ProgrammeSlot
    session: Session
    seats_left: int
    waitlist_length: int
    # person_id -> "confirmed" / "waitlisted" / "offered" / "applied"
    states: dict[int, str] = field(default_factory=dict)

    @property
    def label(self) -> str:
        return str(SLOT_LABELS.get(self.slot.kind, self.slot.kind))


@dataclass
class DayView:
    day: date
    slots: list[SlotView]


def calendar(
    programme: Programme,
    members: list[Person],
    now: datetime,
    *,
    applications: list[LotteryApplication] | None = None,
    enrolled: list[Booking] | None = None,
) -> list[DayView]:
    """The programme's coming slots by day, with seats left and the household's
    bookings and applications on each. The slots are the programme's own
    (`slots_with_sessions`: after a submission, the ones its transaction read, with
    the seats it claimed); `applications` and `enrolled` (`enrolments`), when the
    caller has read the household's already, save reading them again."""
    slots = sorted(
        (
            slot
            for slot in slots_with_sessions(programme)
            if slot.session.status == SessionStatus.SCHEDULED and slot.session.ends_at > now
        ),
        key=lambda slot: (slot.session.starts_at, slot.session.id),
    )
    session_ids = [s.session_id for s in slots]
    holiday_members = [] if programme.is_afterschool else [m.id for m in members]
    queues, held = _queues_and_holdings(session_ids, holiday_members)
    states = _states(programme, members, session_ids, held, applications, enrolled)
    days: dict[date, list[SlotView]] = {}
    for slot in slots:
        session = slot.session
        seats = slot_target(programme, session).seats_left()
        days.setdefault(slot.day, []).append(
            SlotView(slot, session, seats, queues.get(session.id, 0), states.get(session.id, {}))
        )
    return [DayView(day, views) for day, views in days.items()]


def _queues_and_holdings(
    session_ids: list[int], member_ids: list[int]
) -> tuple[dict[int, int], list[tuple[int, int, str]]]:
    """In one statement: each session's waiting list length, and the live bookings
    the household's `member_ids` hold on them as (session, person, status)."""
    queues: dict[int, int] = defaultdict(int)
    held = []
    if not session_ids:
        return queues, held
    waiting = Booking.status == BookingStatus.WAITLISTED
    if member_ids:
        mine = Booking.person_id.in_(member_ids)
        who = case((mine, Booking.person_id), else_=None)
        wanted = or_(waiting, and_(mine, Booking.status.in_(LIVE_STATUSES)))
    else:
        who, wanted = null(), waiting
    # Grouped outside: the CASE, with its own parameters, is grouped by its name.
    rows = (
        select(Booking.session_id, who.label("person_id"), Booking.status)
        .where(Booking.session_id.in_(session_ids), wanted)
        .subquery()
    )
    rows = db.session.execute(
        select(rows.c.session_id, rows.c.person_id, rows.c.status, func.count()).group_by(
            rows.c.session_id, rows.c.person_id, rows.c.status
        )
    )
    for session_id, person_id, status, n in rows:
        if status == BookingStatus.WAITLISTED:
            queues[session_id] += n
        if person_id is not None:
            held.append((session_id, person_id, status))
    return queues, held


def _states(
    programme: Programme,
    members: list[Person],
    session_ids: list[int],
    held: list[tuple[int, int, str]],
    applications: list[LotteryApplication] | None,
    enrolled: list[Booking] | None,
) -> dict[int, dict[int, str]]:
    """session id -> {person id: what they hold there}: live bookings (`held`, or a
    term's enrolments), then the applications still waiting for the draw."""
    states: dict[int, dict[int, str]] = defaultdict(dict)
    member_ids = [m.id for m in members]
    if not member_ids:
        return states
    if programme.is_afterschool:
        # A term enrolment holds every school day of the term.
        for booking in enrolled if enrolled is not None else enrolments(programme, members):
            for session_id in session_ids:
                states[session_id][booking.person_id] = booking.status
        return states
    for session_id, person_id, status in held:
        states[session_id][person_id] = status
    if applications is None:
        applied = db.session.execute(
            select(LotteryApplication.session_id, LotteryApplication.person_id).where(
                LotteryApplication.programme_id == programme.id,
                LotteryApplication.person_id.in_(member_ids),
                LotteryApplication.status == ApplicationStatus.APPLIED,
            )
        ).all()
    else:
        wanted = set(member_ids)
        applied = [
            (a.session_id, a.person_id)
            for a in applications
            if a.status == ApplicationStatus.APPLIED and a.person_id in wanted
        ]
    for session_id, person_id in applied:
        states[session_id].setdefault(person_id, "applied")
    return states


def enrolments(programme: Programme, members: list[Person]) -> list[Booking]:
    """The household's live term enrolments on an after-school club, by name."""
    if not programme.is_afterschool or not members:
        return []
    return list(
        db.session.scalars(
            select(Booking)
            .join(Person, Booking.person_id == Person.id)
            .where(
                Booking.activity_id == programme.activity_id,
                Booking.session_id.is_(None),
                Booking.person_id.in_([m.id for m in members]),
                Booking.status.in_(LIVE_STATUSES),
            )
            .order_by(Person.name, Booking.id)
        )
    )


def eligible_children(members: list[Person], programme: Programme, today: date) -> list[Person]:
    """The household's children: everyone under 18 (the rules decide the rest)."""
    return [m for m in members if m.is_child_on(today)]
