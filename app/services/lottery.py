"""The lottery for oversubscribed childcare: applications during the window, then a
seeded draw staff run after it closes.

Nobody chooses the seed. It is drawn from `secrets` once, when applications close
(`seal_seed`: by the `lottery-seeds` job, by the first look at the programme's page
after `closes_at`, or at the latest by a first press of "draw", which then only
fixes it and asks staff to draw again), and never drawn again. Its SHA-256 is
public on the programme page from that moment, always before the draw uses it,
and applications are closed from then on; the seed itself is shown only after the
draw, so anyone can check sha256(seed) against the commitment and replay the draw.

The draw for each slot is a pure function of (seed, slot id, seats, units): the
units are sorted by a stable key and shuffled with `random.Random(f"{seed}:{slot}")`,
so anyone with the published seed and the recorded inputs replays the same result
(`replay_draw`). Order of allocation on a slot:

1. units from a priority household (tags 留守儿童, 困境儿童, 低保) in draw order;
2. the newcomer share: up to `newcomer_share`% of the slot's places for units whose
   children never attended the centre, in draw order;
3. everyone else in draw order.

A unit is one child, or the siblings whose guardian asked to keep them together:
it gets as many places as it has children, or none ("both or none"). Winners are
confirmed, everyone else waitlisted in draw order.
"""

from __future__ import annotations

import hashlib
import random
import secrets
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select, update

from app.extensions import db
from app.formatting import lazy_when
from app.models import (
    Activity,
    Allocation,
    ApplicationStatus,
    Attendance,
    Channel,
    HouseholdTag,
    LotteryApplication,
    Person,
    Programme,
    Session,
    User,
)
from app.services import audit, eligibility
from app.services.attendance import PRESENT_STATUSES
from app.services.booking import claim_seat, insert_booking, live_booking
from app.services.errors import (
    AlreadyBooked,
    BookingError,
    NotEligible,
    WindowClosed,
    WindowNotOpen,
)
from app.services.jobs import job
from app.services.notifications import notify_household
from app.services.programmes import (
    Outcome,
    check_day_limit,
    check_grade,
    lock_people,
    refused_outcome,
)
from app.services.rows import add_if_new
from app.services.targets import Target

PRIORITY_TAGS = ("留守儿童", "困境儿童", "低保")


class AlreadyApplied(BookingError):
    code = "already_applied"

    @staticmethod
    def default_message():
        return _l("This child has already applied for this day.")


class DrawNotAllowed(BookingError):
    code = "draw_not_allowed"


class SeedJustPublished(DrawNotAllowed):
    """The draw found no published commitment, so it fixed the seed instead of
    drawing. The caller commits (the commitment is public from then on) and staff
    draw again."""

    code = "seed_just_published"

    @staticmethod
    def default_message():
        return _l(
            "The lottery's seed has just been fixed and its fingerprint (SHA-256) published "
            "on the programme page. Please run the draw again to draw with it."
        )


# --- applying -------------------------------------------------------------------


def applied_days(programme: Programme, person: Person) -> int:
    return db.session.scalar(
        select(func.count(LotteryApplication.id)).where(
            LotteryApplication.programme_id == programme.id,
            LotteryApplication.person_id == person.id,
            LotteryApplication.status == ApplicationStatus.APPLIED,
        )
    )


def _check_application_window(programme: Programme, now: datetime) -> None:
    activity = programme.activity
    if activity.allocation != Allocation.LOTTERY:
        raise NotEligible(_l("This programme is first come, first served: please book instead."))
    if activity.opens_at is not None and now < activity.opens_at:
        raise WindowNotOpen(_l("Applications open on %(when)s.", when=lazy_when(activity.opens_at)))
    if applications_closed(programme, now):
        raise WindowClosed(_l("Applications have closed. The places are being drawn."))


def applications_closed(programme: Programme, now: datetime) -> bool:
    """Once drawn, once the window closed, or once the seed is fixed (a lottery
    without a closing time), applications can neither be made nor withdrawn: what
    is drawn is fixed before the seed is."""
    closes_at = programme.activity.closes_at
    return (
        programme.drawn_at is not None
        or programme.seed_sha256 is not None
        or (closes_at is not None and now >= closes_at)
    )


