"""The family's calendar of a programme: each day's slots and what each child holds."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy import func, select

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
)
from app.services.childcare.grades import SLOT_LABELS
from app.services.childcare.outcomes import Seen
from app.services.childcare.programmes import coming_slots
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
    seen: Seen | None = None,
) -> list[DayView]:
    """The programme's coming slots by day, with seats left and the household's
    bookings and applications on each. The slots are the programme's own
    (`slots_with_sessions`: after a submission, the ones its transaction read, with
    the seats it claimed); `applications` and `enrolled` (`enrolments`), when the
    caller has read the household's already, save reading them again, and `seen`
    (`submit_days`: the submission's waiting lists and the children's bookings)
    saves reading the rest."""
    slots = coming_slots(programme, now)
    session_ids = [s.session_id for s in slots]
    if seen is not None:
        queues = seen.queues
        held = seen.held
    else:
        queues = dict(
            db.session.execute(
                select(Booking.session_id, func.count(Booking.id))
                .where(
                    Booking.session_id.in_(session_ids),
                    Booking.status == BookingStatus.WAITLISTED,
                )
                .group_by(Booking.session_id)
            ).all()
        )
        held = None
    states = _states(programme, members, session_ids, applications, enrolled, held)
    days: dict[date, list[SlotView]] = {}
    for slot in slots:
        session = slot.session
        seats = slot_target(programme, session).seats_left()
        days.setdefault(slot.day, []).append(
            SlotView(slot, session, seats, queues.get(session.id, 0), states.get(session.id, {}))
        )
    return [DayView(day, views) for day, views in days.items()]


def _states(
    programme: Programme,
    members: list[Person],
    session_ids: list[int],
    applications: list[LotteryApplication] | None,
    enrolled: list[Booking] | None,
    held: dict[int, dict[int, str]] | None = None,
) -> dict[int, dict[int, str]]:
    """session id -> {person id: what they hold there}: live bookings (`held`, when
    the caller knows them), then the applications still waiting for the draw."""
    states: dict[int, dict[int, str]] = defaultdict(dict)
    member_ids = [m.id for m in members]
    wanted = set(member_ids)
    if not member_ids:
        return states
    if programme.is_afterschool:
        # A term enrolment holds every school day of the term.
        for booking in enrolled if enrolled is not None else enrolments(programme, members):
            for session_id in session_ids:
                states[session_id][booking.person_id] = booking.status
        return states
    if held is not None:
        for session_id, holders in held.items():
            states[session_id].update((p, s) for p, s in holders.items() if p in wanted)
    else:
        for session_id, person_id, status in db.session.execute(
            select(Booking.session_id, Booking.person_id, Booking.status).where(
                Booking.session_id.in_(session_ids),
                Booking.person_id.in_(member_ids),
                Booking.status.in_(LIVE_STATUSES),
            )
        ):
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
