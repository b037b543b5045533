"""Holiday childcare (暑托班/寒托班) and the after-school club (四点半课堂).

A programme is an activity whose sessions are day slots. Staff create it and the
slots are generated; parents book several children onto several days in one
submission. The programme's own rules (grade, day limit, whole weeks, the lottery)
are checked here, and every (child, slot) pair then takes its seat through
`booking.place_booking`, so capacity, the waitlist and the seat invariant live in
one place. A class page, the kiosk and the desk reach a programme day through
`booking.book`, which hands it to `book_day` here: the same rules for all of them.
Pairs that must be decided together (siblings booked "together", a Monday–Friday
block) are booked inside one SAVEPOINT: if some of them would be confirmed and
others would wait, the savepoint is rolled back and all of them join the waiting
list together.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, time

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from app.extensions import db
from app.models import (
    LIVE_STATUSES,
    Activity,
    ActivityStatus,
    Allocation,
    ApplicationStatus,
    Audience,
    Booking,
    BookingStatus,
    EnrolmentUnit,
    LotteryApplication,
    Person,
    Programme,
    ProgrammeKind,
    ProgrammeSlot,
    Session,
    SessionStatus,
    SlotKind,
    User,
)
from app.services import audit
from app.services.booking import cancel_booking, place_booking, waitlist_position
from app.services.errors import BookingError, NotBookable, NotEligible
from app.services.notifications import notify_household
from app.services.schedule import add_session, check_span, create_activity, weekly_dates
from app.services.targets import Target
from app.timeutil import from_local, local_date, local_day_bounds

SLOT_LABELS = {
    SlotKind.FULL: _l("Full day"),
    SlotKind.MORNING: _l("Morning"),
    SlotKind.AFTERNOON: _l("Afternoon"),
}


class LimitReached(NotEligible):
    code = "limit_reached"


class WholeWeekNeeded(NotEligible):
    code = "whole_week"


def school_grade(birth_date: date | None, day: date) -> int | None:
    """The school grade (1 = first year of primary) a child is in on `day`.

    Children start school in the September after they turn 6 (cut-off 31 August);
    the summer holiday still counts as the school year just finished.
    """
    if birth_date is None:
        return None
    school_year = day.year if day.month >= 9 else day.year - 1
    age_at_cutoff = school_year - birth_date.year - ((birth_date.month, birth_date.day) > (8, 31))
    return age_at_cutoff - 5


def grade_label(programme: Programme) -> str:
    low, high = programme.min_grade, programme.max_grade
    if low is not None and high is not None:
        return f"{low}–{high}"
    if low is not None:
        return f"{low}+"
    if high is not None:
        return f"1–{high}"
    return ""


def check_grade(programme: Programme, person: Person, day: date) -> None:
    """Raises NotEligible when the child's school grade is outside the programme's."""
    if programme.min_grade is None and programme.max_grade is None:
        return
    grade = school_grade(person.birth_date, day)
    if grade is None:
        raise NotEligible(
            _l(
                "We need %(name)s's date of birth first. Please ask at the front desk.",
                name=person.name,
            )
        )
    if (programme.min_grade is not None and grade < programme.min_grade) or (
        programme.max_grade is not None and grade > programme.max_grade
    ):
        raise NotEligible(
            _l(
                "%(name)s's school grade does not fit: this is for grades %(range)s.",
                name=person.name,
                range=grade_label(programme),
            )
        )


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
    if member_ids:
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
        seats = _target(programme, session).seats_left()
        days.setdefault(slot.day, []).append(
            SlotView(slot, session, seats, queues.get(session.id, 0), states.get(session.id, {}))
        )
    return [DayView(day, views) for day, views in days.items()]


def eligible_children(members: list[Person], programme: Programme, today: date) -> list[Person]:
    """The household's children: everyone under 18 (the rules decide the rest)."""
    return [m for m in members if m.is_child_on(today)]


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


# --- booking several children onto several days ---------------------------------


@dataclass
class Outcome:
    """What happened to one (child, slot) of a submission."""

    person: Person
    session: Session | None
    status: str  # confirmed / waitlisted / applied / refused
    position: int | None = None
    message: str | None = None
    booking: Booking | None = None
    refusal: BookingError | None = None

    @property
    def sort_key(self):
        start = self.session.starts_at if self.session is not None else datetime.min
        return (start, self.person.id)


def refused_outcome(person: Person, session: Session | None, refusal: BookingError) -> Outcome:
    """A refused pair: the message for people and the refusal itself (which
    `book_day` raises again for the one-pair callers)."""
    return Outcome(person, session, "refused", message=str(refusal), refusal=refusal)


