"""Placing a booking: the checks, the claim and the row."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from functools import cache

from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, and_, bindparam, insert, inspect, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import make_transient_to_detached
from sqlalchemy.orm.attributes import set_committed_value

from app.extensions import db
from app.models import (
    LIVE_STATUSES,
    Activity,
    Booking,
    BookingStatus,
    Channel,
    Person,
    Programme,
    Session,
    SessionStatus,
    Suspension,
    User,
)
from app.models.people import acts_for_clause
from app.services.booking import eligibility, horizon
from app.services.booking.seats import claim_seat, needs_seat
from app.services.booking.targets import (
    Target,
    covers_session,
)
from app.services.refusals import (
    AlreadyBooked,
    Conflict,
    Full,
)


def live_booking(person: Person, target: Target) -> Booking | None:
    return db.session.scalar(
        select(Booking).where(
            Booking.person_id == person.id,
            target.bookings_clause(),
            Booking.status.in_(LIVE_STATUSES),
        )
    )


# The hot path's statements are built once, with bind parameters: building an ORM
# statement costs more CPU than sending it to the database and reading the answer.


@cache
def _around_query() -> Select:
    return (
        select(Booking, Session)
        .join(Session, covers_session())
        .where(
            Booking.person_id == bindparam("person_id"),
            Booking.status.in_(LIVE_STATUSES),
            Session.status == SessionStatus.SCHEDULED,
            Session.starts_at < bindparam("hi"),
            Session.ends_at > bindparam("lo"),
        )
    )


@cache
def _around_many_query() -> Select:
    return (
        select(Booking, Session)
        .join(Session, covers_session())
        .where(
            Booking.person_id.in_(bindparam("person_ids", expanding=True)),
            Booking.status.in_(LIVE_STATUSES),
            Session.status == SessionStatus.SCHEDULED,
            Session.starts_at < bindparam("hi"),
            Session.ends_at > bindparam("lo"),
        )
    )


def live_bookings_around(
    person_ids: Iterable[int], lo: datetime, hi: datetime
) -> dict[int, list[tuple[Booking, Session]]]:
    """`_bookings_around` for many people in one query: by person, their live
    bookings with each scheduled session they cover between `lo` and `hi`, for
    `same_and_clash` to read per target."""
    ids = sorted(set(person_ids))
    found: dict[int, list[tuple[Booking, Session]]] = {i: [] for i in ids}
    if ids:
        params = {"person_ids": ids, "lo": lo, "hi": hi}
        for booking, session in db.session.execute(_around_many_query(), params):
            found[booking.person_id].append((booking, session))
    return found


def _bookings_around(person: Person, target: Target) -> tuple[Booking | None, Booking | None]:
    """In one query: the person's live booking on this target, and another live
    booking of theirs whose sessions overlap the target's."""
    intervals = [(s.starts_at, s.ends_at) for s in target.sessions()]
    if not intervals:
        return live_booking(person, target), None
    lo = min(start for start, _ in intervals)
    hi = max(end for _, end in intervals)
    rows = db.session.execute(_around_query(), {"person_id": person.id, "lo": lo, "hi": hi})
    return same_and_clash(rows, target, intervals)


def same_and_clash(
    rows: Iterable[tuple[Booking, Session]], target: Target, intervals: list
) -> tuple[Booking | None, Booking | None]:
    """Of a person's live bookings with the sessions they cover (scheduled, around
    the target): the one on this very target, and the first other one whose session
    overlaps one of the target's `intervals` (start, end)."""
    same = clash = None
    for booking, session in rows:
        same_target = (
            booking.session_id == target.session.id
            if target.session is not None
            else booking.session_id is None and booking.activity_id == target.activity.id
        )
        if _holds_the_date(booking, target):
            same = booking
        elif same_target:
            same = same or booking
        elif target.activity.is_series and booking.activity_id == target.activity.id:
            # The same class: a place on its term's (or a date's) waiting list, or
            # a single date of a term being enrolled for, is no clash with itself.
            continue
        elif clash is None and any(
            session.starts_at < end and session.ends_at > start for start, end in intervals
        ):
            clash = booking
    return same, clash


