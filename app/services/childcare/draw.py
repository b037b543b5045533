"""The lottery draw: a pure, seeded allocation over recorded inputs, run once and
replayable to the same result."""

from __future__ import annotations

import random
from dataclasses import dataclass, replace
from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import select, update

from app.extensions import db
from app.models import (
    PRIORITY_TAGS,
    Allocation,
    ApplicationStatus,
    Attendance,
    Booking,
    Channel,
    HouseholdTag,
    LotteryApplication,
    Person,
    Programme,
    Session,
    User,
)
from app.services import audit
from app.services.attendance.marking import PRESENT_STATUSES
from app.services.booking.eligibility import window_state
from app.services.booking.place import check_free_to_book, insert_booking
from app.services.booking.seats import claim_seat
from app.services.booking.targets import Target
from app.services.childcare.draw_results import DrawResults
from app.services.childcare.seed import draw_seed, seed_sha256
from app.services.refusals import (
    AlreadyBooked,
    Conflict,
    DrawNotAllowed,
    Refusal,
    SeedJustPublished,
)

# --- the draw -------------------------------------------------------------------


@dataclass(frozen=True)
class Unit:
    key: str
    person_ids: tuple[int, ...]
    priority: bool
    newcomer: bool

    @property
    def size(self) -> int:
        return len(self.person_ids)


@dataclass
class SlotDraw:
    winners: list[Unit]
    waitlist: list[Unit]

    @property
    def order(self) -> list[int]:
        """Person ids in draw order: winners first, then the waitlist."""
        return [p for u in self.winners + self.waitlist for p in u.person_ids]


def allocate(
    seed: str,
    slot_id: int,
    seats: int,
    units: list[Unit],
    newcomer_share: int,
    *,
    fill_singly: bool = True,
) -> SlotDraw:
    """The draw for one slot: a pure function of its arguments. Priority units
    first, then the newcomers' share, then everyone in draw order, each unit whole;
    with `fill_singly` (every draw since it was added; older recorded draws replay
    without it) the seats left go to the next applicants one by one."""
    rng = random.Random(f"{seed}:{slot_id}")
    ordered = sorted(units, key=lambda u: u.key)
    rng.shuffle(ordered)
    drawn = [u for u in ordered if u.priority] + [u for u in ordered if not u.priority]
    winners: list[Unit] = []
    left = seats

    def take(unit: Unit) -> None:
        nonlocal left
        winners.append(unit)
        left -= unit.size

    for unit in drawn:
        if unit.priority and unit.size <= left:
            take(unit)
    reserve = seats * newcomer_share // 100
    newcomers_in = sum(u.size for u in winners if u.newcomer)
    for unit in drawn:
        if unit in winners or not unit.newcomer:
            continue
        if newcomers_in + unit.size <= reserve and unit.size <= left:
            take(unit)
            newcomers_in += unit.size
    for unit in drawn:
        if unit not in winners and unit.size <= left:
            take(unit)
    waitlist = [u for u in drawn if u not in winners]
    if fill_singly:
        waitlist = _fill_singly(winners, waitlist, left)
    return SlotDraw(winners, waitlist)


def _fill_singly(winners: list[Unit], waitlist: list[Unit], left: int) -> list[Unit]:
    """Seats still free once families were placed whole (each waiting family is
    larger than what is left) go to the next applicants in draw order, one by one:
    no seat stays empty while a child waits. Adds to `winners`; returns who waits."""
    waiting = []
    for unit in waitlist:
        taken = unit.person_ids[: max(left, 0)]
        if taken:
            winners.append(replace(unit, key=f"{unit.key}+", person_ids=taken))
            left -= len(taken)
        if rest := unit.person_ids[len(taken) :]:
            waiting.append(replace(unit, person_ids=rest))
    return waiting


def _newcomers(person_ids: set[int]) -> set[int]:
    """Children who have never attended anything at the centre."""
    if not person_ids:
        return set()
    attended = set(
        db.session.scalars(
            select(Attendance.person_id).where(
                Attendance.person_id.in_(person_ids),
                Attendance.status.in_(PRESENT_STATUSES),
            )
        )
    )
    return person_ids - attended