def apply_days(
    programme: Programme,
    pairs: list[tuple[Person, Session]],
    *,
    together: bool = False,
    by: User,
    now: datetime,
) -> list[Outcome]:
    """Records an application per (child, slot); siblings applying together for a
    slot are drawn as one unit. Refusals are outcomes, one per pair."""
    _check_application_window(programme, now)
    lock_people(p for p, _ in pairs)
    slot_of = {s.session_id: s for s in programme.slots}
    outcomes: list[Outcome] = []
    counted: dict[int, int] = {}
    per_slot = defaultdict(list)
    for person, session in pairs:
        per_slot[session.id].append(person)
    for person, session in sorted(pairs, key=lambda p: (p[1].starts_at, p[1].id, p[0].id)):
        try:
            slot = slot_of.get(session.id)
            target = Target.of(programme.activity, session)
            if slot is None:
                raise BookingError()
            eligibility.check_actor(by, person)
            eligibility.check_bookable(target, now)
            eligibility.check_person(person, target, now)
            check_grade(programme, person, slot.day)
            if live_booking(person, target) is not None:
                raise AlreadyBooked()
            _check_overlap(programme, person, session)
            check_day_limit(programme, person, counted, applied_days)
            siblings = [p for p in per_slot[session.id] if p.household_id == person.household_id]
            key = f"h{person.household_id}" if together and len(siblings) > 1 else None
            _upsert_application(programme, person, session, key, by, now)
            if programme.per_child_limit is not None:
                counted[person.id] += 1
        except BookingError as refusal:
            outcomes.append(refused_outcome(person, session, refusal))
            continue
        outcomes.append(Outcome(person, session, ApplicationStatus.APPLIED))
    return outcomes


def _check_overlap(programme: Programme, person: Person, session: Session) -> None:
    """A child cannot apply for a morning and a full day on the same day."""
    rows = db.session.scalars(
        select(Session)
        .join(LotteryApplication, LotteryApplication.session_id == Session.id)
        .where(
            LotteryApplication.person_id == person.id,
            LotteryApplication.status == ApplicationStatus.APPLIED,
            LotteryApplication.session_id != session.id,
            Session.starts_at < session.ends_at,
            Session.ends_at > session.starts_at,
        )
    )
    if next(iter(rows), None) is not None:
        raise AlreadyApplied(
            _l("%(name)s has already applied for another slot at that time.", name=person.name)
        )


def _upsert_application(programme, person, session, key, by, now) -> LotteryApplication:
    existing = db.session.scalar(
        select(LotteryApplication).where(
            LotteryApplication.session_id == session.id,
            LotteryApplication.person_id == person.id,
        )
    )
    if existing is not None:
        if existing.status == ApplicationStatus.APPLIED:
            raise AlreadyApplied()
        existing.status = ApplicationStatus.APPLIED
        existing.together_key, existing.created_at, existing.applied_by_id = key, now, by.id
        return existing
    application = LotteryApplication(
        programme_id=programme.id,
        session_id=session.id,
        person_id=person.id,
        household_id=person.household_id,
        together_key=key,
        applied_by_id=by.id,
        created_at=now,
    )
    if not add_if_new(application):
        raise AlreadyApplied()
    return application


def withdraw_application(application: LotteryApplication, *, by: User, now: datetime) -> None:
    """Withdraws an application before the draw. Raises NotAllowed or WindowClosed."""
    person = db.session.get(Person, application.person_id)
    eligibility.check_actor(by, person)
    programme = db.session.get(Programme, application.programme_id)
    if applications_closed(programme, now):
        raise WindowClosed(_l("This application can no longer be withdrawn."))
    changed = db.session.execute(
        update(LotteryApplication)
        .where(
            LotteryApplication.id == application.id,
            LotteryApplication.status == ApplicationStatus.APPLIED,
        )
        .values(status=ApplicationStatus.WITHDRAWN)
        .execution_options(synchronize_session=False)
    ).rowcount
    db.session.expire(application)
    if not changed:
        raise WindowClosed(_l("This application can no longer be withdrawn."))


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
    seed: str, slot_id: int, seats: int, units: list[Unit], newcomer_share: int
) -> SlotDraw:
    """The draw for one slot: a pure function of its arguments."""
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
    return SlotDraw(winners, waitlist)


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


def _draw_inputs(programme: Programme) -> dict:
    """What the draw sees, as plain data (recorded in the report for replay)."""
    applications = list(
        db.session.scalars(
            select(LotteryApplication)
            .where(
                LotteryApplication.programme_id == programme.id,
                LotteryApplication.status == ApplicationStatus.APPLIED,
            )
            .order_by(LotteryApplication.id)
        )
    )
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
            str(session.id), {"seats": max(session.capacity - session.taken, 0), "units": {}}
        )
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
    return {"newcomer_share": programme.newcomer_share, "slots": slots}


def plan_from_inputs(seed: str, inputs: dict) -> dict[int, SlotDraw]:
    plans = {}
    for slot_id, slot in inputs["slots"].items():
        units = [
            Unit(key, tuple(sorted(u["persons"])), u["priority"], u["newcomer"])
            for key, u in slot["units"].items()
        ]
        plans[int(slot_id)] = allocate(
            seed, int(slot_id), slot["seats"], units, inputs["newcomer_share"]
        )
    return plans


def seed_sha256(seed: str) -> str:
    """The public commitment to a seed: its SHA-256, in hex."""
    return hashlib.sha256(seed.encode("utf-8")).hexdigest()


def seed_due(programme: Programme, now: datetime) -> bool:
    """Applications of this lottery closed and its seed is not drawn yet."""
    activity = programme.activity
    return (
        activity.allocation == Allocation.LOTTERY
        and programme.draw_seed is None
        and activity.closes_at is not None
        and now >= activity.closes_at
    )