def _holds_the_date(booking: Booking, target: Target) -> bool:
    """A term enrolment holding (or offered) a seat already covers each of its dates:
    booking one of them on its own is "already booked"."""
    return (
        target.is_series_date
        and booking.session_id is None
        and booking.activity_id == target.activity.id
        and booking.status != BookingStatus.WAITLISTED
    )


def overlapping_booking(person: Person, target: Target) -> Booking | None:
    """Another live booking of the person whose sessions overlap the target's, or
    their term enrolment that already holds this date of the term (promotion
    skips them: they would hold two seats on one date)."""
    same, clash = _bookings_around(person, target)
    if same is not None and _holds_the_date(same, target):
        return same
    return clash


@cache
def _subjects_query(with_session: bool, staff: bool) -> Select:
    query = (
        select(Activity, Person, Suspension, Programme)
        .select_from(Activity)
        # Only a person the actor may act for: anyone else is "does not exist".
        .join(Person, and_(Person.id == bindparam("person_id"), acts_for_clause(staff)))
        .outerjoin(
            Suspension,
            and_(
                Suspension.person_id == Person.id,
                eligibility.suspension_in_force(bindparam("now")),
            ),
        )
        # Whether the class is a childcare programme's, read with it: ordinary
        # classes pay no extra statement for the programme rule.
        .outerjoin(Programme, Programme.activity_id == Activity.id)
        .where(Activity.id == bindparam("activity_id"))
        .order_by(Suspension.ends_at.desc())
        .limit(1)
    )
    if with_session:
        query = query.add_columns(Session).join(Session, Session.id == bindparam("session_id"))
    return query


@dataclass(frozen=True)
class Subjects:
    """What a booking form names by id, with the person's active suspension."""

    activity: Activity
    session: Session | None
    person: Person
    suspension: Suspension | None


def load_subjects(
    activity_id: int, session_id: int | None, person_id: int, now: datetime, *, by: User
) -> Subjects | None:
    """The activity (with its programme, if any), the session (when one is named),
    the person and any suspension in force, in one query: the booking request is
    the busiest write there is. None when a named row does not exist, or the
    person is one `by` may not act for (the same answer, so ids of other
    households tell nothing)."""
    params = {
        "activity_id": activity_id,
        "person_id": person_id,
        "now": now,
        **by.actor_params(),
    }
    if session_id is not None:
        params["session_id"] = session_id
    query = _subjects_query(session_id is not None, by.is_staff)
    row = db.session.execute(query, params).first()
    if row is None:
        return None
    activity = row[0]
    if "programme" in inspect(activity).unloaded:
        set_committed_value(activity, "programme", row[3])
    session = row[4] if session_id is not None else None
    return Subjects(activity, session, row[1], row[2])


def channel_for(user: User) -> str:
    """Staff book at the desk; everyone else books online (or at the kiosk, which
    says so itself). A phone call to the desk is the desk's own choice."""
    return Channel.DESK if user.is_staff else Channel.ONLINE


def holds_no_lock(booking: Booking, target: Target) -> bool:
    """On a database server: the transaction that just made `booking` locks no row
    that other bookings wait for, so reads may still run before its commit. A
    waitlisting claimed no seat; a term class's claim locks its activity row anyway."""
    return booking.status == BookingStatus.WAITLISTED and not target.activity.is_series


def place_booking(
    person: Person,
    target: Target,
    *,
    by: User,
    channel: str,
    now: datetime,
    waitlist_only: bool = False,
    suspension: Suspension | None | object = eligibility.LOOK_UP,
) -> Booking:
    """`book` without the programme rule: the checks every class has, then the seat.
    Only a programme's own booking (app/services/childcare/submissions.py) calls it directly,
    once its rules are applied. `waitlist_only`: waitlisted even when a seat is free,
    for a family that waits together. Raises what `book` raises."""
    eligibility.check_actor(by, person)
    eligibility.check_not_suspended(person, by, now, suspension)
    eligibility.check_bookable(target, now)
    eligibility.check_window(target, by, now, person)
    horizon.check_horizon(target, by, now)
    check_free_to_book(person, target, now)
    if waitlist_only:
        confirmed = False
    else:
        confirmed = claim_seat(target, now) if needs_seat(target, person.household_id) else True
    if not confirmed and not target.activity.waitlist_enabled:
        raise Full()
    return insert_booking(person, target, confirmed=confirmed, channel=channel, by=by, now=now)


