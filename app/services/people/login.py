"""Logging in with a phone and a PIN or password, and the limits on guessing."""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import delete, select
from werkzeug.security import check_password_hash, generate_password_hash

from app import database
from app.database import add_if_new
from app.extensions import db
from app.formatting import lazy_when
from app.inputs import ascii_digits, fold
from app.models import LoginAttempt, LoginCap, Person, User
from app.services import audit
from app.services.jobs import job
from app.services.refusals import LoginLocked, LoginRefused
from app.services.transactions import commit_step
from app.timeutil import local_date, local_day_bounds

# Teachers, staff and admins log in with a password at least this long.
PASSWORD_MIN_LENGTH = 10


# The address of a try whose client is unknown (a PIN typed at the desk).
UNKNOWN_ADDRESS = "-"


_NON_DIGITS = re.compile(r"[\s\-()]")


def normalise_phone(raw: str | None) -> str:
    """The phone number as stored: digits folded to ASCII (NFKC), without spaces,
    dashes, brackets and the +86 / 0086 prefix."""
    phone = _NON_DIGITS.sub("", fold(raw))
    if phone.startswith("+86"):
        phone = phone[3:]
    elif phone.startswith("0086"):
        phone = phone[4:]
    return phone


def typed_secret(raw: str | None) -> str:
    """A PIN as compared and stored: typed in full-width digits it is the same PIN
    as in ASCII ones. Anything else (a password) is kept exactly as typed."""
    digits = ascii_digits(raw)
    return digits if digits is not None else (raw or "")


def hash_secret(secret: str, method: str) -> str:
    return generate_password_hash(typed_secret(secret), method=method)


_dummy_hashes: dict[str, str] = {}


def _dummy_hash(method: str) -> str:
    """A hash of a random secret, made once per process and method: checking a
    secret against it costs what checking a real account's does."""
    if method not in _dummy_hashes:
        _dummy_hashes[method] = generate_password_hash(secrets.token_hex(16), method=method)
    return _dummy_hashes[method]


def client_address(address: str | None) -> str:
    return (address or UNKNOWN_ADDRESS)[:64]


def authenticate(
    phone: str, secret: str, *, now: datetime, settings, address: str | None = None
) -> User:
    """Returns the user for phone + PIN/password, counting a wrong try against
    (phone, address). Raises LoginRefused or LoginLocked.

    Failed attempts are recorded even though login fails: the caller commits either way.
    """
    user = check_credentials(phone, secret, now=now, settings=settings, address=address)
    return record_login(phone, user, now=now, settings=settings, address=address)


def log_in(phone: str, secret: str, *, now: datetime, settings, address: str | None = None) -> User:
    """`authenticate` for the login pages: the slow hash check runs in a read
    transaction of its own, and only its outcome is written, in a short write
    transaction (the caller commits it). Raises LoginRefused or LoginLocked.

    Three transactions, so the hash is checked while no write lock is held: the
    steps commit through `commit_step`, the one helper allowed to."""
    commit_step()  # whatever the request did before, it is done
    with database.read_only_transactions():
        user = check_credentials(phone, secret, now=now, settings=settings, address=address)
        commit_step()  # ends the read transaction
    # The outcome reads the counts, then writes them: on SQLite that transaction
    # must hold the write lock from its BEGIN (a commit above left this request in
    # deferred mode, and two deferred readers upgrading at once fail at once).
    with database.write_transactions():
        return record_login(phone, user, now=now, settings=settings, address=address)


def check_credentials(
    phone: str, secret: str, *, now: datetime, settings, address: str | None = None
) -> User | None:
    """The first half of `authenticate`, which only reads: the user when phone and
    secret match, None when they do not. Raises LoginLocked while the number is
    locked (for this address, or everywhere for the day) or must wait. Checking a
    hash takes tens of milliseconds on purpose, so a login page runs this in a read
    transaction: on SQLite a write transaction holds the whole database, and every
    booking would wait for it."""
    phone = normalise_phone(phone)
    address = client_address(address)
    _refuse_while_locked(
        db.session.get(LoginAttempt, (phone, address)),
        db.session.get(LoginCap, phone),
        now,
        settings,
    )
    user = db.session.scalar(select(User).where(User.phone == phone))
    given = typed_secret(secret)
    if user is None:
        check_password_hash(_dummy_hash(settings["PASSWORD_HASH_METHOD"]), given)
        return None
    if check_password_hash(user.secret_hash, given) and user.active:
        return user
    return None


