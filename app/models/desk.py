"""The staff desk: links between households (with consent), the notification
outbox, reminders sent, and the call list of missed offers."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.timeutil import utcnow


class LinkStatus(StrEnum):
    PENDING = "pending"
    CONFIRMED = "confirmed"
    REVOKED = "revoked"


class HouseholdLink(db.Model):
    """A user who may act for a person of another household (代办), once that person
    consented (typed their PIN). Only `confirmed` links grant anything."""

    __table_args__ = (
        # At most one pending or confirmed link per helper and person.
        Index(
            "uq_household_link_open",
            "user_id",
            "person_id",
            unique=True,
            sqlite_where=text("status IN ('pending', 'confirmed')"),
            postgresql_where=text("status IN ('pending', 'confirmed')"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id"), index=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id"), index=True)
    status: Mapped[str] = mapped_column(String(10), default=LinkStatus.PENDING)
    requested_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    confirmed_at: Mapped[datetime | None]
    revoked_at: Mapped[datetime | None]

    user = relationship("User", foreign_keys=[user_id])
    person = relationship("Person")
    requested_by = relationship("User", foreign_keys=[requested_by_id])


class OutboxStatus(StrEnum):
    PENDING = "pending"
    SENDING = "sending"
    SENT = "sent"
    FAILED = "failed"


class OutboxMessage(db.Model):
    """A message to send outside the app (SMS, email, or the log), rendered in the
    reader's language when queued; `flask run-jobs` sends it."""

    __table_args__ = (Index("ix_outbox_message_status_created", "status", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"), index=True)
    channel: Mapped[str] = mapped_column(String(8))
    address: Mapped[str] = mapped_column(String(120))
    kind: Mapped[str] = mapped_column(String(32))
    body: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(10), default=OutboxStatus.PENDING)
    attempts: Mapped[int] = mapped_column(default=0)
    last_error: Mapped[str | None] = mapped_column(String(300))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # When a run took it for sending: a claim left by a run that died goes back.
    claimed_at: Mapped[datetime | None]
    sent_at: Mapped[datetime | None]

    user = relationship("User")


class Reminder(db.Model):
    """That the day-before reminder of a booking for one session was queued: the
    unique pair makes a second reminder impossible."""

    __table_args__ = (UniqueConstraint("booking_id", "session_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    booking_id: Mapped[int] = mapped_column(ForeignKey("booking.id"))
    session_id: Mapped[int] = mapped_column(ForeignKey("activity_session.id"))
    queued_at: Mapped[datetime]


class OfferCall(db.Model):
    """A person whose offer of a place expired unanswered: staff phone them."""

    id: Mapped[int] = mapped_column(primary_key=True)
    booking_id: Mapped[int] = mapped_column(ForeignKey("booking.id"), unique=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id"), index=True)
    created_at: Mapped[datetime]
    done_at: Mapped[datetime | None]
    done_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    note: Mapped[str | None] = mapped_column(String(300))

    booking = relationship("Booking")
    person = relationship("Person")
    done_by = relationship("User")