def check_free_to_book(person: Person, target: Target, now: datetime) -> None:
    """The person's side of booking: age and audience, not booked already, free at
    that time. Raises NotEligible, AlreadyBooked or Conflict."""
    eligibility.check_person(person, target, now)
    same, clash = _bookings_around(person, target)
    if same is not None:
        raise AlreadyBooked()
    if clash is not None:
        raise clash_refusal(person, clash.activity)


def clash_refusal(person: Person, busy_with: Activity) -> Conflict:
    """The refusal for a person already booked on `busy_with` at that time."""
    return Conflict(
        _l(
            "%(name)s already has %(title)s at that time.",
            name=person.name,
            title=busy_with.title,
        )
    )


def insert_booking(
    person: Person, target: Target, *, confirmed: bool, channel: str, by: User, now: datetime
) -> Booking:
    """Writes the booking row once its seat (if confirmed) is claimed. Raises
    AlreadyBooked when a second live booking was made at the same moment."""
    booking = Booking(
        **booking_values(person, target, confirmed=confirmed, channel=channel, by=by, now=now)
    )
    db.session.add(booking)
    try:
        db.session.flush()
    except IntegrityError:
        # The partial unique index caught a second live booking made at the same time.
        raise AlreadyBooked() from None
    return booking


def booking_values(
    person: Person, target: Target, *, confirmed: bool, channel: str, by: User, now: datetime
) -> dict:
    """The columns of a new booking row (`insert_booking`, `insert_bookings`)."""
    return {
        "person_id": person.id,
        "household_id": person.household_id,
        "activity_id": target.activity.id,
        "session_id": target.session.id if target.session is not None else None,
        "status": BookingStatus.CONFIRMED if confirmed else BookingStatus.WAITLISTED,
        "channel": channel,
        "booked_by_id": by.id,
        "created_at": now,
        "queued_at": now,
        "confirmed_at": now if confirmed else None,
    }


@cache
def _insert_statement():
    # Core, returning what names each row: the ORM's bulk INSERT, building its
    # objects from a RETURNING of every column, took ~2 ms for a family's ten rows,
    # inside the slots' locks at the rush. Every row has the same keys
    # (`booking_values`, a waitlisted row's confirmed_at None), so it is one INSERT.
    table = Booking.__table__
    return insert(table).returning(
        table.c.id, table.c.person_id, table.c.activity_id, table.c.session_id
    )


# The columns a new row gets from the database's defaults, as `insert_bookings`'s
# objects are given them without reading the rows back.
_NEW_ROW = {
    "cancelled_at": None,
    "cancelled_by_id": None,
    "late_cancel": False,
    "offer_expires_at": None,
}


def insert_bookings(rows: list[dict]) -> list[Booking]:
    """Writes many booking rows (`booking_values`, seats claimed) in one INSERT and
    returns them, in the same order, as the session's objects (what was written,
    not read back). Raises AlreadyBooked when a second live booking of one of them
    was made at the same moment: the caller's transaction then rolls back."""
    if not rows:
        return []
    try:
        written = db.session.execute(_insert_statement(), rows).all()
    except IntegrityError:
        raise AlreadyBooked() from None
    # RETURNING's order is not the rows' order: each is one live booking of a person
    # on a target, so that names it.
    ids = {(person, activity, session): id_ for id_, person, activity, session in written}
    bookings = []
    for row in rows:
        booking = Booking(
            id=ids[(row["person_id"], row["activity_id"], row["session_id"])],
            **_NEW_ROW,
            **row,
        )
        make_transient_to_detached(booking)
        db.session.add(booking)
        bookings.append(booking)
    # Written without the ORM's flush, so noted for the bookings metric here, which
    # counts them at the commit as it does the flushed ones (app/observability.py).
    db.session.info.setdefault("zhaoxi_new_bookings", []).extend(str(b.status) for b in bookings)
    return bookings
