"""Bookings as "My bookings" and the desk's person page show them (issue 18): what
is coming, chosen by the database rather than by reading every booking ever made
(past ones stay "confirmed"), and the past a page at a time, newest first, by
keyset on (session start, booking id): no OFFSET, no COUNT.

A booking is coming while its session is scheduled and not over, or, for a term
enrolment (`session_id` NULL), while the term has a scheduled session not over.
It is earlier once its session ended, or every session of its term did. The key
of an earlier booking is its session's start, for a term its last session's."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, DateTime, and_, exists, func, literal, or_, select
from sqlalchemy.orm import aliased, contains_eager, selectinload

from app.extensions import db
from app.models import LIVE_STATUSES, Booking, Session, SessionStatus, User

EARLIER_PAGE_SIZE = 20
_EPOCH = datetime(1970, 1, 1)
_MAX_ID = 2**31 - 1  # the largest id a PostgreSQL integer column holds
# Microseconds since 1970, a dash, a booking id: ASCII digits only (no full-width).
_TOKEN = re.compile(r"([0-9]{1,18})-([0-9]{1,10})")

_TermSession = aliased(Session)


@dataclass(frozen=True)
class Cursor:
    """Where an earlier page starts: before this (session start, booking id)."""

    starts_at: datetime
    booking_id: int

    @property
    def token(self) -> str:
        micro = (self.starts_at - _EPOCH) // timedelta(microseconds=1)
        return f"{micro}-{self.booking_id}"

    @classmethod
    def parse(cls, token: str | None) -> Cursor | None:
        """The cursor a token names, or None (the first page) for anything else."""
        found = _TOKEN.fullmatch(token or "")
        if found is None or int(found[2]) > _MAX_ID:
            return None
        try:
            starts_at = _EPOCH + timedelta(microseconds=int(found[1]))
        except OverflowError:
            return None
        return cls(starts_at, int(found[2]))


@dataclass(frozen=True)
class EarlierRow:
    booking: Booking
    starts_at: datetime  # the session's start; a term's last session's


@dataclass(frozen=True)
class EarlierPage:
    rows: list[EarlierRow]
    older: Cursor | None  # where the next (older) page starts; None: this is the last


def _term_sessions(*conditions) -> ColumnElement:
    """The booking's term sessions (correlated with `Booking`) meeting `conditions`."""
    return and_(_TermSession.activity_id == Booking.activity_id, *conditions)


def _term_first_start_after(now: datetime):
    return (
        select(func.min(_TermSession.starts_at))
        .where(
            _term_sessions(_TermSession.status == SessionStatus.SCHEDULED),
            _TermSession.starts_at > now,
        )
        .scalar_subquery()
    )


def _term_last(column):
    return select(func.max(column)).where(_term_sessions()).scalar_subquery()


def _is_coming(now: datetime) -> ColumnElement[bool]:
    return or_(
        and_(Session.status == SessionStatus.SCHEDULED, Session.ends_at > now),
        and_(
            Booking.session_id.is_(None),
            exists().where(
                _term_sessions(
                    _TermSession.status == SessionStatus.SCHEDULED, _TermSession.ends_at > now
                )
            ),
        ),
    )


def coming(owner: ColumnElement[bool], params: dict, now: datetime) -> list[Booking]:
    """The live bookings `owner` selects (a condition on `Booking`, with its bind
    `params`) that are not over, soonest first (a term at its next start). Loads
    what the lists show: class, session, person, who booked."""
    soonest = func.coalesce(Session.starts_at, _term_first_start_after(now), literal(now, DateTime))
    query = (
        select(Booking)
        .outerjoin(Session, Session.id == Booking.session_id)
        .options(
            contains_eager(Booking.session),
            selectinload(Booking.activity),
            selectinload(Booking.person),
            selectinload(Booking.booked_by).selectinload(User.person),
        )
        .where(owner, Booking.status.in_(LIVE_STATUSES), _is_coming(now))
        .order_by(soonest, Booking.id)
    )
    return list(db.session.scalars(query, params))


def earlier(
    owner: ColumnElement[bool],
    params: dict,
    now: datetime,
    before: Cursor | None = None,
    size: int = EARLIER_PAGE_SIZE,
) -> EarlierPage:
    """One page of the bookings `owner` selects (any status) whose session, or
    whole term, is over: newest first, `size` of them, before `before`."""
    key = func.coalesce(Session.starts_at, _term_last(_TermSession.starts_at))
    end = func.coalesce(Session.ends_at, _term_last(_TermSession.ends_at))
    query = (
        select(Booking, key.label("key"))
        .outerjoin(Session, Session.id == Booking.session_id)
        .options(
            contains_eager(Booking.session),
            selectinload(Booking.activity),
            selectinload(Booking.person),
        )
        .where(owner, end <= now)
        .order_by(key.desc(), Booking.id.desc())
        .limit(size + 1)
    )
    if before is not None:
        query = query.where(
            or_(
                key < before.starts_at,
                and_(key == before.starts_at, Booking.id < before.booking_id),
            )
        )
    found = [
        EarlierRow(booking, starts_at) for booking, starts_at in db.session.execute(query, params)
    ]
    rows = found[:size]
    older = Cursor(rows[-1].starts_at, rows[-1].booking.id) if len(found) > size else None
    return EarlierPage(rows, older)
