"""Offers: a freed seat held for the next person on the waiting list, with a
deadline that respects quiet hours; accepting, declining and expiry."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select

from app.extensions import db
from app.models import Booking, BookingStatus, OfferCall, User
from app.services import audit
from app.services.booking.eligibility import check_actor
from app.services.booking.seats import needs_seat, release_seat
from app.services.booking.status import transition
from app.services.booking.targets import Target
from app.services.booking.waitlist import give_up_own_dates, promote_waitlist
from app.services.jobs import job
from app.services.messaging.notices import notify_household
from app.services.refusals import OfferGone


def accept_offer(booking: Booking, *, by: User, now: datetime) -> Booking:
    """The person takes the seat held for them. Raises NotAllowed or OfferGone."""
    check_actor(by, booking.person)
    if not transition(
        booking,
        [BookingStatus.OFFERED],
        {"status": BookingStatus.CONFIRMED, "confirmed_at": now},
        Booking.offer_expires_at > now,
    ):
        raise OfferGone()
    give_up_own_dates(booking, now=now)
    return booking


def decline_offer(booking: Booking, *, by: User, now: datetime) -> list[Booking]:
    """The person does not want the seat: it goes to the next in line at once.
    Returns the bookings promoted. Raises NotAllowed or OfferGone."""
    check_actor(by, booking.person)
    if not transition(
        booking,
        [BookingStatus.OFFERED],
        {"status": BookingStatus.CANCELLED, "cancelled_at": now, "cancelled_by_id": by.id},
    ):
        raise OfferGone()
    return _pass_seat_on(booking, now)


def _pass_seat_on(booking: Booking, now: datetime) -> list[Booking]:
    target = Target.of_booking(booking)
    if needs_seat(target, booking.household_id, exclude_id=booking.id):
        release_seat(target)
        return promote_waitlist(target, now=now)
    return []


@job("expire-offers")
def expire_offers(now: datetime) -> int:
    """Offers past their deadline: the seat passes on, the person goes on the staff
    call list. Idempotent: each expiry is one conditional UPDATE."""
    due = list(
        db.session.scalars(
            select(Booking)
            .where(Booking.status == BookingStatus.OFFERED, Booking.offer_expires_at <= now)
            .order_by(Booking.offer_expires_at, Booking.id)
        )
    )
    expired = 0
    for booking in due:
        deadline = booking.offer_expires_at
        if not transition(
            booking,
            [BookingStatus.OFFERED],
            {"status": BookingStatus.CANCELLED, "cancelled_at": now},
            Booking.offer_expires_at <= now,
        ):
            continue
        expired += 1
        db.session.add(
            OfferCall(booking_id=booking.id, person_id=booking.person_id, created_at=now)
        )
        notify_household("offer_expired", booking, now, offer_expires_at=deadline.isoformat())
        _pass_seat_on(booking, now)
    db.session.flush()
    return expired


def open_offer_calls() -> list[OfferCall]:
    return list(
        db.session.scalars(
            select(OfferCall).where(OfferCall.done_at.is_(None)).order_by(OfferCall.created_at)
        )
    )


def close_offer_call(call: OfferCall, *, by: User, now: datetime, note: str | None) -> None:
    """Staff phoned the person (or tried); the call leaves the list."""
    if call.done_at is not None:
        return
    call.done_at, call.done_by_id, call.note = now, by.id, note or None
    audit.record(by, "offer_call.done", call, now, after={"note": note or ""})
    db.session.flush()