def _refuse_while_locked(
    attempt: LoginAttempt | None, cap: LoginCap | None, now: datetime, settings
) -> None:
    """Raises LoginLocked while the number is locked everywhere for the day, or the
    pair is locked or must still wait after its last wrong try."""
    if cap is not None and cap.locked_until is not None and now < cap.locked_until:
        raise LoginLocked(
            _l(
                "Too many wrong tries for this number today. Please ask at the front desk, "
                "or try again tomorrow."
            )
        )
    if attempt is None or _forgotten(attempt, now, settings):
        return
    if attempt.locked_until is not None and now < attempt.locked_until:
        same_day = local_date(attempt.locked_until, _zone(settings)) == local_date(
            now, _zone(settings)
        )
        raise LoginLocked(
            _l(
                "Too many wrong tries. Please try again after %(when)s, or ask at the front desk.",
                when=lazy_when(attempt.locked_until, "time" if same_day else "datetime"),
            )
        )
    slow_after, lock_after = settings["LOGIN_SLOW_AFTER"], settings["LOGIN_LOCK_AFTER"]
    if slow_after <= attempt.failures < lock_after and attempt.last_failed_at:
        wait = 2 ** (attempt.failures - slow_after + 1)
        ready_at = attempt.last_failed_at + timedelta(seconds=wait)
        if now < ready_at:
            raise LoginLocked(
                _l(
                    "Please wait %(seconds)s seconds before trying again.",
                    seconds=int((ready_at - now).total_seconds()) + 1,
                )
            )


def record_login(
    phone: str, user: User | None, *, now: datetime, settings, address: str | None = None
) -> User:
    """The second half of `authenticate`, which writes: a success (`user`) clears the
    pair's wrong tries (its lock level stays); a failure (None) counts for the pair
    and for the number's day, locks as the module explains, and raises
    LoginRefused. The counts are re-read here under a row lock, so failures made at
    the same moment all count, and a right PIN checked while other guesses locked
    the pair or reached the day's cap is refused (LoginLocked) like a later try."""
    phone, address = normalise_phone(phone), client_address(address)
    attempt = _attempt_for_update(phone, address)
    if user is not None:
        # The check ran before, in its own transaction: guesses made at the same
        # moment may have locked the pair or the number since.
        _refuse_while_locked(attempt, _cap_for_update(phone), now, settings)
        note_login(user, now)
        if attempt is not None:
            if attempt.locks:
                attempt.failures = 0
            else:
                db.session.delete(attempt)
            db.session.flush()
        return user
    if attempt is None:
        # Another failure for this pair may have been recorded a moment ago.
        add_if_new(LoginAttempt(phone=phone, address=address, failures=0, locks=0))
        attempt = _attempt_for_update(phone, address)
    if _forgotten(attempt, now, settings):
        attempt.failures = 0
    attempt.failures += 1
    attempt.last_failed_at = now
    if attempt.failures >= settings["LOGIN_LOCK_AFTER"]:
        steps = settings["LOGIN_LOCK_MINUTES"]
        attempt.locked_until = now + timedelta(minutes=steps[min(attempt.locks, len(steps) - 1)])
        attempt.locks += 1
    _count_for_the_day(phone, now, settings)
    db.session.flush()
    raise LoginRefused()


def note_login(user: User, now: datetime) -> None:
    """Keeps the day of the user's last login (a person's activity, for the
    retention job): written at most once a day, so most logins write nothing more."""
    last = user.last_login_at
    if last is None or local_date(last) != local_date(now):
        user.last_login_at = now


def _count_for_the_day(phone: str, now: datetime, settings) -> None:
    zone = _zone(settings)
    today = local_date(now, zone)
    cap = _cap_for_update(phone)
    if cap is None:
        add_if_new(LoginCap(phone=phone, day=today, failures=0))
        cap = _cap_for_update(phone)
    if cap.day != today:
        cap.day, cap.failures = today, 0
    cap.failures += 1
    if cap.failures >= settings["LOGIN_DAILY_CAP_PER_PHONE"]:
        cap.locked_until = local_day_bounds(today, zone)[1]
        if cap.flagged_at is None and _has_account(phone):
            cap.flagged_at = now


def _forgotten(attempt: LoginAttempt, now: datetime, settings) -> bool:
    """A pair that was never locked and has had no wrong try for LOGIN_FORGET_DAYS
    days starts afresh. A pair that was locked keeps its level (and its count)
    until staff unlock the number or set a new PIN."""
    if attempt.locks:
        return False
    last = attempt.last_failed_at
    return last is not None and now - last >= timedelta(days=settings["LOGIN_FORGET_DAYS"])


