"""What happened at one session for one person."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db


class AttendanceStatus(StrEnum):
    PRESENT = "present"
    LATE = "late"
    ABSENT = "absent"
    EXCUSED = "excused"


# The marks that mean the person came (late is still came): reports count these, and
# a session counts as held for volunteer hours when at least one person came.
CAME_STATUSES = (AttendanceStatus.PRESENT, AttendanceStatus.LATE)


class Attendance(db.Model):
    """One row per person per session: marked by a teacher, by the kiosk check-in,
    or (for children) by check-in and check-out at the door."""

    __table_args__ = (UniqueConstraint("session_id", "person_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("activity_session.id"), index=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id"), index=True)
    booking_id: Mapped[int | None] = mapped_column(ForeignKey("booking.id"))
    status: Mapped[str] = mapped_column(String(10))
    checked_in_at: Mapped[datetime | None]
    checked_out_at: Mapped[datetime | None]
    marked_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    marked_at: Mapped[datetime]

    session = relationship("Session")
    person = relationship("Person")
    marked_by = relationship("User")
