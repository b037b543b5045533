"""Activities as advertised, and their dated sessions."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import CheckConstraint, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.timeutil import utcnow


class Audience(StrEnum):
    ELDER = "elder"
    CHILD = "child"
    FAMILY = "family"
    ALL = "all"


class EnrolmentUnit(StrEnum):
    SERIES = "series"
    SESSION = "session"


class CapacityUnit(StrEnum):
    PERSON = "person"
    HOUSEHOLD = "household"


class Allocation(StrEnum):
    FCFS = "fcfs"
    LOTTERY = "lottery"


class WaitlistPolicy(StrEnum):
    AUTO = "auto"
    OFFER = "offer"


class ActivityStatus(StrEnum):
    DRAFT = "draft"
    PUBLISHED = "published"
    ARCHIVED = "archived"


class SessionStatus(StrEnum):
    SCHEDULED = "scheduled"
    CANCELLED = "cancelled"


CATEGORIES = (
    "dance",
    "calligraphy",
    "smartphone",
    "choir",
    "opera",
    "crafts",
    "music",
    "fitness",
    "health",
    "childcare",
    "afterschool",
    "event",
)


class Activity(db.Model):
    __table_args__ = (CheckConstraint("taken >= 0 AND taken <= capacity", name="series_seats"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(120))
    title_en: Mapped[str | None] = mapped_column(String(120))
    description: Mapped[str] = mapped_column(Text, default="")
    description_en: Mapped[str | None] = mapped_column(Text)
    category: Mapped[str] = mapped_column(String(20), index=True)
    audience: Mapped[str] = mapped_column(String(10), default=Audience.ALL)
    min_age: Mapped[int | None]
    max_age: Mapped[int | None]
    teacher_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    room: Mapped[str] = mapped_column(String(60), default="")
    capacity: Mapped[int]
    # Seats taken on a series (term) enrolment; session enrolment counts per session.
    taken: Mapped[int] = mapped_column(default=0)
    enrolment_unit: Mapped[str] = mapped_column(String(10), default=EnrolmentUnit.SESSION)
    capacity_unit: Mapped[str] = mapped_column(String(10), default=CapacityUnit.PERSON)
    allocation: Mapped[str] = mapped_column(String(10), default=Allocation.FCFS)
    waitlist_enabled: Mapped[bool] = mapped_column(default=True)
    waitlist_policy: Mapped[str] = mapped_column(String(10), default=WaitlistPolicy.AUTO)
    opens_at: Mapped[datetime | None]
    closes_at: Mapped[datetime | None]
    cancel_hours: Mapped[int] = mapped_column(default=2)
    status: Mapped[str] = mapped_column(String(10), default=ActivityStatus.PUBLISHED)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    teacher = relationship("User")
    # A childcare programme's activity is booked under the programme's rules. The
    # booking request loads it with the activity (booking.load_subjects).
    programme = relationship("Programme", back_populates="activity", uselist=False)
    sessions: Mapped[list[Session]] = relationship(
        back_populates="activity", order_by="Session.starts_at"
    )

    @property
    def is_series(self) -> bool:
        return self.enrolment_unit == EnrolmentUnit.SERIES

    @property
    def counts_households(self) -> bool:
        return self.capacity_unit == CapacityUnit.HOUSEHOLD

    def title_for(self, locale: str) -> str:
        return (self.title_en or self.title) if locale.startswith("en") else self.title

    def description_for(self, locale: str) -> str:
        if locale.startswith("en") and self.description_en:
            return self.description_en
        return self.description


class Session(db.Model):
    """One dated occurrence of an activity."""

    __tablename__ = "activity_session"
    __table_args__ = (
        CheckConstraint("taken >= 0 AND taken <= capacity", name="session_seats"),
        CheckConstraint("ends_at > starts_at", name="session_times"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    activity_id: Mapped[int] = mapped_column(ForeignKey("activity.id"), index=True)
    starts_at: Mapped[datetime] = mapped_column(index=True)
    ends_at: Mapped[datetime]
    room: Mapped[str | None] = mapped_column(String(60))
    capacity: Mapped[int]
    taken: Mapped[int] = mapped_column(default=0)
    status: Mapped[str] = mapped_column(String(10), default=SessionStatus.SCHEDULED)
    # Why the centre called it off, as staff typed it: the lobby display and the
    # notice to those booked show it.
    cancel_reason: Mapped[str | None] = mapped_column(String(300))

    activity: Mapped[Activity] = relationship(back_populates="sessions")

    @property
    def where(self) -> str:
        return self.room or self.activity.room

    def is_over(self, now: datetime) -> bool:
        """The session has ended (pages say "over"; nothing more can happen in it)."""
        return self.ends_at <= now
