"""Bookings: a person's claim on a session or on a whole series."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import ForeignKey, Index, String, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.timeutil import utcnow


class BookingStatus(StrEnum):
    CONFIRMED = "confirmed"
    WAITLISTED = "waitlisted"
    OFFERED = "offered"
    CANCELLED = "cancelled"


LIVE_STATUSES = (BookingStatus.CONFIRMED, BookingStatus.WAITLISTED, BookingStatus.OFFERED)
# Bookings that hold a seat (counted in `taken`): an offered seat is held for the
# person it is offered to until they answer or the offer expires.
SEAT_STATUSES = (BookingStatus.CONFIRMED, BookingStatus.OFFERED)


class Channel(StrEnum):
    """How a booking (or a leave) reached the centre, shown as such to staff and
    residents: on the resident's own phone or computer, at the lobby kiosk, in
    person at the desk, by a phone call to the desk, or won in a lottery draw."""

    ONLINE = "online"
    KIOSK = "kiosk"
    DESK = "desk"
    PHONE = "phone"  # a phone call to the desk, booked by staff
    LOTTERY = "lottery"


_LIVE_SQL = "status IN ('confirmed', 'waitlisted', 'offered')"


class Booking(db.Model):
    __table_args__ = (
        # One live booking per person per session, and per series (session_id NULL).
        Index(
            "uq_booking_live_session",
            "person_id",
            "session_id",
            unique=True,
            sqlite_where=text(f"{_LIVE_SQL} AND session_id IS NOT NULL"),
            postgresql_where=text(f"{_LIVE_SQL} AND session_id IS NOT NULL"),
        ),
        Index(
            "uq_booking_live_series",
            "person_id",
            "activity_id",
            unique=True,
            sqlite_where=text(f"{_LIVE_SQL} AND session_id IS NULL"),
            postgresql_where=text(f"{_LIVE_SQL} AND session_id IS NULL"),
        ),
        Index("ix_booking_queue", "activity_id", "session_id", "status", "queued_at"),
        # "The bookings of this session" (rolls, the desk's session page, a card's
        # queue, the class list's queue lengths): migration 0013 has the plans.
        Index("ix_booking_session_status", "session_id", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id"), index=True)
    household_id: Mapped[int] = mapped_column(ForeignKey("household.id"), index=True)
    activity_id: Mapped[int] = mapped_column(ForeignKey("activity.id"))
    # NULL for a series enrolment, which covers every session of the activity.
    session_id: Mapped[int | None] = mapped_column(ForeignKey("activity_session.id"))
    status: Mapped[str] = mapped_column(String(12))
    channel: Mapped[str] = mapped_column(String(8), default=Channel.ONLINE)
    booked_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # Waitlist order: earlier first, ties by id. Staff reordering moves this value.
    queued_at: Mapped[datetime]
    confirmed_at: Mapped[datetime | None]
    cancelled_at: Mapped[datetime | None]
    cancelled_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    late_cancel: Mapped[bool] = mapped_column(default=False)
    offer_expires_at: Mapped[datetime | None]

    person = relationship("Person")
    activity = relationship("Activity")
    session = relationship("Session")
    booked_by = relationship("User", foreign_keys=[booked_by_id])

    @property
    def booked_by_other(self):
        """The user who made this booking for someone else, or None when the person
        booked for themselves (lists then say just their name, not "X for X")."""
        by = self.booked_by
        return by if by is not None and by.person_id != self.person_id else None

    @property
    def is_live(self) -> bool:
        return self.status in LIVE_STATUSES

    @property
    def holds_seat(self) -> bool:
        return self.status in SEAT_STATUSES