def lock_people(people: Iterable[Person]) -> None:
    """Serialises submissions for the same children (PostgreSQL row locks, taken in
    id order; SQLite's write transaction already serialises everything), so a
    per-child limit cannot be passed by two submissions at once."""
    ids = sorted({p.id for p in people})
    if ids:
        db.session.execute(select(Person.id).where(Person.id.in_(ids)).with_for_update())


def lock_sessions(sessions: Iterable[Session]) -> None:
    """Locks the slots in id order before any seat is claimed, so two submissions
    whose slots overlap cannot deadlock on PostgreSQL."""
    ids = sorted({s.id for s in sessions})
    if ids:
        db.session.execute(
            select(Session.id).where(Session.id.in_(ids)).order_by(Session.id).with_for_update()
        )


def programme_of(session: Session) -> Programme | None:
    return db.session.scalar(
        select(Programme).join(ProgrammeSlot).where(ProgrammeSlot.session_id == session.id)
    )


def live_days(programme: Programme, person: Person) -> int:
    """How many live bookings the child holds on the programme's slots."""
    return db.session.scalar(
        select(func.count(Booking.id)).where(
            Booking.activity_id == programme.activity_id,
            Booking.person_id == person.id,
            Booking.status.in_(LIVE_STATUSES),
        )
    )


def check_day_limit(
    programme: Programme, person: Person, counted: dict[int, int], used_before
) -> None:
    """Raises LimitReached when the child already holds the programme's per-child
    number of days. `counted` keeps each child's count within one submission
    (read once with `used_before`); the caller adds the day it then takes."""
    if programme.per_child_limit is None:
        return
    if person.id not in counted:
        counted[person.id] = used_before(programme, person)
    if counted[person.id] >= programme.per_child_limit:
        raise LimitReached(
            _l(
                "%(name)s has reached the limit of %(limit)s days for this programme.",
                name=person.name,
                limit=programme.per_child_limit,
            )
        )


def _check_pairs(
    programme: Programme,
    pairs: list[tuple[Person, Session]],
    counted: dict[int, int],
    used_before,
) -> tuple[list[tuple[Person, Session]], list[Outcome]]:
    """Checks what can be decided before any seat is touched: the slot belongs to
    the programme, the child's grade, the per-child limit, whole weeks."""
    accepted, refused = [], []
    slot_of = {s.session_id: s for s in programme.slots}
    for person, session in pairs:
        slot = slot_of.get(session.id)
        try:
            if slot is None:
                raise NotBookable()
            check_grade(programme, person, slot.day)
            check_day_limit(programme, person, counted, used_before)
            if programme.per_child_limit is not None:
                counted[person.id] += 1
        except BookingError as refusal:
            refused.append(refused_outcome(person, session, refusal))
            continue
        accepted.append((person, session))
    return accepted, refused


def _week_blocks(
    programme: Programme, pairs: list[tuple[Person, Session]], now: datetime
) -> tuple[dict, list[Outcome]]:
    """Groups a child's chosen slots by (week, slot kind); each group must hold every
    bookable slot of that kind in that week."""
    slot_of = {s.session_id: s for s in programme.slots}
    bookable = defaultdict(set)
    for slot in programme.slots:
        if slot.session.status == SessionStatus.SCHEDULED and slot.session.starts_at > now:
            bookable[(slot.day.isocalendar()[:2], slot.kind)].add(slot.session_id)
    groups = defaultdict(list)
    for person, session in pairs:
        slot = slot_of[session.id]
        groups[(person.id, slot.day.isocalendar()[:2], slot.kind)].append((person, session))
    blocks, refused = {}, []
    for (person_id, week, kind), members in groups.items():
        if {s.id for _, s in members} != bookable[(week, kind)]:
            refusal = WholeWeekNeeded(
                _l("This programme is booked by whole weeks. Please tick every day of the week.")
            )
            refused.extend(refused_outcome(p, s, refusal) for p, s in members)
            continue
        blocks[(person_id, week, kind)] = members
    return blocks, refused


def _units(programme: Programme, pairs, *, together: bool, now: datetime):
    """Splits a submission into units decided as one: a single (child, slot); all
    children of a household on one slot when booked together; a child's whole
    week with weekly blocks (and all the household's children's weeks if together)."""
    refused: list[Outcome] = []
    if programme.weekly_blocks and not programme.is_afterschool:
        blocks, refused = _week_blocks(programme, pairs, now)
        units = defaultdict(list)
        for (person_id, week, kind), members in blocks.items():
            person = members[0][0]
            key = (person.household_id, week, kind) if together else (person_id, week, kind)
            units[key].extend(members)
    else:
        units = defaultdict(list)
        for person, session in pairs:
            key = (person.household_id, session.id) if together else (person.id, session.id)
            units[key].append((person, session))
    ordered = sorted(units.values(), key=lambda unit: min((s.starts_at, s.id) for _, s in unit))
    return [
        sorted(u, key=lambda pair: (pair[1].starts_at, pair[1].id, pair[0].id)) for u in ordered
    ], refused


