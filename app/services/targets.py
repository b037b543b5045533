"""What a booking claims: one session, or a whole series (term class)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import and_, func, select

from app.extensions import db
from app.models import Activity, Booking, Session, SessionStatus
from app.services.errors import NotBookable


@dataclass(frozen=True)
class Target:
    activity: Activity
    session: Session | None  # None: the series, every session of the activity

    @classmethod
    def of(cls, activity: Activity, session: Session | None = None) -> Target:
        """Raises NotBookable when the pair does not match the activity's enrolment."""
        if activity.is_series:
            return cls(activity, None)
        if session is None or session.activity_id != activity.id:
            raise NotBookable()
        return cls(activity, session)

    @classmethod
    def of_booking(cls, booking: Booking) -> Target:
        return cls(booking.activity, booking.session)

    @property
    def seat_row(self) -> Activity | Session:
        """The row whose `taken`/`capacity` count seats for this target."""
        return self.session if self.session is not None else self.activity

    @property
    def seat_model(self):
        return Session if self.session is not None else Activity

    def bookings_clause(self):
        """SQL condition selecting bookings on this target."""
        if self.session is not None:
            return Booking.session_id == self.session.id
        return and_(Booking.activity_id == self.activity.id, Booking.session_id.is_(None))

    def sessions(self) -> list[Session]:
        """The scheduled sessions this target covers."""
        if self.session is not None:
            return [self.session] if self.session.status == SessionStatus.SCHEDULED else []
        return [s for s in self.activity.sessions if s.status == SessionStatus.SCHEDULED]

    def first_start(self) -> datetime | None:
        sessions = self.sessions()
        return sessions[0].starts_at if sessions else None

    def first_start_after(self, now: datetime) -> datetime | None:
        return next((s.starts_at for s in self.sessions() if s.starts_at > now), None)

    def last_end(self) -> datetime | None:
        sessions = self.sessions()
        return max(s.ends_at for s in sessions) if sessions else None

    def seats_left(self) -> int:
        row = self.seat_row
        return max(row.capacity - row.taken, 0)

    def count(self, status: str) -> int:
        return db.session.scalar(
            select(func.count(Booking.id)).where(self.bookings_clause(), Booking.status == status)
        )
