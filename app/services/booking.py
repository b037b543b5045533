"""Booking, cancelling and the waitlist.

A seat is claimed with one conditional UPDATE (`taken < capacity`) inside the
booking's transaction; no row updated means full. `taken` always equals the number
of confirmed bookings (for household-unit activities: of households with one), and
every status change of a booking is itself conditional, so two requests racing on
the same booking cannot both act.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cache

from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, and_, bindparam, func, inspect, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.attributes import set_committed_value

from app.extensions import db
from app.models import (
    LIVE_STATUSES,
    SEAT_STATUSES,
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
    WaitlistPolicy,
)
from app.models.people import acts_for_clause
from app.services import eligibility
from app.services.errors import (
    AlreadyBooked,
    BookingError,
    Conflict,
    Full,
    NotAllowed,
    NotCancellable,
)
from app.services.notifications import notify_household
from app.services.targets import Target, bookings_on_target, covers_session, live_leaves_clause


@cache
def _claim_statement(model, kind: str):
    """UPDATE … SET taken = taken + 1 WHERE a seat is free … RETURNING taken."""
    condition = model.taken < model.capacity
    if kind == "series_date":
        # One date of a term class: seats not sold for the term, plus seats of
        # enrolled people on leave that day, minus drop-ins already in.
        enrolled = select(Activity.taken).where(Activity.id == Session.activity_id)
        condition = and_(
            condition,
            Session.taken + enrolled.scalar_subquery()
            < Session.capacity + live_leaves_clause(Session.id),
        )
    elif kind == "series":
        # A new term enrolment needs a seat on every coming date, drop-ins included.
        full_date = (
            select(Session.id)
            .where(
                Session.activity_id == Activity.id,
                Session.status == SessionStatus.SCHEDULED,
                Session.starts_at > bindparam("now"),
                Session.taken + Activity.taken >= Session.capacity + live_leaves_clause(Session.id),
            )
            .exists()
        )
        condition = and_(condition, ~full_date)
    return (
        update(model)
        .where(model.id == bindparam("row_id"), condition)
        .values(taken=model.taken + 1)
        .returning(model.taken)
        .execution_options(synchronize_session=False)
    )


def claim_seat(target: Target, now: datetime | None = None) -> bool:
    """Takes one seat if one is free; False when full. Atomic on both databases.

    Term classes also count per date (drop-ins use seats the term left free), so a
    claim on a term class or on one of its dates first locks the activity row:
    the two kinds of claim then see each other's counts.
    """
    if target.activity.is_series:
        db.session.execute(
            select(Activity.id).where(Activity.id == target.activity.id).with_for_update()
        )
    if target.is_series_date:
        kind = "series_date"
    elif target.activity.is_series and now is not None:
        kind = "series"
    else:
        kind = "plain"
    row = target.seat_row
    taken = db.session.scalar(
        _claim_statement(target.seat_model, kind), {"row_id": row.id, "now": now}
    )
    if taken is not None and not db.session().in_nested_transaction():
        # The count this transaction now holds: the card shows it without asking
        # again (a rollback expires it with everything else).
        set_committed_value(row, "taken", taken)
    else:
        # Expired, not set: a rolled-back savepoint (siblings booked together) must
        # not leave a count in memory that the database no longer has.
        db.session.expire(row, ["taken"])
    return taken is not None


def release_seat(target: Target) -> None:
    model, row = target.seat_model, target.seat_row
    result = db.session.execute(
        update(model)
        .where(model.id == row.id, model.taken > 0)
        .values(taken=model.taken - 1)
        .execution_options(synchronize_session=False)
    )
    db.session.expire(row, ["taken"])
    if result.rowcount != 1:
        raise RuntimeError(f"seat count of {model.__name__} {row.id} would go below zero")


def _household_has_seat(target: Target, household_id: int, exclude_id: int | None = None) -> bool:
    """For household-unit activities: does another confirmed (or offered) booking
    of the family already hold the family's place?"""
    query = select(Booking.id).where(
        target.bookings_clause(),
        Booking.household_id == household_id,
        Booking.status.in_(SEAT_STATUSES),
    )
    if exclude_id is not None:
        query = query.where(Booking.id != exclude_id)
    return db.session.scalar(query.limit(1)) is not None


def _needs_seat(target: Target, household_id: int, exclude_id: int | None = None) -> bool:
    if not target.activity.counts_households:
        return True
    return not _household_has_seat(target, household_id, exclude_id)


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


