"""Asking for the secret again before a sensitive change, and how long that holds."""

from __future__ import annotations

from datetime import UTC, datetime

from app.models import User
from app.services import refusals
from app.services.people import login as people_login


def confirm_secret(
    user: User, secret: str | None, *, now: datetime, settings, address: str | None
) -> None:
    """Returns when `secret` is `user`'s PIN or password. Raises LoginRefused (the
    failure is recorded; the caller commits it) or LoginLocked. Like a login, the
    slow hash check runs in a read transaction of its own, and failures count for
    the (phone, client address) pair like a login's."""
    confirmed = people_login.log_in(
        user.phone, secret or "", now=now, settings=settings, address=address
    )
    if confirmed.id != user.id:  # cannot happen: phones are unique
        raise refusals.LoginRefused()


def stamp(now: datetime) -> int:
    """What the session keeps of a confirmation: its moment, in seconds since the
    epoch (UTC), and nothing about the child or the change."""
    return int(now.replace(tzinfo=UTC).timestamp())


def is_fresh(stamped, *, now: datetime, settings) -> bool:
    """A confirmation `stamp`ed less than REAUTH_MINUTES ago (anything else, e.g. a
    missing or odd value, is not one)."""
    if not isinstance(stamped, int | float):
        return False
    return 0 <= stamp(now) - stamped < settings["REAUTH_MINUTES"] * 60
