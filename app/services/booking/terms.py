"""How a term class is named to people: the session a booking is about (for a
term enrolment, its next session) and that session's number in the term ("第 5 次课，
共 12 次"), and the term's weekly pattern ("整学期 · 每周二 09:00 · 共 12 次").

`places_of` is THE rule for "the next session of a booking" and "its number in the
term": the kiosk's slip, the notices, "My bookings" (phone and kiosk) all ask it."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from babel import dates
from babel.lists import format_list
from flask_babel import get_locale, ngettext
from sqlalchemy import or_, select

from app.extensions import db
from app.formatting import session_number, when
from app.models import Booking, Session, SessionStatus
from app.timeutil import local_date


@dataclass(frozen=True)
class SessionPlace:
    """A session as people are told of it; for a term class with its number in
    the term (1 = the first) and the term's number of sessions."""

    session: Session
    number: int | None = None
    total: int | None = None

    @property
    def label(self) -> str:
        """ "第 5 次课，共 12 次", or "" for a class booked session by session."""
        if self.number is None or self.total is None:
            return ""
        return session_number(self.number, self.total)


def _counted(session: Session, named: set[int]) -> bool:
    # A cancelled date is not one of the term's sessions, unless it is the one named
    # (the notice that it was cancelled still says which it was).
    return session.status == SessionStatus.SCHEDULED or session.id in named


def _term_sessions(activity_ids: set[int], named: set[int]) -> dict[int, list[Session]]:
    """The sessions of each term class, in order (`starts_at`, then id)."""
    if not activity_ids:
        return {}
    rows = db.session.scalars(
        select(Session)
        .where(
            Session.activity_id.in_(activity_ids),
            or_(Session.status == SessionStatus.SCHEDULED, Session.id.in_(named)),
        )
        .order_by(Session.starts_at, Session.id)
    )
    terms: dict[int, list[Session]] = {}
    for session in rows:
        terms.setdefault(session.activity_id, []).append(session)
    return terms


def _place(session: Session, term: list[Session] | None, named: set[int]) -> SessionPlace:
    if term is None:
        return SessionPlace(session)
    listed = [s for s in term if _counted(s, named)]
    number = next((i for i, s in enumerate(listed, 1) if s.id == session.id), None)
    return SessionPlace(session, number, len(listed) if number is not None else None)


def places_of(
    bookings: Iterable[Booking], now: datetime, *, sessions: dict[int, Session] | None = None
) -> dict[int, SessionPlace]:
    """For each booking (by id), the session to name: the one given for it in
    `sessions` (a reminder's, a missed one), else its own session, else, for a term
    enrolment, the term's next session not over yet (none once the term is over).
    For a term class, with the session's number in the term. One query."""
    bookings = list(bookings)
    sessions = sessions or {}
    named = {s.id for s in sessions.values()} | {b.session_id for b in bookings if b.session_id}
    terms = _term_sessions({b.activity_id for b in bookings if b.activity.is_series}, named)
    places = {}
    for booking in bookings:
        session = sessions.get(booking.id) or booking.session
        if session is None:
            coming = terms.get(booking.activity_id, [])
            session = next(
                (s for s in coming if s.status == SessionStatus.SCHEDULED and s.ends_at > now), None
            )
        if session is not None:
            places[booking.id] = _place(session, terms.get(session.activity_id), named)
    return places


def next_session(booking: Booking, now: datetime) -> SessionPlace | None:
    """`places_of` for one booking: its session, or its term's next one."""
    return places_of([booking], now).get(booking.id)


def place_in_term(booking: Booking, session: Session, now: datetime) -> SessionPlace:
    """`places_of` for one booking and a session named for it (a reminder's, a
    missed one, a cancelled or moved date)."""
    return places_of([booking], now, sessions={booking.id: session})[booking.id]


@dataclass(frozen=True)
class TermPattern:
    """A term class at a glance: the weekdays it meets on (ISO, centre time), the
    next session (whose time of day is shown) and how many sessions the term has."""

    weekdays: tuple[int, ...]
    next_start: datetime
    total: int

    @property
    def label(self) -> str:
        """ "整学期 · 每周二 09:00 · 共 12 次" in the reader's language."""
        locale = get_locale()
        width = "abbreviated" if str(locale).startswith("zh") else "wide"
        names = dates.get_day_names(width, locale=locale)
        days = format_list([names[d - 1] for d in self.weekdays], locale=locale)
        return ngettext(
            "The whole term · every %(days)s %(time)s · %(num)d session",
            "The whole term · every %(days)s %(time)s · %(num)d sessions",
            self.total,
            days=days,
            time=when(self.next_start, "time"),
        )


def term_patterns(activity_ids: set[int], now: datetime) -> dict[int, TermPattern]:
    """Each term class's pattern, from its scheduled sessions. One query."""
    patterns = {}
    for activity_id, term in _term_sessions(activity_ids, set()).items():
        coming = [s for s in term if s.ends_at > now] or term
        weekdays = tuple(sorted({local_date(s.starts_at).isoweekday() for s in term}))
        patterns[activity_id] = TermPattern(weekdays, coming[0].starts_at, len(term))
    return patterns
