"""Claiming and releasing a seat.

A seat is claimed with one conditional UPDATE (`taken < capacity`) inside the
booking's transaction; no row updated means full. `taken` always equals the number
of bookings holding a seat (`SEAT_STATUSES`: confirmed, and offered while the offer
stands; for household-unit activities: of households with one)."""

from __future__ import annotations

from datetime import datetime
from functools import cache

from sqlalchemy import and_, bindparam, select, update
from sqlalchemy.orm.attributes import set_committed_value

from app.extensions import db
from app.models import (
    SEAT_STATUSES,
    Activity,
    Booking,
    Session,
    SessionStatus,
)
from app.services.booking.targets import (
    Target,
    live_leaves_clause,
)


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


def date_seat_still_free(session: Session) -> bool:
    """One date of a term class, given up by an enrolled person's leave: is that
    seat still free (no drop-in or one-time waitlisted person took it)? Locks the
    activity row first, as every claim on a term class does, so a drop-in waits
    for the answer and the caller may then take the leave back."""
    db.session.execute(
        select(Activity.id).where(Activity.id == session.activity_id).with_for_update()
    )
    enrolled = select(Activity.taken).where(Activity.id == Session.activity_id)
    free = db.session.scalar(
        select(
            Session.taken + enrolled.scalar_subquery()
            < Session.capacity + live_leaves_clause(Session.id)
        ).where(Session.id == session.id)
    )
    return bool(free)


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


def needs_seat(target: Target, household_id: int, exclude_id: int | None = None) -> bool:
    if not target.activity.counts_households:
        return True
    return not _household_has_seat(target, household_id, exclude_id)
