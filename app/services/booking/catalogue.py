"""What residents see of the timetable: the class list week by week up to the
booking horizon, the coming events, each class's card, and THE seats left of a
session (`seats_left`)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import cache

from sqlalchemy import Select, and_, func, select
from sqlalchemy.orm import selectinload

from app.extensions import db
from app.models import (
    LIVE_STATUSES,
    Activity,
    ActivityStatus,
    Audience,
    Booking,
    BookingStatus,
    Person,
    Session,
    SessionStatus,
    User,
)
from app.models.people import acts_for_ids
from app.services.booking import history, horizon
from app.services.booking.targets import (
    Target,
    bookings_on_target,
    date_seats_left,
    series_date_capacities,
)
from app.services.booking.terms import TermPattern, term_patterns
from app.services.booking.waitlist import queue_figures, waitlist_positions
from app.services.people.links import acts_for_query
from app.timeutil import local_date, local_day_bounds

AUDIENCE_FILTERS = {
    "elder": (Audience.ELDER, Audience.ALL),
    "child": (Audience.CHILD, Audience.ALL),
    "family": (Audience.FAMILY,),
}


@dataclass
class Filters:
    category: str | None = None
    audience: str | None = None
    weekday: int | None = None  # ISO weekday, 1 = Monday, in the centre's zone
    free_only: bool = False


@dataclass
class Entry:
    activity: Activity
    session: Session
    seats_left: int
    waitlist_length: int
    # A term class is one entry, at its soonest session listed: its weekly pattern,
    # and its dates listed (for booking one date alone).
    term: TermPattern | None = None
    term_dates: list[Session] = field(default_factory=list)

    @property
    def is_full(self) -> bool:
        return self.seats_left <= 0


def _waitlist_lengths(keys: set[tuple[int, int | None]]) -> dict[tuple[int, int | None], int]:
    """Queue lengths of the shown targets only: of the sessions by `session_id`, of
    the terms by `activity_id` with no session (each half an index seek)."""
    session_ids = {s for _, s in keys if s is not None}
    term_ids = {a for a, s in keys if s is None}
    halves = []
    if session_ids:
        halves.append(Booking.session_id.in_(session_ids))
    if term_ids:
        halves.append(and_(Booking.activity_id.in_(term_ids), Booking.session_id.is_(None)))
    lengths = {}
    for half in halves:
        rows = db.session.execute(
            select(Booking.activity_id, Booking.session_id, func.count(Booking.id))
            .where(half, Booking.status == BookingStatus.WAITLISTED)
            .group_by(Booking.activity_id, Booking.session_id)
        )
        lengths.update({(a, s): n for a, s, n in rows})
    return lengths


def seats_left(session: Session) -> int:
    """THE seats left of one session, as every page that lists sessions shows them
    (class list, class page's dates, kiosk lists, lobby display, desk): the seats
    anyone may still take on that date. For a date of a term class that is the
    room less the term's enrolments and that day's drop-ins, plus enrolled people
    on leave that day (`Target.seats_left` of the date, what a drop-in may claim);
    the term itself is the class page's "whole term" card."""
    return seats_left_of([session])[session.id]


def seats_left_of(sessions: list[Session]) -> dict[int, int]:
    """`seats_left` of each session (by id): one statement for the dates of term
    classes among them, however many, and none for the others."""
    dates = series_date_capacities([s for s in sessions if s.activity.is_series])
    return {
        s.id: date_seats_left(s, dates[s.id]) if s.id in dates else max(s.capacity - s.taken, 0)
        for s in sessions
    }


def date_entries(dates: list[Session]) -> list[Entry]:
    """Dates of term classes, each as an entry of its own (booked alone) with that
    date's seats and, when full, its queue: two statements however many."""
    seats = seats_left_of(dates)
    lengths = _waitlist_lengths({(s.activity_id, s.id) for s in dates if seats[s.id] <= 0})
    return [Entry(s.activity, s, seats[s.id], lengths.get((s.activity_id, s.id), 0)) for s in dates]


def week_entries(
    now: datetime, filters: Filters, days: int = 7, week: int = 0, *, whole_terms: bool = True
) -> list[Entry]:
    """Sessions for `days` days from the first day of week `week` (0: from today,
    centre time), never beyond the booking horizon, with seats and queue lengths.
    `whole_terms`: a term class as one entry for booking it (`one_entry_per_term`);
    without, each of its dates with that date's seats (the lobby's today)."""
    start, _ = local_day_bounds(horizon.week_start(now, week))
    end = min(start + timedelta(days=days), horizon.horizon_end(now))
    query = (
        select(Session)
        .join(Activity)
        .options(
            selectinload(Session.activity).selectinload(Activity.teacher).selectinload(User.person)
        )
        .where(
            Activity.status == ActivityStatus.PUBLISHED,
            Session.status == SessionStatus.SCHEDULED,
            Session.ends_at > now,
            Session.starts_at >= start,
            Session.starts_at < end,
        )
        .order_by(Session.starts_at, Activity.title)
    )
    if filters.category:
        query = query.where(Activity.category == filters.category)
    if filters.audience in AUDIENCE_FILTERS:
        query = query.where(Activity.audience.in_(AUDIENCE_FILTERS[filters.audience]))
    sessions = list(db.session.scalars(query))
    if filters.weekday:
        sessions = [s for s in sessions if local_date(s.starts_at).isoweekday() == filters.weekday]
    keys = {(s.activity_id, None if s.activity.is_series else s.id) for s in sessions}
    queues = _waitlist_lengths(keys)
    seats = seats_left_of(sessions)
    entries = []
    for s in sessions:
        key = (s.activity_id, None if s.activity.is_series else s.id)
        entry = Entry(s.activity, s, seats[s.id], queues.get(key, 0))
        if filters.free_only and entry.is_full:
            continue
        entries.append(entry)
    return one_entry_per_term(entries, now) if whole_terms else entries


def one_entry_per_term(entries: list[Entry], now: datetime) -> list[Entry]:
    """A term class is booked as a whole: listed once, at its soonest session, with
    its weekly pattern ("整学期 · 每周二 09:00 · 共 12 次") and its dates listed."""
    patterns = term_patterns({e.activity.id for e in entries if e.activity.is_series}, now)
    firsts: dict[int, Entry] = {}
    kept = []
    for entry in entries:
        if not entry.activity.is_series:
            kept.append(entry)
            continue
        first = firsts.setdefault(entry.activity.id, entry)
        first.term_dates.append(entry.session)
        if first is entry:
            entry.term = patterns.get(entry.activity.id)
            # The entry books the whole term: it shows the term's places, not one
            # date's (a date's own seats are on its date entries and the class page).
            entry.seats_left = Target(entry.activity, None).seats_left()
            kept.append(entry)
    return kept


def coming_events(now: datetime) -> list[Entry]:
    """Every published event (category "event") from now to the booking horizon."""
    return week_entries(now, Filters(category="event"), days=horizon.horizon_days())


@dataclass
class MemberState:
    person: Person
    booking: Booking | None
    position: int | None


@dataclass
class Card:
    """One bookable thing (a session, or a whole series) as the viewer sees it."""

    target: Target
    seats_left: int
    waitlist_length: int
    members: list[MemberState] = field(default_factory=list)
    message: str | None = None
    message_kind: str = "info"

    @property
    def dom_id(self) -> str:
        if self.target.session is not None:
            return f"card-session-{self.target.session.id}"
        return f"card-series-{self.target.activity.id}"

    def position_of(self, booking: Booking) -> int | None:
        """The booking's place in the queue, if it is one of the card's."""
        return next((m.position for m in self.members if m.booking is booking), None)

    @property
    def bookable_members(self) -> list[Person]:
        return [m.person for m in self.members if m.booking is None]


def card_for(target: Target, viewer: User | None) -> Card:
    """The card as `viewer` sees it: with the people they book for and their
    bookings on this target, loaded in one query."""
    return card_with(target, members_with_bookings(viewer, target) if viewer else [])


def card_with(target: Target, members: list[tuple[Person, Booking | None]]) -> Card:
    """The card, given the viewer's people and their live bookings on the target."""
    waiting = [b for _, b in members if b is not None and b.status == BookingStatus.WAITLISTED]
    # First, as it also reads a seat count that a claim on a full class left unread.
    figures = queue_figures(target, waiting) if waiting else None
    seats = target.seats_left()
    if figures is None and seats <= 0:
        figures = queue_figures(target, [])
    length, positions = figures or (0, {})
    # The card shows the queue only when full; while seats are free nobody waits.
    card = Card(target, seats, length if seats <= 0 else 0)
    for person, booking in members:
        position = positions.get(booking.id) if booking is not None else None
        card.members.append(MemberState(person, booking, position))
    return card


def members_with_bookings(viewer: User, target: Target) -> list[tuple[Person, Booking | None]]:
    """Everyone the viewer books for, each with their live booking on the target
    (at most one: a unique index sees to it), in one query."""
    params = {**viewer.actor_params(), **target.bookings_params()}
    query = _members_query(series=target.session is None)
    return [(person, booking) for person, booking in db.session.execute(query, params)]


def with_new_booking(
    members: list[tuple[Person, Booking | None]], booking: Booking
) -> list[tuple[Person, Booking | None]]:
    """`members` as read before `booking` was made."""
    return [(p, booking if p.id == booking.person_id else b) for p, b in members]


@cache
def _members_query(series: bool) -> Select:
    live = and_(
        Booking.person_id == Person.id,
        bookings_on_target(series),
        Booking.status.in_(LIVE_STATUSES),
    )
    return acts_for_query().add_columns(Booking).outerjoin(Booking, live)


def date_cards(
    term: Card, viewer: User | None, now: datetime, coming: list[Session] | None = None
) -> list[Card]:
    """A term class's coming dates, each on its own card (booked alone: a seat freed
    by leave, or that date's waiting list). Offered while the term is full, to the
    viewer's people who hold no place for the term; otherwise only the dates where
    one of them already has a booking."""
    activity = term.target.activity
    holders = {
        m.person.id
        for m in term.members
        if m.booking is not None and m.booking.status != BookingStatus.WAITLISTED
    }
    cards = []
    if coming is None:  # `upcoming_sessions`, when the caller has read them already
        coming = upcoming_sessions(activity, now)
    dates = [s for s in coming if s.starts_at > now]
    for card in cards_of_dates(activity, dates, viewer):
        card.members = [m for m in card.members if m.booking or m.person.id not in holders]
        if term.seats_left <= 0 or any(m.booking for m in card.members):
            cards.append(card)
    return cards


def cards_of_dates(activity: Activity, dates: list[Session], viewer: User | None) -> list[Card]:
    """`card_for` of each date of a term class, or each session of a class booked
    session by session, in five statements however many."""
    members = _members_of_dates(viewer, dates)
    positions = waitlist_positions([b for pairs in members.values() for _, b in pairs if b])
    cards = []
    for date in date_entries(dates):
        card = Card(Target(activity, date.session), date.seats_left, date.waitlist_length)
        card.members = [
            MemberState(person, booking, positions.get(booking.id) if booking else None)
            for person, booking in members[date.session.id]
        ]
        cards.append(card)
    return cards


def _members_of_dates(
    viewer: User | None, dates: list[Session]
) -> dict[int, list[tuple[Person, Booking | None]]]:
    """`members_with_bookings` of each date (by id): the viewer's people, each with
    their live booking of that date."""
    if viewer is None or not dates:
        return {s.id: [] for s in dates}
    people = list(db.session.scalars(acts_for_query(), viewer.actor_params()))
    bookings = db.session.scalars(
        select(Booking).where(
            Booking.person_id.in_([p.id for p in people]),
            Booking.session_id.in_([s.id for s in dates]),
            Booking.status.in_(LIVE_STATUSES),
        )
    )
    held = {(b.session_id, b.person_id): b for b in bookings}
    return {s.id: [(p, held.get((s.id, p.id))) for p in people] for s in dates}


def upcoming_sessions(activity: Activity, now: datetime, limit: int = 12) -> list[Session]:
    """The class's coming sessions that residents see: within the booking horizon."""
    return list(
        db.session.scalars(
            select(Session)
            .where(
                Session.activity_id == activity.id,
                Session.status == SessionStatus.SCHEDULED,
                Session.ends_at > now,
                *(
                    [Session.starts_at < horizon.horizon_end(now)]
                    if horizon.bound_by_horizon(activity)
                    else []
                ),
            )
            .order_by(Session.starts_at)
            .limit(limit)
        )
    )


def household_bookings(user: User, now: datetime) -> list[tuple[Booking, int | None]]:
    """The live bookings, not over yet, of the household and of people linked to
    the user (代办), soonest first, with waitlist positions."""
    bookings = history.coming(household_owner(), user.actor_params(), now)
    positions = waitlist_positions(bookings)
    return [(booking, positions.get(booking.id)) for booking in bookings]


def household_owner():
    """SQL condition: a booking of someone `user` books for as a resident (their
    household, confirmed 代办 links), with `User.actor_params()`."""
    return Booking.person_id.in_(acts_for_ids())
