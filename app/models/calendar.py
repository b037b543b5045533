"""A household's calendar feed: the private address a phone's calendar subscribes to."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db


class CalendarFeed(db.Model):
    """One user's calendar address. The address's token is an HMAC of `nonce` under
    the server's key (so the page can show it again, and the table alone gives it to
    nobody); `token_hash` (its SHA-256) finds the feed. A new nonce renews the
    address, deleting the row turns it off: either way the old address answers 404
    (services/calendar/feeds.py)."""

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id"), unique=True)
    nonce: Mapped[str] = mapped_column(String(32))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime]

    user = relationship("User")
