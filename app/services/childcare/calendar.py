"""The family's calendar of a programme: each day's slots and what each child holds."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy import func, select
from sqlalchemy.orm import contains_eager

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


def calendar(programme: Programme, members: list[Person], now: datetime) -> list[DayView]:
    """The programme's coming slots by day, with seats left and the household's
    bookings and applications on each."""
    slots = list(
        db.session.scalars(
            select(ProgrammeSlot)
            .join(Session, ProgrammeSlot.session_id == Session.id)
            .options(contains_eager(ProgrammeSlot.session))
            .where(
                ProgrammeSlot.programme_id == programme.id,
                Session.status == SessionStatus.SCHEDULED,
                Session.ends_at > now,
            )
            .order_by(Session.starts_at, Session.id)
        )
    )
    session_ids = [s.session_id for s in slots]
    queues = dict(
        db.session.execute(
            select(Booking.session_id, func.count(Booking.id))
            .where(Booking.session_id.in_(session_ids), Booking.status == BookingStatus.WAITLISTED)
            .group_by(Booking.session_id)
        ).all()
    )
    states: dict[int, dict[int, str]] = defaultdict(dict)
    member_ids = [m.id for m in members]
    if member_ids and programme.is_afterschool:
        # A term enrolment holds every school day of the term.
        for booking in enrolments(programme, members):
            for session_id in session_ids:
                states[session_id][booking.person_id] = booking.status
    elif member_ids:
        for booking in db.session.scalars(
            select(Booking).where(
                Booking.session_id.in_(session_ids),
                Booking.person_id.in_(member_ids),
                Booking.status.in_(LIVE_STATUSES),
            )
        ):
            states[booking.session_id][booking.person_id] = booking.status
        for application in db.session.scalars(
            select(LotteryApplication).where(
                LotteryApplication.programme_id == programme.id,
                LotteryApplication.person_id.in_(member_ids),
                LotteryApplication.status == ApplicationStatus.APPLIED,
            )
        ):
            states[application.session_id].setdefault(application.person_id, "applied")
    days: dict[date, list[SlotView]] = {}
    for slot in slots:
        session = slot.session
        seats = slot_target(programme, session).seats_left()
        days.setdefault(slot.day, []).append(
            SlotView(slot, session, seats, queues.get(session.id, 0), states.get(session.id, {}))
        )
    return [DayView(day, views) for day, views in days.items()]


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