def _has_account(phone: str) -> bool:
    return db.session.scalar(select(User.id).where(User.phone == phone)) is not None


def _zone(settings) -> ZoneInfo:
    return ZoneInfo(settings["TIMEZONE"])


def _attempt_for_update(phone: str, address: str) -> LoginAttempt | None:
    return db.session.get(
        LoginAttempt, (phone, address), with_for_update=True, populate_existing=True
    )


def _cap_for_update(phone: str) -> LoginCap | None:
    return db.session.get(LoginCap, phone, with_for_update=True, populate_existing=True)


# --- what the desk sees and does ---------------------------------------------------


@dataclass(frozen=True)
class LoginLockState:
    """Locks on one phone number now: until when (the latest), at how many
    addresses, wrong tries today, and since when it is on the desk's list."""

    locked_until: datetime | None
    addresses: int
    failures_today: int
    flagged_at: datetime | None

    @property
    def needs_unlock(self) -> bool:
        return self.locked_until is not None or self.flagged_at is not None


def login_lock_state(phone: str, *, now: datetime, settings) -> LoginLockState:
    phone = normalise_phone(phone)
    pair_locks = [
        a.locked_until
        for a in db.session.scalars(select(LoginAttempt).where(LoginAttempt.phone == phone))
        if a.locked_until is not None and now < a.locked_until
    ]
    cap = db.session.get(LoginCap, phone)
    ends = list(pair_locks)
    if cap is not None and cap.locked_until is not None and now < cap.locked_until:
        ends.append(cap.locked_until)
    today = local_date(now, _zone(settings))
    return LoginLockState(
        locked_until=max(ends) if ends else None,
        addresses=len(pair_locks),
        failures_today=cap.failures if cap is not None and cap.day == today else 0,
        flagged_at=cap.flagged_at if cap is not None else None,
    )


def locked_accounts() -> list[tuple[User, LoginCap]]:
    """Accounts whose number reached the daily cap of wrong tries and that staff
    have not unlocked yet, oldest first: the desk phones them."""
    rows = db.session.execute(
        select(User, LoginCap)
        .join(LoginCap, LoginCap.phone == User.phone)
        .where(LoginCap.flagged_at.is_not(None))
        .order_by(LoginCap.flagged_at, User.id)
    )
    return [(user, cap) for user, cap in rows]


def clear_login_locks(phone: str) -> None:
    """Forgets every wrong try and lock of a phone number (all addresses, the day's
    cap, the desk's list)."""
    phone = normalise_phone(phone)
    rows = list(db.session.scalars(select(LoginAttempt).where(LoginAttempt.phone == phone)))
    cap = db.session.get(LoginCap, phone)
    for row in [*rows, cap] if cap is not None else rows:
        db.session.delete(row)
    db.session.flush()


def unlock_login(user: User, *, by: User, now: datetime, settings) -> None:
    """Staff, having spoken with the person, end every lock on their number and take
    it off the list of locked accounts. Audited (the addresses are not)."""
    state = login_lock_state(user.phone, now=now, settings=settings)
    clear_login_locks(user.phone)
    audit.record(
        by,
        "user.unlock_login",
        user,
        now,
        before={
            "locked": state.locked_until is not None,
            "failures_today": state.failures_today,
            "on_list": state.flagged_at is not None,
        },
        after={"person": user.person.name},
    )
    db.session.flush()


@job("forget-login-failures")
def forget_login_failures(now: datetime) -> int:
    """Deletes what no longer counts: (phone, address) pairs that were never locked
    and have had no wrong try for LOGIN_FORGET_DAYS, and past days' counts of
    numbers that are not on the desk's list. Pairs that were locked stay (their
    level does not go down on its own). Idempotent."""
    settings = current_app.config
    quiet_since = now - timedelta(days=settings["LOGIN_FORGET_DAYS"])
    today = local_date(now, _zone(settings))
    pairs = db.session.execute(
        delete(LoginAttempt)
        .where(LoginAttempt.last_failed_at <= quiet_since, LoginAttempt.locks == 0)
        .execution_options(synchronize_session=False)
    ).rowcount
    days = db.session.execute(
        delete(LoginCap)
        .where(LoginCap.day < today, LoginCap.flagged_at.is_(None))
        .execution_options(synchronize_session=False)
    ).rowcount
    return pairs + days


def find_user_by_phone(phone: str) -> User | None:
    return db.session.scalar(select(User).where(User.phone == normalise_phone(phone)))


def household_members(user: User) -> list[Person]:
    return list(
        db.session.scalars(
            select(Person).where(Person.household_id == user.household_id).order_by(Person.id)
        )
    )
