"""What can be booked: one session or a whole term (a `Target`), and the SQL
clauses the booking rules share (bookings on a target, bookings covering a session:
`covers_session` is the one place that rule lives)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ColumnElement, and_, bindparam, func, or_, select

from app.extensions import db
from app.models import Activity, Booking, BookingStatus, Leave, Session, SessionStatus
from app.services.refusals import NotBookable


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
    def named(cls, activity: Activity, session: Session | None = None) -> Target:
        """What a booking form names: a class's session, a whole term (no session),
        or one date of a term class (a session of it named: that date only).
        Raises NotBookable for a session of another class, or none for a class
        booked session by session."""
        if session is None:
            return cls.of(activity, None)
        if session.activity_id != activity.id:
            raise NotBookable()
        return cls(activity, session)

    @classmethod
    def of_booking(cls, booking: Booking) -> Target:
        return cls(booking.activity, booking.session)

    @property
    def is_series_date(self) -> bool:
        """One date of a term class: drop-ins and one-time waitlisters for that day."""
        return self.session is not None and self.activity.is_series

    @property
    def seat_row(self) -> Activity | Session:
        """The row whose `taken`/`capacity` count seats for this target."""
        return self.session if self.session is not None else self.activity

    @property
    def seat_model(self):
        return Session if self.session is not None else Activity

    def bookings_clause(self):
        """SQL condition selecting bookings on this target."""
        return bookings_on_target(self.session is None, self.bookings_params())

    def bookings_params(self) -> dict:
        """Values for `bookings_on_target()` of this target's kind."""
        if self.session is not None:
            return {"session_id": self.session.id}
        return {"activity_id": self.activity.id}

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
        if self.is_series_date:
            return date_seats_left(self.session, series_date_capacity(self.session))
        return max(row.capacity - row.taken, 0)


def matching_target(activity: Activity, session: Session | None) -> Target | None:
    """`Target.named` without its refusal: None when the pair does not match (a
    session of another class, or none for a class booked session by session)."""
    if session is not None and session.activity_id != activity.id:
        return None
    if session is None and not activity.is_series:
        return None
    return Target.named(activity, session)


def bookings_on_target(series: bool, values: dict | None = None):
    """SQL condition selecting bookings on a target: a series' (`activity_id`) or one
    session's (`session_id`). Without `values` the ids are bind parameters, for
    statements built once and given `Target.bookings_params()` when run."""

    def param(name: str):
        return bindparam(name, values[name], unique=True) if values else bindparam(name)

    if series:
        return and_(Booking.activity_id == param("activity_id"), Booking.session_id.is_(None))
    return Booking.session_id == param("session_id")


def covers_session(session: Session | None = None) -> ColumnElement[bool]:
    """SQL condition: the booking covers the session, being for that very session or
    for the whole term of the session's activity. THE rule for "a booking covers this
    session"; `booking_covers` is its Python twin and `holds_place_on` adds what a
    roll needs. Without `session`: a join condition on `Session`'s columns, for
    statements built once; with one: on its id and activity, bound."""
    if session is None:
        session_id, activity_id = Session.id, Session.activity_id
    else:
        session_id, activity_id = session.id, session.activity_id
    return or_(
        Booking.session_id == session_id,
        and_(Booking.session_id.is_(None), Booking.activity_id == activity_id),
    )


def booking_covers(booking: Booking, session: Session) -> bool:
    """`covers_session` for a booking already loaded: no statement."""
    if booking.session_id is not None:
        return booking.session_id == session.id
    return booking.activity_id == session.activity_id


def holds_place_on(session: Session) -> ColumnElement[bool]:
    """SQL condition: a confirmed booking covering `session` that puts its person on
    the session's roll (the teacher's, the door's, the kiosk's): a booking of that
    session, or a term enrolment confirmed before the session ended (enrolling later
    does not rewrite a past roll or earn a no-show). People on leave still hold
    their place: the roll shows them excused."""
    return and_(
        Booking.status == BookingStatus.CONFIRMED,
        covers_session(session),
        or_(Booking.session_id.is_not(None), Booking.confirmed_at < session.ends_at),
    )


def live_leaves_clause(session_id_column):
    """SQL count of leaves on a session taken by people still enrolled for the term."""
    return (
        select(func.count(Leave.id))
        .join(Booking, Booking.id == Leave.booking_id)
        .where(
            Leave.session_id == session_id_column,
            Booking.session_id.is_(None),
            Booking.status == BookingStatus.CONFIRMED,
        )
        .scalar_subquery()
    )


def date_seats_left(session: Session, date_capacity: int) -> int:
    """Seats a drop-in may still claim on one date of a term class, whose
    `series_date_capacity` is `date_capacity`: never more than the room has left."""
    return max(min(date_capacity - session.taken, session.capacity - session.taken), 0)


def series_date_capacities(sessions: list[Session]) -> dict[int, int]:
    """`series_date_capacity` of several dates of term classes (by id), in one
    statement however many."""
    if not sessions:
        return {}
    rows = db.session.execute(
        select(Session.id, Activity.taken, live_leaves_clause(Session.id))
        .join(Activity, Activity.id == Session.activity_id)
        .where(Session.id.in_({s.id for s in sessions}))
    )
    figures = {session_id: (enrolled, leaves) for session_id, enrolled, leaves in rows}
    return {s.id: s.capacity - figures[s.id][0] + figures[s.id][1] for s in sessions}


def series_date_capacity(session: Session) -> int:
    """Seats on one date of a term class for people not enrolled for the term:
    the room's capacity, minus the term enrolments, plus enrolled people on leave."""
    activity_taken = select(Activity.taken).where(Activity.id == session.activity_id)
    enrolled = db.session.scalar(activity_taken)
    leaves = db.session.scalar(select(live_leaves_clause(session.id)))
    return session.capacity - enrolled + leaves
