"""Holiday childcare and the after-school club: programmes, their day slots, lottery
applications, and the safe-pickup records (authorised people, every attempt, and the
wrong-code lock)."""

from __future__ import annotations

from datetime import date, datetime, time
from enum import StrEnum

from sqlalchemy import JSON, CheckConstraint, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.timeutil import utcnow


class ProgrammeKind(StrEnum):
    HOLIDAY = "holiday"  # 暑托班 / 寒托班: each day slot booked on its own
    AFTERSCHOOL = "afterschool"  # 四点半课堂: one term enrolment per child


class SlotKind(StrEnum):
    FULL = "full"
    MORNING = "morning"
    AFTERNOON = "afternoon"


SLOT_KINDS = (SlotKind.FULL, SlotKind.MORNING, SlotKind.AFTERNOON)


class ApplicationStatus(StrEnum):
    APPLIED = "applied"
    WON = "won"
    WAITLISTED = "waitlisted"
    WITHDRAWN = "withdrawn"
    SKIPPED = "skipped"  # already booked another way when the draw ran
    CLASHED = "clashed"  # busy at that time (another booking overlaps) when the draw ran
    INELIGIBLE = "ineligible"  # the class no longer admitted the child when the draw ran


class Programme(db.Model):
    """What is programme-specific about a childcare activity; the activity's
    sessions are its day slots."""

    __table_args__ = (
        CheckConstraint("newcomer_share >= 0 AND newcomer_share <= 100", name="newcomer_share"),
        CheckConstraint("last_day >= first_day", name="programme_days"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    activity_id: Mapped[int] = mapped_column(ForeignKey("activity.id"), unique=True)
    kind: Mapped[str] = mapped_column(String(12), default=ProgrammeKind.HOLIDAY)
    first_day: Mapped[date]
    last_day: Mapped[date]
    # ISO weekdays that run, e.g. "1,2,3,4,5".
    weekdays: Mapped[str] = mapped_column(String(20), default="1,2,3,4,5")
    # Local slot times; a slot kind runs when both its times are set.
    full_start: Mapped[time | None]
    full_end: Mapped[time | None]
    morning_start: Mapped[time | None]
    morning_end: Mapped[time | None]
    afternoon_start: Mapped[time | None]
    afternoon_end: Mapped[time | None]
    min_grade: Mapped[int | None]
    max_grade: Mapped[int | None]
    # At most this many days (live bookings or applications) per child.
    per_child_limit: Mapped[int | None]
    # Book Monday–Friday of a week together.
    weekly_blocks: Mapped[bool] = mapped_column(default=False)
    # Percent of each slot's places the draw keeps for children new to the centre.
    newcomer_share: Mapped[int] = mapped_column(default=0)
    # Minutes after a slot ends before a child still here counts as a late pickup.
    pickup_grace_minutes: Mapped[int] = mapped_column(default=15)
    # The lottery seed: drawn from `secrets` when applications close, kept secret
    # until the draw; its SHA-256 is public from that moment (a commitment).
    draw_seed: Mapped[str | None] = mapped_column(String(64))
    seed_sha256: Mapped[str | None] = mapped_column(String(64))
    seed_drawn_at: Mapped[datetime | None]
    drawn_at: Mapped[datetime | None]
    drawn_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    # What the draw saw and decided, so it can be shown and replayed.
    draw_report: Mapped[dict | None] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    activity = relationship("Activity", back_populates="programme")
    slots: Mapped[list[ProgrammeSlot]] = relationship(
        back_populates="programme", order_by="ProgrammeSlot.day, ProgrammeSlot.kind"
    )

    @property
    def is_afterschool(self) -> bool:
        return self.kind == ProgrammeKind.AFTERSCHOOL

    def slot_times(self) -> dict[str, tuple[time, time]]:
        times = {
            SlotKind.FULL: (self.full_start, self.full_end),
            SlotKind.MORNING: (self.morning_start, self.morning_end),
            SlotKind.AFTERNOON: (self.afternoon_start, self.afternoon_end),
        }
        return {k: v for k, v in times.items() if v[0] is not None and v[1] is not None}


class ProgrammeSlot(db.Model):
    """The slot kind and local day of one session of a programme."""

    id: Mapped[int] = mapped_column(primary_key=True)
    programme_id: Mapped[int] = mapped_column(ForeignKey("programme.id"), index=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("activity_session.id"), unique=True)
    kind: Mapped[str] = mapped_column(String(10))
    day: Mapped[date]

    programme: Mapped[Programme] = relationship(back_populates="slots")
    session = relationship("Session")


class LotteryApplication(db.Model):
    """A child's wish for one slot of a lottery programme; the draw turns it into a
    confirmed or waitlisted booking."""

    __table_args__ = (UniqueConstraint("session_id", "person_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    programme_id: Mapped[int] = mapped_column(ForeignKey("programme.id"), index=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("activity_session.id"), index=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id"), index=True)
    household_id: Mapped[int] = mapped_column(ForeignKey("household.id"))
    # Applications sharing a key on one slot are drawn as one unit ("both or none").
    together_key: Mapped[str | None] = mapped_column(String(40))
    status: Mapped[str] = mapped_column(String(12), default=ApplicationStatus.APPLIED)
    applied_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    draw_rank: Mapped[int | None]
    booking_id: Mapped[int | None] = mapped_column(ForeignKey("booking.id"))

    person = relationship("Person")
    session = relationship("Session")
    booking = relationship("Booking")


class PickupPerson(db.Model):
    """Someone a guardian allows to collect a child. Taken off the list = deleted."""

    id: Mapped[int] = mapped_column(primary_key=True)
    child_id: Mapped[int] = mapped_column(ForeignKey("person.id"), index=True)
    name: Mapped[str] = mapped_column(String(60))
    phone: Mapped[str] = mapped_column(String(20))
    relation: Mapped[str] = mapped_column(String(30))
    # HMAC-SHA256 of the 4-digit code under the server's key (app/services/childcare/pickup_list.py):
    # the code itself is shown once, to the guardian who made it, and stored nowhere.
    code_hash: Mapped[str] = mapped_column(String(64))
    # A one-day authorisation ("grandpa picks up today"): only on this local date.
    # None: every day.
    valid_on: Mapped[date | None]
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    child = relationship("Person")

    # The plain code, set only on the object that add/new-code returns, for the page
    # that shows it once. Not a column.
    issued_code = None


class PickupAttempt(db.Model):
    """Every check-out attempt at the door, allowed or refused."""

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("activity_session.id"), index=True)
    child_id: Mapped[int] = mapped_column(ForeignKey("person.id"), index=True)
    attendance_id: Mapped[int | None] = mapped_column(ForeignKey("attendance.id"))
    # Set to None when the person is taken off the list; the name stays below.
    pickup_person_id: Mapped[int | None] = mapped_column(ForeignKey("pickup_person.id"))
    pickup_name: Mapped[str | None] = mapped_column(String(60))
    ok: Mapped[bool]
    # Why a refusal: wrong_code, not_listed, not_today, not_here, too_many.
    reason: Mapped[str | None] = mapped_column(String(20))
    teacher_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)

    child = relationship("Person")
    session = relationship("Session")
    pickup_person = relationship("PickupPerson")
    teacher = relationship("User")


class PickupLock(db.Model):
    """A child's wrong pickup codes on one day, and whether they locked check-out.

    The door decides from this row alone: the attempts and the audit log are the
    record, and may be thinned out or kept for a year without unlocking (or locking
    again) a child. One row per child and local date: a new day counts afresh.
    Lifting sets the count back to 0 and keeps who lifted the last lock, and why."""

    __table_args__ = (UniqueConstraint("child_id", "day"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    child_id: Mapped[int] = mapped_column(ForeignKey("person.id"))
    # The centre's local date the wrong codes were typed on.
    day: Mapped[date]
    # Wrong codes since the day began, or since staff last lifted the lock.
    wrong_codes: Mapped[int] = mapped_column(default=0)
    # Set when wrong_codes reached the limit; None again once staff lift the lock.
    locked_at: Mapped[datetime | None]
    lifted_at: Mapped[datetime | None]
    lifted_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    lift_reason: Mapped[str | None] = mapped_column(String(300))

    child = relationship("Person")
    lifted_by = relationship("User")
