"""A user's calendar feed: its private address (an HMAC token, renewable and
revocable) and what it carries: the household's confirmed bookings, one event per
session, with moved sessions at their new time and cancelled ones marked so."""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import and_, delete, exists, or_, select

from app.database import add_if_new
from app.extensions import db
from app.models import (
    Booking,
    BookingStatus,
    CalendarFeed,
    Leave,
    Session,
    SessionStatus,
    User,
)
from app.services.booking.targets import covers_session

# How far back the feed reaches: a calendar keeps what it has seen.
FEED_PAST = timedelta(days=31)
TOKEN_LENGTH = 43  # 32 bytes in URL-safe base64, unpadded


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def token_for(feed: CalendarFeed) -> str:
    """The feed's token: an HMAC of its nonce under SECRET_KEY (a new SECRET_KEY
    changes every address)."""
    key = current_app.config["SECRET_KEY"].encode()
    digest = hmac.new(key, f"calendar-feed:{feed.nonce}".encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def feed_of(user: User) -> CalendarFeed | None:
    return db.session.scalar(select(CalendarFeed).where(CalendarFeed.user_id == user.id))


def renew_feed(user: User, *, now: datetime) -> CalendarFeed:
    """Turns the user's feed on, or gives it a new address: the old one stops at once."""
    feed = feed_of(user)
    if feed is None:
        feed = _with_new_token(CalendarFeed(user_id=user.id), now)
        if add_if_new(feed):
            return feed
        feed = feed_of(user)  # made a moment ago by another request: renew that one
    _with_new_token(feed, now)
    db.session.flush()
    return feed


def _with_new_token(feed: CalendarFeed, now: datetime) -> CalendarFeed:
    feed.nonce = secrets.token_hex(16)
    feed.token_hash = _hash(token_for(feed))
    feed.created_at = now
    return feed


def stop_feed(user: User) -> bool:
    """Turns the user's feed off (its address answers 404). False if it was off."""
    return bool(
        db.session.execute(
            delete(CalendarFeed)
            .where(CalendarFeed.user_id == user.id)
            .execution_options(synchronize_session=False)
        ).rowcount
    )


def feed_for_token(token: str | None) -> CalendarFeed | None:
    """The feed of an active account whose address holds `token`, else None."""
    if not token or len(token) != TOKEN_LENGTH or not token.isascii():
        return None
    feed = db.session.scalar(select(CalendarFeed).where(CalendarFeed.token_hash == _hash(token)))
    if feed is None or not feed.user.active:
        return None
    return feed


@dataclass
class Event:
    """One session in a household's calendar."""

    session: Session
    cancelled: bool
    # The household's people booked on it (the feed shows only how many).
    people: list = field(default_factory=list)


def _on_leave(session_column, person_column):
    return exists().where(Leave.session_id == session_column, Leave.person_id == person_column)


def household_events(household_id: int, now: datetime) -> list[Event]:
    """The household's sessions from FEED_PAST ago on: every session a confirmed
    booking covers (a term's dates without those on leave), and sessions the centre
    cancelled (their bookings cancelled with them), marked cancelled. By start."""
    rows = db.session.execute(
        select(Session, Booking)
        .join(Booking, covers_session())
        .where(
            Booking.household_id == household_id,
            Session.ends_at >= now - FEED_PAST,
            or_(
                Booking.status == BookingStatus.CONFIRMED,
                and_(
                    Booking.status == BookingStatus.CANCELLED,
                    Booking.session_id.is_not(None),
                    Session.status == SessionStatus.CANCELLED,
                ),
            ),
            ~and_(Booking.session_id.is_(None), _on_leave(Session.id, Booking.person_id)),
        )
        .order_by(Session.starts_at, Session.id, Booking.id)
    )
    events: dict[int, Event] = {}
    for session, booking in rows:
        event = events.setdefault(
            session.id, Event(session, session.status == SessionStatus.CANCELLED)
        )
        if booking.person not in event.people:
            event.people.append(booking.person)
    return list(events.values())


def events_etag(events: list[Event], locale: str) -> str:
    """A tag of what the events say (not of their stamps), for conditional fetches."""
    digest = hashlib.sha256(locale.encode())
    for e in events:
        s = e.session
        digest.update(
            f"{s.id}|{s.starts_at}|{s.ends_at}|{s.where}|{e.cancelled}|{len(e.people)}|"
            f"{s.activity.title}|{s.activity.title_en}\n".encode()
        )
    return digest.hexdigest()[:32]


def booking_events(booking: Booking) -> list[Event]:
    """One booking's sessions (a term: all its coming dates), for "add to calendar"."""
    one = booking.session
    sessions = [one] if one is not None else list(booking.activity.sessions)
    return [Event(s, s.status == SessionStatus.CANCELLED, [booking.person]) for s in sessions]
