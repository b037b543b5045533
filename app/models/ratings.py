"""Satisfaction (满意度): a participant's one-tap rating of a session they came to."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import CheckConstraint, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db


class RatingValue(StrEnum):
    GOOD = "good"  # 好
    OK = "ok"  # 一般
    BAD = "bad"  # 不好


RATING_VALUES = tuple(RatingValue)
# A short remark, not a letter: it is read on the report page and in the workbook.
RATING_COMMENT_MAX = 200


class Rating(db.Model):
    """One person's rating of one session (three faces and an optional remark),
    given by them or by someone who may act for them (`rated_by`)."""

    __table_args__ = (
        UniqueConstraint("person_id", "session_id"),
        CheckConstraint("value IN ('good', 'ok', 'bad')", name="rating_value"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id"))
    # The report reads ratings by session (its period and its class).
    session_id: Mapped[int] = mapped_column(ForeignKey("activity_session.id"), index=True)
    value: Mapped[str] = mapped_column(String(4))
    comment: Mapped[str | None] = mapped_column(String(RATING_COMMENT_MAX))
    rated_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    created_at: Mapped[datetime]

    person = relationship("Person")
    session = relationship("Session")
    rated_by = relationship("User")
