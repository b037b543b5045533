"""Children's privacy (PIPL, 未成年人网络保护条例): a guardian's consents per child,
the record of who saw a child's data, and data breaches the centre recorded.
(Retention holds and deletion requests are in privacy.py.)"""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db


class ConsentKind(StrEnum):
    BOOKING = "booking"  # (a) booking and attendance records
    CARE_NOTES = "care_notes"  # (b) care notes (allergies, medicines)


class ConsentChannel(StrEnum):
    DESK = "desk"
    ONLINE = "online"


CONSENT_KINDS = tuple(ConsentKind)


class Consent(db.Model):
    """One consent of a guardian for one child and one kind, kept for ever as
    history: withdrawing stamps `withdrawn_at` (and who, how); giving it again is a
    new row. At most one row per child and kind is in force (withdrawn_at NULL)."""

    __table_args__ = (
        CheckConstraint("kind IN ('booking', 'care_notes')", name="consent_kind"),
        Index(
            "uq_consent_in_force",
            "person_id",
            "kind",
            unique=True,
            sqlite_where=text("withdrawn_at IS NULL"),
            postgresql_where=text("withdrawn_at IS NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # The child.
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id"), index=True)
    kind: Mapped[str] = mapped_column(String(16))
    # The adult guardian who gave it (an adult of the child's household).
    guardian_id: Mapped[int | None] = mapped_column(ForeignKey("person.id"))
    # The account that recorded it: the guardian online, or staff at the desk.
    given_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    given_at: Mapped[datetime]
    channel: Mapped[str] = mapped_column(String(8))
    # PRIVACY_NOTICE_VERSION the guardian was shown.
    notice_version: Mapped[str] = mapped_column(String(16))
    withdrawn_at: Mapped[datetime | None]
    withdrawn_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    withdrawn_channel: Mapped[str | None] = mapped_column(String(8))

    person = relationship("Person", foreign_keys=[person_id])
    guardian = relationship("Person", foreign_keys=[guardian_id])
    given_by = relationship("User", foreign_keys=[given_by_id])
    withdrawn_by = relationship("User", foreign_keys=[withdrawn_by_id])


class AccessRecord(db.Model):
    """A teacher or staff member saw a child's data (care notes, guardian phones,
    pickup list, birth date) on a page: one row per child per page view."""

    __table_args__ = (Index("ix_access_record_person_at", "person_id", "at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    viewer_id: Mapped[int] = mapped_column(ForeignKey("user.id"), index=True)
    # The viewer's role then (the yearly export counts by role).
    role: Mapped[str] = mapped_column(String(16))
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id"))
    page: Mapped[str] = mapped_column(String(16))
    at: Mapped[datetime] = mapped_column(index=True)

    viewer = relationship("User")
    person = relationship("Person")


class Breach(db.Model):
    """A personal-data incident staff recorded: what happened, when, who was told."""

    id: Mapped[int] = mapped_column(primary_key=True)
    happened_on: Mapped[date] = mapped_column(index=True)
    what: Mapped[str] = mapped_column(String(1000))
    who_was_told: Mapped[str] = mapped_column(String(500))
    recorded_by_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    recorded_at: Mapped[datetime]

    recorded_by = relationship("User")
