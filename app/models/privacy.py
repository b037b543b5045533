"""Privacy (issue 14): people staff keep out of the retention job (a hold, with its
reason), and households' requests to be deleted, confirmed at the desk."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import ForeignKey, Index, String, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db


class PrivacyHold(db.Model):
    """A person the retention job must not anonymise (an open safeguarding matter,
    a dispute): one row while held, deleted on release. Both acts are audited
    (`privacy.hold`, `privacy.release`), which keeps the history."""

    __tablename__ = "privacy_hold"

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id"), unique=True)
    reason: Mapped[str] = mapped_column(String(300))
    held_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    held_at: Mapped[datetime]

    person = relationship("Person")
    held_by = relationship("User")


class DeletionStatus(StrEnum):
    PENDING = "pending"
    CONFIRMED = "confirmed"  # staff confirmed at the desk: the household was anonymised
    WITHDRAWN = "withdrawn"  # the resident took it back, or staff declined it


class DeletionRequest(db.Model):
    """A guardian's request to delete everything the centre holds about their
    household: staff confirm it at the desk, and it runs as anonymisation."""

    __tablename__ = "deletion_request"
    __table_args__ = (
        # At most one pending request per household.
        Index(
            "uq_deletion_request_pending",
            "household_id",
            unique=True,
            sqlite_where=text("status = 'pending'"),
            postgresql_where=text("status = 'pending'"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    household_id: Mapped[int] = mapped_column(ForeignKey("household.id"), index=True)
    requested_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    requested_at: Mapped[datetime]
    status: Mapped[str] = mapped_column(String(10), default=DeletionStatus.PENDING)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    decided_at: Mapped[datetime | None]

    household = relationship("Household")
    requested_by = relationship("User", foreign_keys=[requested_by_id])


class RetentionPreview(db.Model):
    """When the stored preview of the next retention run was computed (issue 18):
    one row, replaced by each computation. Its people are `RetentionPreviewPerson`."""

    __tablename__ = "retention_preview"

    id: Mapped[int] = mapped_column(primary_key=True)
    computed_at: Mapped[datetime]


class RetentionPreviewPerson(db.Model):
    """One person the retention run would have anonymised when the preview was
    computed, and when they were last active (NULL: never). The staff page reads
    these instead of every person's whole history; the run itself never does."""

    __tablename__ = "retention_preview_person"

    person_id: Mapped[int] = mapped_column(
        ForeignKey("person.id", ondelete="CASCADE"), primary_key=True
    )
    last_active: Mapped[datetime | None]

    person = relationship("Person")
