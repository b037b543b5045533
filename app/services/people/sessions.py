"""Ending every session of a user (log out everywhere)."""

from __future__ import annotations

from datetime import datetime

from app.extensions import db
from app.models import User
from app.services import audit


def end_all_sessions(user: User) -> None:
    """Every existing session and remember cookie of `user` stops working."""
    # One UPDATE in SQL: two requests ending sessions at once both count.
    user.session_version = User.session_version + 1
    db.session.flush()


def log_out_everywhere(user: User, *, by: User, now: datetime) -> None:
    """Staff end all of a user's sessions (a lost phone, a shared computer); audited."""
    end_all_sessions(user)
    audit.record(by, "user.log_out_everywhere", user, now, after={"person": user.person.name})
