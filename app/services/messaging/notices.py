"""Notices to a household about its bookings, and each user's inbox of them."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select, update

from app.extensions import db
from app.models import Booking, BookingStatus, Notice, Person, Session, User
from app.services.booking.terms import next_session, place_in_term
from app.services.messaging.outbox import queue_notices


def household_users(household_id: int) -> list[User]:
    return list(
        db.session.scalars(
            select(User)
            .join(Person, User.person_id == Person.id)
            .where(Person.household_id == household_id, User.active.is_(True))
        )
    )


def booking_params(booking: Booking, now: datetime, session: Session | None = None) -> dict:
    """What a notice about `booking` names: the person, the class and the session
    (`session`, else the booking's own, else its term's next one: `terms.places_of`),
    with the session's number in the term for a term class."""
    place = (
        place_in_term(booking, session, now) if session is not None else next_session(booking, now)
    )
    params = {
        "person": booking.person.name,
        "activity_id": booking.activity_id,
        "title": booking.activity.title,
        "title_en": booking.activity.title_en,
        "starts_at": place.session.starts_at.isoformat() if place else None,
        "series": booking.session_id is None,
    }
    if place is not None and place.number is not None:
        params |= {"number": place.number, "total": place.total}
    return params


def notify_household(
    kind: str, booking: Booking, now: datetime, *, session: Session | None = None, **extra
) -> list[Notice]:
    """Puts one notice about `booking` in the inbox of every user of its household.
    `session`: the session it is about (a reminder's, a missed or moved one); by
    default the booking's own, or its term's next one."""
    params = booking_params(booking, now, session) | extra
    return notify_household_of(kind, booking.household_id, params, now, booking_id=booking.id)


def tell_of_a_helpers_act(booking: Booking, *, by: User, now: datetime, cancelled: bool) -> None:
    """When someone outside the person's household books or cancels for them (a
    linked helper, 代办: a grown child booking for a parent), the person's household
    is told who did what. Staff acts are told by `booking.on_behalf`; acts within
    the household tell nobody (they share one inbox)."""
    if by.is_staff or booking.person.household_id == by.household_id:
        return
    if cancelled:
        kind = "cancelled_by_helper"
    elif booking.status == BookingStatus.WAITLISTED:
        kind = "waitlisted_by_helper"
    else:
        kind = "booked_by_helper"
    notify_household(kind, booking, now, actor=by.person.name)


def notify_household_of(
    kind: str, household_id: int, params: dict, now: datetime, *, booking_id: int | None = None
) -> list[Notice]:
    """Puts one notice in the inbox of every user of the household and queues its
    messages: about `booking_id`, or about no single booking (a lottery's results for
    the whole family, an invitation). THE way a household is told anything."""
    notices = [
        Notice(user_id=user.id, kind=kind, params=params, booking_id=booking_id, created_at=now)
        for user in household_users(household_id)
    ]
    db.session.add_all(notices)
    queue_notices(notices, now)
    return notices


def notify_person(kind: str, person: Person, now: datetime, **params) -> list[Notice]:
    """Puts one notice about `person` (not about a booking: an invitation) in the
    inbox of every user of their household, and queues its message."""
    return notify_household_of(kind, person.household_id, {"person": person.name} | params, now)


def unread_count(user: User) -> int:
    return db.session.scalar(
        select(func.count(Notice.id)).where(Notice.user_id == user.id, Notice.read_at.is_(None))
    )


def inbox(user: User, limit: int = 100) -> list[Notice]:
    """The user's latest notices, newest first."""
    return list(
        db.session.scalars(
            select(Notice)
            .where(Notice.user_id == user.id)
            .order_by(Notice.created_at.desc(), Notice.id.desc())
            .limit(limit)
        )
    )


def mark_all_read(user: User, *, now: datetime) -> int:
    """Marks every unread notice of the user read at `now`; returns how many."""
    return db.session.execute(
        update(Notice)
        .where(Notice.user_id == user.id, Notice.read_at.is_(None))
        .values(read_at=now)
        .execution_options(synchronize_session=False)
    ).rowcount
