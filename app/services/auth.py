"""Logging in with phone number and PIN/password, slowed and then locked after
repeated failures for one number (so a 6-digit PIN cannot be guessed)."""

from __future__ import annotations

import re
from datetime import datetime, timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from werkzeug.security import check_password_hash, generate_password_hash

from app import database
from app.extensions import db
from app.formatting import lazy_when
from app.models import LoginAttempt, Person, User
from app.services.errors import BookingError
from app.services.rows import add_if_new


class LoginRefused(BookingError):
    code = "login_refused"
    http_status = 401

    @staticmethod
    def default_message():
        return _l("The phone number or PIN is not right. Please try again.")


class LoginLocked(LoginRefused):
    code = "login_locked"
    http_status = 429


_NON_DIGITS = re.compile(r"[\s\-()]")


def normalise_phone(raw: str) -> str:
    phone = _NON_DIGITS.sub("", raw or "")
    if phone.startswith("+86"):
        phone = phone[3:]
    elif phone.startswith("0086"):
        phone = phone[4:]
    return phone


def hash_secret(secret: str, method: str) -> str:
    return generate_password_hash(secret, method=method)


def authenticate(phone: str, secret: str, *, now: datetime, settings) -> User:
    """Returns the user for phone + PIN/password. Raises LoginRefused or LoginLocked.

    Failed attempts are recorded even though login fails: the caller commits either way.
    """
    user = check_credentials(phone, secret, now=now, settings=settings)
    return record_login(phone, user, now=now, settings=settings)


def log_in(phone: str, secret: str, *, now: datetime, settings) -> User:
    """`authenticate` for the login pages: the slow hash check runs in a read
    transaction of its own, and only its outcome is written, in a short write
    transaction (the caller commits it). Raises LoginRefused or LoginLocked."""
    db.session.commit()  # whatever the request did before, it is done
    with database.read_only_transactions():
        user = check_credentials(phone, secret, now=now, settings=settings)
        db.session.commit()  # ends the read transaction
    return record_login(phone, user, now=now, settings=settings)


def check_credentials(phone: str, secret: str, *, now: datetime, settings) -> User | None:
    """The first half of `authenticate`, which only reads: the user when phone and
    secret match, None when they do not. Raises LoginLocked while the number is
    locked or must wait. Checking a hash takes tens of milliseconds on purpose, so a
    login page runs this in a read transaction: on SQLite a write transaction holds
    the whole database, and every booking would wait for it."""
    phone = normalise_phone(phone)
    attempt = db.session.get(LoginAttempt, phone)
    if attempt is not None:
        if attempt.locked_until is not None and now < attempt.locked_until:
            raise LoginLocked(
                _l(
                    "Too many wrong tries. Please try again after %(when)s, or ask at the front desk.",
                    when=lazy_when(attempt.locked_until, "time"),
                )
            )
        if attempt.failures >= settings["LOGIN_SLOW_AFTER"] and attempt.last_failed_at:
            wait = 2 ** (attempt.failures - settings["LOGIN_SLOW_AFTER"] + 1)
            ready_at = attempt.last_failed_at + timedelta(seconds=wait)
            if now < ready_at:
                raise LoginLocked(
                    _l(
                        "Please wait %(seconds)s seconds before trying again.",
                        seconds=int((ready_at - now).total_seconds()) + 1,
                    )
                )
    user = db.session.scalar(select(User).where(User.phone == phone))
    if user is not None and user.active and check_password_hash(user.secret_hash, secret or ""):
        return user
    return None


def record_login(phone: str, user: User | None, *, now: datetime, settings) -> User:
    """The second half of `authenticate`, which writes: a success (`user`) clears the
    number's failures; a failure (None) counts, locks the number after
    LOGIN_LOCK_AFTER of them, and raises LoginRefused. The count is re-read here, so
    failures made at the same moment all count."""
    phone = normalise_phone(phone)
    attempt = _attempt_for_update(phone)
    if user is not None:
        if attempt is not None:
            db.session.delete(attempt)
        return user
    if attempt is None:
        # Another failure for this number may have been recorded a moment ago.
        add_if_new(LoginAttempt(phone=phone, failures=0))
        attempt = _attempt_for_update(phone)
    attempt.failures += 1
    attempt.last_failed_at = now
    if attempt.failures >= settings["LOGIN_LOCK_AFTER"]:
        attempt.locked_until = now + timedelta(minutes=settings["LOGIN_LOCK_MINUTES"])
        attempt.failures = 0
    db.session.flush()
    raise LoginRefused()


def _attempt_for_update(phone: str) -> LoginAttempt | None:
    return db.session.get(LoginAttempt, phone, with_for_update=True, populate_existing=True)


def find_user_by_phone(phone: str) -> User | None:
    return db.session.scalar(select(User).where(User.phone == normalise_phone(phone)))


def household_members(user: User) -> list[Person]:
    return list(
        db.session.scalars(
            select(Person).where(Person.household_id == user.household_id).order_by(Person.id)
        )
    )