def _left_out(person: Person, target: Target, now: datetime) -> str | None:
    """Why booking's own rule (`check_free_to_book`, the one first-come booking
    applies) keeps an applicant out of the draw for this slot: already booked
    another way, busy at that time (another booking overlaps, e.g. the
    after-school club), or no longer admitted. None: in the draw."""
    try:
        check_free_to_book(person, target, now)
    except AlreadyBooked:
        return ApplicationStatus.SKIPPED
    except Conflict:
        return ApplicationStatus.CLASHED
    except Refusal:
        return ApplicationStatus.INELIGIBLE
    return None


def _applications(programme: Programme) -> list[LotteryApplication]:
    return list(
        db.session.scalars(
            select(LotteryApplication)
            .where(
                LotteryApplication.programme_id == programme.id,
                LotteryApplication.status == ApplicationStatus.APPLIED,
            )
            .order_by(LotteryApplication.id)
        )
    )


def _draw_inputs(
    programme: Programme, applications: list[LotteryApplication], now: datetime
) -> dict:
    """What the draw sees, as plain data (recorded in the report for replay). An
    applicant the booking rules keep out of a slot is recorded under `left_out`
    and drawn for nothing, so their seat goes to the next in draw order."""
    households = {a.household_id for a in applications}
    priority = set(
        db.session.scalars(
            select(HouseholdTag.household_id).where(
                HouseholdTag.household_id.in_(households), HouseholdTag.tag.in_(PRIORITY_TAGS)
            )
        )
    )
    newcomers = _newcomers({a.person_id for a in applications})
    slots: dict[str, dict] = {}
    for application in applications:
        session = application.session
        slot = slots.setdefault(
            str(session.id),
            {"seats": max(session.capacity - session.taken, 0), "units": {}, "left_out": {}},
        )
        target = Target(programme.activity, session)
        if why := _left_out(application.person, target, now):
            slot["left_out"][str(application.person_id)] = why
            continue
        key = application.together_key or f"p{application.person_id}"
        unit = slot["units"].setdefault(
            key,
            {
                "persons": [],
                "priority": application.household_id in priority,
                "newcomer": True,
            },
        )
        unit["persons"].append(application.person_id)
        unit["newcomer"] = unit["newcomer"] and application.person_id in newcomers
    return {"newcomer_share": programme.newcomer_share, "fill_singly": True, "slots": slots}


def plan_from_inputs(seed: str, inputs: dict) -> dict[int, SlotDraw]:
    plans = {}
    for slot_id, slot in inputs["slots"].items():
        units = [
            Unit(key, tuple(sorted(u["persons"])), u["priority"], u["newcomer"])
            for key, u in slot["units"].items()
        ]
        plans[int(slot_id)] = allocate(
            seed,
            int(slot_id),
            slot["seats"],
            units,
            inputs["newcomer_share"],
            fill_singly=inputs.get("fill_singly", False),
        )
    return plans


def _claim_the_draw(programme: Programme, *, by: User, now: datetime) -> str:
    """Checks the draw may run and marks it run (once, whoever presses at the same
    moment); returns the sealed seed. Raises what `run_draw` raises."""
    activity = programme.activity
    if activity.allocation != Allocation.LOTTERY:
        raise DrawNotAllowed(_l("This programme does not use a lottery."))
    if activity.closes_at is not None and not window_state(activity, now).closed:
        raise DrawNotAllowed(_l("The draw can only run after applications close."))
    if programme.draw_seed is None:
        # No commitment was public before this request (the window has no end, or
        # the job has not run since the close): a seed used in the request that fixes it
        # was never published. Fix and publish it now; the draw is the next press.
        draw_seed(programme, now)
        raise SeedJustPublished()
    seed = programme.draw_seed
    claimed = db.session.execute(
        update(Programme)
        .where(Programme.id == programme.id, Programme.drawn_at.is_(None))
        .values(drawn_at=now, drawn_by_id=by.id)
        .execution_options(synchronize_session=False)
    ).rowcount
    if not claimed:
        raise DrawNotAllowed(_l("The draw for this programme has already been run."))
    db.session.expire(programme)
    return seed