def _target(programme: Programme, session: Session) -> Target:
    return Target(programme.activity, None if programme.is_afterschool else session)


def _decide_unit(programme, unit, *, by, channel, now) -> list[Outcome]:
    """Books every pair of a unit; all confirmed, or all waitlisted together."""
    outcomes: list[Outcome] = []
    pending = list(unit)
    waitlist_only = False
    while pending:
        savepoint = db.session.begin_nested()
        booked: list[tuple[Person, Session, Booking]] = []
        failed = None
        for person, session in pending:
            try:
                booking = place_booking(
                    person,
                    _target(programme, session),
                    by=by,
                    channel=channel,
                    now=now,
                    waitlist_only=waitlist_only,
                )
            except BookingError as refusal:
                failed = (person, session, refusal)
                break
            booked.append((person, session, booking))
        if failed is not None:
            # One pair said no: the others are decided again without it.
            savepoint.rollback()
            person, session, refusal = failed
            outcomes.append(refused_outcome(person, session, refusal))
            pending.remove((person, session))
            continue
        statuses = {b.status for _, _, b in booked}
        if len(statuses) > 1 and not waitlist_only:
            savepoint.rollback()
            waitlist_only = True
            continue
        savepoint.commit()
        for person, session, booking in booked:
            outcomes.append(
                Outcome(
                    person,
                    session,
                    booking.status,
                    position=waitlist_position(booking),
                    booking=booking,
                )
            )
        break
    return outcomes


def book_days(
    programme: Programme,
    pairs: list[tuple[Person, Session]],
    *,
    together: bool = False,
    by: User,
    channel: str,
    now: datetime,
) -> list[Outcome]:
    """Books each (child, slot) on its own and returns one outcome per pair:
    confirmed, waitlisted (with position) or refused with the reason.

    Refusals are outcomes, not exceptions, so one full or ineligible day never
    spoils the rest of a submission.
    """
    lock_people(p for p, _ in pairs)
    if programme.is_afterschool:
        # A term enrolment: one booking per child whatever slot was ticked.
        seen, unique = set(), []
        for person, session in pairs:
            if person.id not in seen:
                seen.add(person.id)
                unique.append((person, session))
        pairs = unique
    else:
        lock_sessions(s for _, s in pairs)
    accepted, outcomes = _check_pairs(programme, pairs, {}, live_days)
    units, refused = _units(programme, accepted, together=together, now=now)
    outcomes.extend(refused)
    for unit in units:
        outcomes.extend(_decide_unit(programme, unit, by=by, channel=channel, now=now))
    return sorted(outcomes, key=lambda o: o.sort_key)


def book_day(
    programme: Programme, person: Person, target: Target, *, by: User, channel: str, now: datetime
) -> Booking:
    """One child on one slot from a class page, the kiosk or the desk: exactly the
    rules of the programme page (grade, day limit, whole weeks, the lottery), as a
    submission of that one pair. An after-school term is booked with its next day.

    Raises the refusal the programme page would show for that pair."""
    if target.is_series_date:
        raise NotBookable(
            _l("The after-school club is booked for the whole term, on its programme page.")
        )
    session = target.session or _next_slot_session(programme, now)
    if session is None:
        raise NotBookable()
    (outcome,) = book_days(programme, [(person, session)], by=by, channel=channel, now=now)
    if outcome.refusal is not None:
        raise outcome.refusal
    return outcome.booking


def _next_slot_session(programme: Programme, now: datetime) -> Session | None:
    sessions = [slot.session for slot in programme.slots]
    coming = [s for s in sessions if s.status == SessionStatus.SCHEDULED and s.starts_at > now]
    return min(coming or sessions, key=lambda s: (s.starts_at, s.id), default=None)


def sessions_by_id(programme: Programme, ids: Iterable[int]) -> dict[int, Session]:
    wanted = set(ids)
    return {s.session_id: s.session for s in programme.slots if s.session_id in wanted}


def today_sessions(now: datetime, user: User) -> list[Session]:
    """Programme slots running today (centre time) that `user` may open at the door:
    staff see all, a teacher the ones of programmes they teach."""
    start, end = local_day_bounds(local_date(now))
    query = (
        select(Session)
        .join(ProgrammeSlot, ProgrammeSlot.session_id == Session.id)
        .join(Activity, Session.activity_id == Activity.id)
        .where(
            Session.starts_at >= start,
            Session.starts_at < end,
            Session.status == SessionStatus.SCHEDULED,
        )
        .order_by(Session.starts_at, Session.id)
    )
    if not user.is_staff:
        query = query.where(Activity.teacher_id == user.id)
    return list(db.session.scalars(query))
