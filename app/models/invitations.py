"""Invitations to one session: the people asked first, who may book before the
class opens to everyone (the month's birthday party, 集体生日会)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db


class SessionInvitation(db.Model):
    """`person` is invited to `session` from `invited_at`: from then on they may book
    it although its class's booking window has not opened yet
    (`booking/eligibility.py: check_window`). One row per person and session."""

    __table_args__ = (UniqueConstraint("session_id", "person_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("activity_session.id"), index=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id"), index=True)
    invited_at: Mapped[datetime]
    invited_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))

    session = relationship("Session")
    person = relationship("Person")