def _place(
    application: LotteryApplication, target: Target, won: bool, *, by: User, now: datetime
) -> Booking | None:
    """Books one applicant as drawn: confirmed on a seat, else waitlisted. The
    booking rules are asked again first, so even two applications of one child
    drawn together never book overlapping sessions; refused, the application says
    why and nothing is booked."""
    if why := _left_out(application.person, target, now):
        application.status = why
        return None
    won = won and claim_seat(target)
    booking = insert_booking(
        application.person, target, confirmed=won, channel=Channel.LOTTERY, by=by, now=now
    )
    application.booking_id = booking.id
    application.status = ApplicationStatus.WON if won else ApplicationStatus.WAITLISTED
    return booking


def run_draw(programme: Programme, *, by: User, now: datetime) -> dict:
    """Draws every slot with the programme's sealed seed, confirms the winners,
    waitlists the rest in draw order, and sends each household one notice listing
    every child and day. Returns the report (also kept on the programme).

    Raises DrawNotAllowed before the window closed or when already drawn, and
    SeedJustPublished (after fixing the seed; the caller commits it) when no
    commitment to the seed was public before this call.
    """
    seed = _claim_the_draw(programme, by=by, now=now)
    listed = _applications(programme)
    inputs = _draw_inputs(programme, listed, now)
    plans = plan_from_inputs(seed, inputs)
    applications = {(a.session_id, a.person_id): a for a in listed}
    results = DrawResults()
    report_slots = {}
    for slot_id, plan in sorted(plans.items()):
        session = db.session.get(Session, slot_id)
        target = Target(programme.activity, session)
        winners = {p for u in plan.winners for p in u.person_ids}
        left_out = inputs["slots"][str(slot_id)]["left_out"]
        for person_id, why in left_out.items():
            application = applications[(slot_id, int(person_id))]
            application.status = why
            results.add(application)
        for rank, person_id in enumerate(plan.order, start=1):
            application = applications[(slot_id, person_id)]
            application.draw_rank = rank
            booking = _place(application, target, person_id in winners, by=by, now=now)
            results.add(application, booking)
        report_slots[str(slot_id)] = {
            "starts_at": session.starts_at.isoformat(),
            "seats": inputs["slots"][str(slot_id)]["seats"],
            "applicants": len(plan.order) + len(left_out),
            "confirmed": results.count(slot_id, ApplicationStatus.WON),
            "waitlisted": results.count(slot_id, ApplicationStatus.WAITLISTED),
            "priority_won": sum(u.size for u in plan.winners if u.priority),
            "newcomers_won": sum(u.size for u in plan.winners if u.newcomer),
            "order": plan.order,
        }
    results.notify(programme.activity, now)
    report = {"seed": seed, "inputs": inputs, "slots": report_slots}
    programme.draw_report = report
    audit.record(by, "lottery_drawn", programme, now, after={"seed": seed})
    db.session.flush()
    return report


def replay_draw(programme: Programme) -> bool:
    """Recomputes the recorded draw from its seed and inputs; True when every slot's
    draw order is the same as recorded and the seed is the one committed to (its
    SHA-256 equals the commitment published before the draw)."""
    report = programme.draw_report
    if not report:
        return False
    if programme.seed_sha256 is not None and seed_sha256(report["seed"]) != programme.seed_sha256:
        return False
    plans = plan_from_inputs(report["seed"], report["inputs"])
    return all(
        plans[int(slot_id)].order == recorded["order"]
        for slot_id, recorded in report["slots"].items()
    )


@dataclass
class Commitment:
    """What anyone may know about a lottery's seed: its SHA-256 once applications
    closed; the seed itself, whether it matches, and whether replaying the draw
    gives the recorded result only after the draw."""

    sha256: str | None
    fixed_at: datetime | None
    seed: str | None
    seed_matches: bool | None
    replay_ok: bool | None


def commitment(programme: Programme) -> Commitment | None:
    """None for first-come programmes and lotteries whose seed is not fixed yet (or
    was typed by staff, before seeds were drawn by the app)."""
    if programme.activity.allocation != Allocation.LOTTERY or programme.seed_sha256 is None:
        return None
    report = programme.draw_report
    if programme.drawn_at is None or not report:
        return Commitment(programme.seed_sha256, programme.seed_drawn_at, None, None, None)
    seed = report["seed"]
    matches = seed_sha256(seed) == programme.seed_sha256
    return Commitment(
        programme.seed_sha256, programme.seed_drawn_at, seed, matches, replay_draw(programme)
    )