def _draw_seed(programme: Programme, now: datetime) -> bool:
    """Draws the seed from `secrets` unless one is already stored: a conditional
    UPDATE, so of two at the same moment only one writes. True when this call drew
    it. The programme's seed fields are reloaded either way."""
    seed = secrets.token_hex(16)
    commitment = seed_sha256(seed)
    drawn = db.session.execute(
        update(Programme)
        .where(Programme.id == programme.id, Programme.draw_seed.is_(None))
        .values(draw_seed=seed, seed_sha256=commitment, seed_drawn_at=now)
        .execution_options(synchronize_session=False)
    ).rowcount
    db.session.expire(programme, ["draw_seed", "seed_sha256", "seed_drawn_at"])
    if drawn:
        audit.record(None, "lottery_seed_drawn", programme, now, after={"seed_sha256": commitment})
        db.session.flush()
    return bool(drawn)


def seal_seed(programme: Programme, now: datetime) -> bool:
    """Once applications closed, fixes the seed (drawn from `secrets`, once) and its
    public SHA-256. Does nothing before the close or when already fixed; True when
    this call drew it."""
    if not seed_due(programme, now):
        return False
    return _draw_seed(programme, now)


@job("lottery_seeds")
def seal_seeds_job(now: datetime) -> int:
    """Fixes the seed of every lottery whose applications closed (idempotent)."""
    due = db.session.scalars(
        select(Programme)
        .join(Activity, Activity.id == Programme.activity_id)
        .where(
            Activity.allocation == Allocation.LOTTERY,
            Activity.closes_at <= now,
            Programme.draw_seed.is_(None),
        )
        .order_by(Programme.id)
    )
    return sum(seal_seed(programme, now) for programme in due)


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


def run_draw(programme: Programme, *, by: User, now: datetime) -> dict:
    """Draws every slot with the programme's sealed seed, confirms the winners,
    waitlists the rest in draw order and notifies every household. Returns the
    report (also kept on the programme).

    Raises DrawNotAllowed before the window closed or when already drawn, and
    SeedJustPublished (after fixing the seed; the caller commits it) when no
    commitment to the seed was public before this call.
    """
    activity = programme.activity
    if activity.allocation != Allocation.LOTTERY:
        raise DrawNotAllowed(_l("This programme does not use a lottery."))
    if activity.closes_at is not None and now < activity.closes_at:
        raise DrawNotAllowed(_l("The draw can only run after applications close."))
    if programme.draw_seed is None:
        # No commitment was public before this request (the window has no end, or
        # nobody looked since the close): a seed used in the request that fixes it
        # was never published. Fix and publish it now; the draw is the next press.
        _draw_seed(programme, now)
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
    inputs = _draw_inputs(programme)
    plans = plan_from_inputs(seed, inputs)
    applications = {
        (a.session_id, a.person_id): a
        for a in db.session.scalars(
            select(LotteryApplication).where(
                LotteryApplication.programme_id == programme.id,
                LotteryApplication.status == ApplicationStatus.APPLIED,
            )
        )
    }
    report_slots = {}
    for slot_id, plan in sorted(plans.items()):
        session = db.session.get(Session, slot_id)
        target = Target(activity, session)
        winners = {p for u in plan.winners for p in u.person_ids}
        confirmed = waitlisted = 0
        for rank, person_id in enumerate(plan.order, start=1):
            application = applications[(slot_id, person_id)]
            application.draw_rank = rank
            person = application.person
            if live_booking(person, target) is not None:
                application.status = ApplicationStatus.SKIPPED
                continue
            won = person_id in winners and claim_seat(target)
            booking = insert_booking(
                person, target, confirmed=won, channel=Channel.DESK, by=by, now=now
            )
            application.booking_id = booking.id
            application.status = ApplicationStatus.WON if won else ApplicationStatus.WAITLISTED
            if won:
                confirmed += 1
            else:
                waitlisted += 1
            notify_household("lottery_won" if won else "lottery_waitlisted", booking, now)
        report_slots[str(slot_id)] = {
            "starts_at": session.starts_at.isoformat(),
            "seats": inputs["slots"][str(slot_id)]["seats"],
            "applicants": len(plan.order),
            "confirmed": confirmed,
            "waitlisted": waitlisted,
            "priority_won": sum(u.size for u in plan.winners if u.priority),
            "newcomers_won": sum(u.size for u in plan.winners if u.newcomer),
            "order": plan.order,
        }
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


def household_applications(programme: Programme, household_id: int) -> list[LotteryApplication]:
    return list(
        db.session.scalars(
            select(LotteryApplication)
            .join(Session, LotteryApplication.session_id == Session.id)
            .where(
                LotteryApplication.programme_id == programme.id,
                LotteryApplication.household_id == household_id,
            )
            .order_by(Session.starts_at, LotteryApplication.person_id)
        )
    )
