"""One submission books many child-days, decided together: the per-child limit,
siblings together and whole weeks.

A holiday programme's submission locks its children, then its slots (reading the
seats free), and is decided in one pass (`claims.Decider`): a few statements
whatever the number of pairs. An after-school term, or a class counting households,
is decided pair by pair in savepoints (`_decide_unit`)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import datetime
from functools import cache

from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, bindparam, func, select

from app import database
from app.extensions import db
from app.models import (
    LIVE_STATUSES,
    Booking,
    BookingStatus,
    Person,
    Programme,
    Session,
    SessionStatus,
    User,
)
from app.services.booking.place import place_booking
from app.services.booking.seats import lock_sessions, seat_counts
from app.services.booking.targets import Target
from app.services.booking.waitlist import waitlist_position
from app.services.childcare.claims import Decider, read_children
from app.services.childcare.grades import check_grade
from app.services.childcare.outcomes import Outcome, Seen, Submitted, refused_outcome
from app.services.childcare.programmes import coming_slots
from app.services.refusals import (
    LimitReached,
    NotBookable,
    Refusal,
    WholeWeekNeeded,
)

__all__ = [
    "Outcome",
    "Submitted",
    "refused_outcome",
    "book_days",
    "submit_days",
    "book_day",
    "lock_people",
]

# --- booking several children onto several days ---------------------------------


@cache
def _lock_people_query() -> Select:
    return (
        select(Person.id)
        .where(Person.id.in_(bindparam("ids", expanding=True)))
        .order_by(Person.id)
        .with_for_update()
    )


def lock_people(people: Iterable[Person]) -> None:
    """Serialises submissions for the same children (PostgreSQL row locks, taken in
    id order before the slots'; SQLite's write transaction already serialises
    everything), so a per-child limit cannot be passed by two submissions at once."""
    ids = sorted({p.id for p in people})
    if ids and not database.reads_hold_the_write_lock(db.engine):
        db.session.execute(_lock_people_query(), {"ids": ids})


def live_days_of(people: Iterable[Person]):
    """`used_before` for `check_day_limit`: how many live bookings each child holds
    on the programme's slots, read for all of `people` in one query when first asked."""
    ids = sorted({p.id for p in people})
    counts: dict[int, int] | None = None

    def live_days(programme: Programme, person: Person) -> int:
        nonlocal counts
        if counts is None:
            counts = dict(
                db.session.execute(
                    select(Booking.person_id, func.count(Booking.id))
                    .where(
                        Booking.activity_id == programme.activity_id,
                        Booking.person_id.in_(ids),
                        Booking.status.in_(LIVE_STATUSES),
                    )
                    .group_by(Booking.person_id)
                ).all()
            )
        return counts.get(person.id, 0)

    return live_days


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
        except Refusal as refusal:
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


def slot_target(programme: Programme, session: Session) -> Target:
    return Target(programme.activity, None if programme.is_afterschool else session)


class _MixedStatuses(Exception):
    """Some of a unit confirmed and some waitlisted: undo, and waitlist them all."""


def _decide_unit(programme, unit, *, by, channel, now) -> list[Outcome]:
    """Books every pair of a unit; all confirmed, or all waitlisted together. For an
    after-school term or a class counting households; a holiday programme's units
    are decided in one pass by `claims.Decider`, with the same rules.

    Each try runs in a savepoint: leaving it by an exception (a pair refused, or mixed
    statuses) rolls back what the try booked, and the unit is decided again."""
    outcomes: list[Outcome] = []
    pending = list(unit)
    waitlist_only = False
    while pending:
        booked: list[tuple[Person, Session, Booking]] = []
        try:
            with db.session.begin_nested():
                for person, session in pending:
                    trying = (person, session)
                    booking = place_booking(
                        person,
                        slot_target(programme, session),
                        by=by,
                        channel=channel,
                        now=now,
                        waitlist_only=waitlist_only,
                    )
                    booked.append((person, session, booking))
                if len({b.status for _, _, b in booked}) > 1 and not waitlist_only:
                    raise _MixedStatuses()
        except Refusal as refusal:
            # One pair said no: the others are decided again without it.
            outcomes.append(refused_outcome(*trying, refusal))
            pending.remove(trying)
            continue
        except _MixedStatuses:
            waitlist_only = True
            continue
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


