"""Around attendance: leave (请假) for one date, the history of every roll-call
change, no-show suspensions and the welfare call list."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db


class Leave(db.Model):
    """A person says they cannot come to one session (请假). For a term enrolment
    it frees that one date's seat; for a single-session booking the booking is
    cancelled as well."""

    __table_args__ = (UniqueConstraint("session_id", "person_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("activity_session.id"), index=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id"), index=True)
    booking_id: Mapped[int] = mapped_column(ForeignKey("booking.id"), index=True)
    channel: Mapped[str] = mapped_column(String(8))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    created_at: Mapped[datetime]

    session = relationship("Session")
    person = relationship("Person")
    booking = relationship("Booking")


class AttendanceChange(db.Model):
    """Every change of an attendance mark: who, when, from what to what."""

    id: Mapped[int] = mapped_column(primary_key=True)
    attendance_id: Mapped[int] = mapped_column(ForeignKey("attendance.id"), index=True)
    from_status: Mapped[str | None] = mapped_column(String(10))
    to_status: Mapped[str] = mapped_column(String(10))
    # roster (teacher/staff), kiosk, leave, job (no-show marking)
    source: Mapped[str] = mapped_column(String(10))
    changed_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    changed_at: Mapped[datetime]

    changed_by = relationship("User")


class Suspension(db.Model):
    """Online booking paused for a person after repeated no-shows."""

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id"), index=True)
    starts_at: Mapped[datetime]
    ends_at: Mapped[datetime]
    strikes: Mapped[int]
    lifted_at: Mapped[datetime | None]
    lifted_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    lift_reason: Mapped[str | None] = mapped_column(String(300))

    person = relationship("Person")
    lifted_by = relationship("User")

    def is_active(self, now: datetime) -> bool:
        return self.lifted_at is None and self.starts_at <= now < self.ends_at


class WelfareCall(db.Model):
    """A vulnerable resident missed a class they booked: staff call them that day."""

    __table_args__ = (UniqueConstraint("session_id", "person_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("activity_session.id"), index=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id"), index=True)
    attendance_id: Mapped[int] = mapped_column(ForeignKey("attendance.id"))
    # The centre's local date of the missed session: the day the call belongs to.
    call_date: Mapped[date] = mapped_column(index=True)
    created_at: Mapped[datetime]
    done_at: Mapped[datetime | None]
    done_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    note: Mapped[str | None] = mapped_column(String(300))

    session = relationship("Session")
    person = relationship("Person")
    attendance = relationship("Attendance")
    done_by = relationship("User")


class SessionHelper(db.Model):
    """A volunteer who helped the teacher run a session: it counts in their hours."""

    __table_args__ = (UniqueConstraint("session_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("activity_session.id"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id"), index=True)
    added_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    created_at: Mapped[datetime]

    user = relationship("User", foreign_keys=[user_id])