def _bookings_around(person: Person, target: Target) -> tuple[Booking | None, Booking | None]:
    """In one query: the person's live booking on this target, and another live
    booking of theirs whose sessions overlap the target's."""
    intervals = [(s.starts_at, s.ends_at) for s in target.sessions()]
    if not intervals:
        return live_booking(person, target), None
    lo = min(start for start, _ in intervals)
    hi = max(end for _, end in intervals)
    rows = db.session.execute(_around_query(), {"person_id": person.id, "lo": lo, "hi": hi})
    same = clash = None
    for booking, session in rows:
        same_target = (
            booking.session_id == target.session.id
            if target.session is not None
            else booking.session_id is None and booking.activity_id == target.activity.id
        )
        if same_target:
            same = same or booking
        elif clash is None and any(
            session.starts_at < end and session.ends_at > start for start, end in intervals
        ):
            clash = booking
    return same, clash


def overlapping_booking(person: Person, target: Target) -> Booking | None:
    """Another live booking of the person whose sessions overlap the target's."""
    return _bookings_around(person, target)[1]


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
    """Staff book at the desk; everyone else books on their phone (or the kiosk,
    which says so itself)."""
    return Channel.DESK if user.is_staff else Channel.PHONE


def holds_no_lock(booking: Booking, target: Target) -> bool:
    """On a database server: the transaction that just made `booking` locks no row
    that other bookings wait for, so reads may still run before its commit. A
    waitlisting claimed no seat; a term class's claim locks its activity row anyway."""
    return booking.status == BookingStatus.WAITLISTED and not target.activity.is_series