def decided_in_one_pass(programme: Programme) -> bool:
    """A holiday programme counting children is decided in one pass
    (`claims.Decider`); an after-school term, whose claim counts every date, or
    a class counting households, pair by pair (`_decide_unit`), by the same rules."""
    return not programme.is_afterschool and not programme.activity.counts_households


def book_days(
    programme: Programme, pairs: list[tuple[Person, Session]], **options
) -> list[Outcome]:
    """Books each (child, slot) on its own and returns one outcome per pair:
    confirmed, waitlisted (with position) or refused with the reason; `options` are
    `submit_days`'s (together, by, channel, now).

    Refusals are outcomes, not exceptions, so one full or ineligible day never
    spoils the rest of a submission.
    """
    return submit_days(programme, pairs, **options).outcomes


def submit_days(
    programme: Programme,
    pairs: list[tuple[Person, Session]],
    *,
    together: bool = False,
    by: User,
    channel: str,
    now: datetime,
    shown_to: list[Person] | None = None,
) -> Submitted:
    """`book_days`, and for the family's page: given the children its calendar shows
    (`shown_to`), a holiday programme's submission also returns what its transaction
    read and wrote about every coming slot (`Seen`), so that the answer draws the
    calendar without reading the seats, waiting lists and bookings again."""
    people = [p for p, _ in pairs]
    one_pass = decided_in_one_pass(programme)
    if not one_pass:
        lock_people(people)  # one pass: with the suspensions (`read_children`)
    if programme.is_afterschool:
        # A term enrolment: one booking per child whatever slot was ticked.
        seen, unique = set(), []
        for person, session in pairs:
            if person.id not in seen:
                seen.add(person.id)
                unique.append((person, session))
        pairs = unique
    shown = (
        [slot.session for slot in coming_slots(programme, now)]
        if one_pass and shown_to is not None
        else []
    )
    children = read_children(pairs, now, also=shown_to or (), shown=shown) if one_pass else None
    # What the seats do not decide, decided before the slots are locked.
    accepted, outcomes = _check_pairs(programme, pairs, {}, live_days_of(people))
    units, refused = _units(programme, accepted, together=together, now=now)
    outcomes.extend(refused)
    decider = Decider(programme, units, children=children, by=by, now=now) if one_pass else None
    if not programme.is_afterschool:
        lock_sessions(s for _, s in pairs)
    if decider is not None:
        # Read after the locks: what the submissions before this one left.
        seats = seat_counts([*(s for _, s in pairs), *shown], now)
        outcomes += decider.decide(seats=seats, channel=channel)
    else:
        for unit in units:
            outcomes += _decide_unit(programme, unit, by=by, channel=channel, now=now)
    outcomes.sort(key=lambda o: o.sort_key)
    if not shown:
        return Submitted(outcomes)
    return Submitted(outcomes, _seen(shown, seats, children, outcomes))


def _seen(shown: list[Session], seats, children, outcomes: list[Outcome]) -> Seen:
    """The waiting lists and the children's bookings on the `shown` slots after this
    submission: as read under the locks, plus what it wrote."""
    ids = {s.id for s in shown}
    queues = {session_id: seats[session_id].queue for session_id in ids}
    held: dict[int, dict[int, str]] = defaultdict(dict)
    for person_id, rows in children.around.items():
        for booking, session in rows:
            if booking.session_id == session.id and session.id in ids:
                held[session.id][person_id] = booking.status
    for o in outcomes:
        if o.booking is not None and o.session is not None and o.session.id in ids:
            held[o.session.id][o.person.id] = o.booking.status
            if o.booking.status == BookingStatus.WAITLISTED:
                queues[o.session.id] += 1
    return Seen(queues, dict(held))


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