def book(
    person: Person,
    target: Target,
    *,
    by: User,
    channel: str,
    now: datetime,
    suspension: Suspension | None | object = eligibility.LOOK_UP,
) -> Booking:
    """Books `person` on `target`: confirmed when a seat is free, else waitlisted.
    `suspension`: the person's active suspension, when the caller loaded it.

    The one entry for every booking of a class (the class page, the kiosk, the
    desk). A childcare programme's class is booked under the programme's rules,
    exactly as on its own page (`programmes.book_day`): `target.activity.programme`
    is loaded with the activity on the busy path, so ordinary classes pay no query.

    Raises NotAllowed, Suspended, NotBookable, WindowNotOpen, WindowClosed, NotEligible
    (age, or a programme's grade, day limit or whole weeks), AlreadyBooked, Conflict
    or Full.
    """
    eligibility.check_actor(by, person)
    programme = target.activity.programme
    if programme is not None:
        from app.services.programmes import book_day

        return book_day(programme, person, target, by=by, channel=channel, now=now)
    return place_booking(person, target, by=by, channel=channel, now=now, suspension=suspension)


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
    Only a programme's own booking (app/services/programmes.py) calls it directly,
    once its rules are applied. `waitlist_only`: waitlisted even when a seat is free,
    for a family that waits together. Raises what `book` raises."""
    eligibility.check_actor(by, person)
    eligibility.check_not_suspended(person, by, now, suspension)
    eligibility.check_bookable(target, now)
    eligibility.check_window(target, by, now)
    check_free_to_book(person, target, now)
    if waitlist_only:
        confirmed = False
    else:
        confirmed = claim_seat(target, now) if _needs_seat(target, person.household_id) else True
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
        raise Conflict(
            _l(
                "%(name)s already has %(title)s at that time.",
                name=person.name,
                title=clash.activity.title,
            )
        )


def insert_booking(
    person: Person, target: Target, *, confirmed: bool, channel: str, by: User, now: datetime
) -> Booking:
    """Writes the booking row once its seat (if confirmed) is claimed. Raises
    AlreadyBooked when a second live booking was made at the same moment."""
    booking = Booking(
        person_id=person.id,
        household_id=person.household_id,
        activity_id=target.activity.id,
        session_id=target.session.id if target.session is not None else None,
        status=BookingStatus.CONFIRMED if confirmed else BookingStatus.WAITLISTED,
        channel=channel,
        booked_by_id=by.id,
        created_at=now,
        queued_at=now,
        confirmed_at=now if confirmed else None,
    )
    db.session.add(booking)
    try:
        db.session.flush()
    except IntegrityError:
        # The partial unique index caught a second live booking made at the same time.
        raise AlreadyBooked() from None
    return booking


def _transition(booking: Booking, from_statuses, values: dict, *conditions) -> bool:
    """Changes a booking's status only if it still has one of `from_statuses` (and
    meets any extra SQL `conditions`)."""
    result = db.session.execute(
        update(Booking)
        .where(Booking.id == booking.id, Booking.status.in_(list(from_statuses)), *conditions)
        .values(**values)
        .execution_options(synchronize_session=False)
    )
    db.session.expire(booking)
    return result.rowcount == 1


def is_late_cancel(booking: Booking, now: datetime) -> bool:
    start = Target.of_booking(booking).first_start_after(now)
    if start is None:
        return True
    return now > start - timedelta(hours=booking.activity.cancel_hours)


def cancel_booking(booking: Booking, *, by: User, now: datetime) -> list[Booking]:
    """Cancels a booking; a freed seat goes to the waitlist at once.

    Returns the bookings promoted. Raises NotAllowed or NotCancellable.
    """
    if not by.may_act_for(booking.person):
        raise NotAllowed()
    held_seat = booking.holds_seat
    late = is_late_cancel(booking, now)
    changed = _transition(
        booking,
        LIVE_STATUSES,
        {
            "status": BookingStatus.CANCELLED,
            "cancelled_at": now,
            "cancelled_by_id": by.id,
            "late_cancel": late,
        },
    )
    if not changed:
        raise NotCancellable()
    target = Target.of_booking(booking)
    if held_seat and _needs_seat(target, booking.household_id, exclude_id=booking.id):
        release_seat(target)
        return promote_waitlist(target, now=now)
    return []


def waitlist_queue(target: Target) -> list[Booking]:
    return list(
        db.session.scalars(
            select(Booking)
            .where(target.bookings_clause(), Booking.status == BookingStatus.WAITLISTED)
            .order_by(Booking.queued_at, Booking.id)
        )
    )


def promote_waitlist(target: Target, *, now: datetime) -> list[Booking]:
    """Fills free seats from the waitlist in order, skipping anyone no longer
    eligible (they keep their place). Under policy `offer` a seat is held for the
    next person until a deadline (app/services/waitlist.py); too close to the start
    there is no time to ask, and they are confirmed at once. Returns the bookings
    promoted (confirmed or offered)."""
    from app.services.waitlist import offer_deadline

    try:
        eligibility.check_bookable(target, now)
    except BookingError:
        return []
    deadline = None
    if target.activity.waitlist_policy == WaitlistPolicy.OFFER:
        start = target.first_start_after(now)
        deadline = offer_deadline(now, start) if start is not None else None
    promoted: list[Booking] = []
    for candidate in waitlist_queue(target):
        if target.seats_left() <= 0 and _needs_seat(target, candidate.household_id, candidate.id):
            break
        try:
            eligibility.check_person(candidate.person, target, now)
        except BookingError:
            continue
        if overlapping_booking(candidate.person, target) is not None:
            continue
        needs_seat = _needs_seat(target, candidate.household_id, candidate.id)
        if needs_seat and not claim_seat(target, now):
            break
        if deadline is not None:
            values = {"status": BookingStatus.OFFERED, "offer_expires_at": deadline}
        else:
            values = {"status": BookingStatus.CONFIRMED, "confirmed_at": now}
        if not _transition(candidate, [BookingStatus.WAITLISTED], values):
            if needs_seat:
                release_seat(target)
            continue
        if deadline is not None:
            notify_household("offered", candidate, now, offer_expires_at=deadline.isoformat())
        else:
            notify_household("promoted", candidate, now)
        promoted.append(candidate)
    return promoted


def waitlist_position(booking: Booking) -> int | None:
    """1 for the first in the queue; None when the booking is not waitlisted."""
    if booking.status != BookingStatus.WAITLISTED:
        return None
    return queue_figures(Target.of_booking(booking), [booking])[1][booking.id]


def queue_figures(target: Target, waiting: list[Booking]) -> tuple[int, dict[int, int]]:
    """The length of the target's waiting list and the place in it of each of
    `waiting` (its waitlisted bookings), in one query. A seat count left unread (a
    claim that found the class full expires it) is read by the same query."""
    seat_row = target.seat_row
    refresh = "taken" in inspect(seat_row).unloaded and not db.session().in_nested_transaction()
    params = {"row_id": seat_row.id, **target.bookings_params()}
    for i, booking in enumerate(waiting):
        params[f"queued_at_{i}"], params[f"id_{i}"] = booking.queued_at, booking.id
    query = _queue_query(target.seat_model, target.session is None, len(waiting), refresh)
    row = db.session.execute(query, params).one()
    if refresh:
        set_committed_value(seat_row, "taken", row[-1])
        row = row[:-1]
    return row[0], {b.id: ahead + 1 for b, ahead in zip(waiting, row[1:], strict=True)}


@cache
def _queue_query(seat_model, series: bool, waiting: int, with_taken: bool) -> Select:
    columns = [func.count(Booking.id)]
    for i in range(waiting):
        queued_at, booking_id = bindparam(f"queued_at_{i}"), bindparam(f"id_{i}")
        ahead = or_(
            Booking.queued_at < queued_at,
            and_(Booking.queued_at == queued_at, Booking.id < booking_id),
        )
        columns.append(func.count(Booking.id).filter(ahead))
    if with_taken:
        columns.append(
            select(seat_model.taken).where(seat_model.id == bindparam("row_id")).scalar_subquery()
        )
    return select(*columns).where(
        bookings_on_target(series), Booking.status == BookingStatus.WAITLISTED
    )
