"""Wrong PINs typed at the same moment all count towards the lock."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from app.extensions import db
from app.models import LoginAttempt, LoginCap
from app.services.people.login import UNKNOWN_ADDRESS, log_in
from app.services.refusals import LoginLocked, LoginRefused
from tests.conftest import PIN


def _without_slow_down(app) -> dict:
    """The settings without the wait between wrong tries (tested in
    tests/web/test_auth.py): a thread whose check starts after three others have
    written would be told to wait, and the race is about counting."""
    settings = dict(app.config)
    settings["LOGIN_SLOW_AFTER"] = settings["LOGIN_LOCK_AFTER"]
    return settings


def test_six_wrong_pins_at_once_lock_the_number(app, make, fire, now):
    resident = make.resident()
    make.commit()
    phone, settings = resident.phone, _without_slow_down(app)

    def wrong_pin():
        def call():
            try:
                log_in(phone, "000000", now=now, settings=settings)
            except LoginRefused as refusal:
                db.session.commit()  # as the login page does: the failure is kept
                return type(refusal)
            return "logged in"

        return call

    results = fire([wrong_pin() for _ in range(settings["LOGIN_LOCK_AFTER"])])
    assert results == [LoginRefused] * settings["LOGIN_LOCK_AFTER"]
    attempt = db.session.get(LoginAttempt, (phone, UNKNOWN_ADDRESS))
    db.session.refresh(attempt)
    assert attempt.locked_until is not None  # none of the six failures was lost
    with pytest.raises(LoginLocked):
        log_in(phone, PIN, now=now, settings=settings)  # the right PIN waits too


def _wrong_pin_from(phone, address, now, settings):
    def call():
        try:
            log_in(phone, "000000", now=now, settings=settings, address=address)
        except LoginRefused as refusal:
            db.session.commit()
            return type(refusal)
        return "logged in"

    return call


def test_wrong_pins_from_two_addresses_at_once_lock_each_pair(app, make, fire, now):
    """Each (phone, address) pair counts its own failures; none is lost in the race."""
    resident = make.resident()
    make.commit()
    phone, settings = resident.phone, _without_slow_down(app)
    times = settings["LOGIN_LOCK_AFTER"]
    calls = [_wrong_pin_from(phone, address, now, settings) for address in ("a", "b")] * times
    assert fire(calls) == [LoginRefused] * (2 * times)
    for address in ("a", "b"):
        attempt = db.session.get(LoginAttempt, (phone, address), populate_existing=True)
        assert (attempt.failures, attempt.locks) == (times, 1)
    with pytest.raises(LoginLocked):
        log_in(phone, PIN, now=now, settings=settings, address="a")
    assert log_in(phone, PIN, now=now, settings=settings, address="c").id == resident.id


def test_wrong_pins_from_many_addresses_at_once_all_count_toward_the_daily_cap(
    app, make, fire, now
):
    resident = make.resident()
    make.commit()
    phone, settings = resident.phone, dict(app.config)
    cap = settings["LOGIN_DAILY_CAP_PER_PHONE"]
    results = fire([_wrong_pin_from(phone, f"10.0.0.{i}", now, settings) for i in range(cap)])
    assert results == [LoginRefused] * cap
    row = db.session.get(LoginCap, phone, populate_existing=True)
    assert row.failures == cap and row.flagged_at == now
    with pytest.raises(LoginLocked):
        log_in(phone, PIN, now=now, settings=settings, address="10.0.1.1")


def test_wrong_logins_at_once_through_the_login_page_all_count(app, make, fire):
    """The whole request path: each wrong login is answered 401 and counted, never
    a 500. (On SQLite the outcome is written after the hash check's own read
    transaction has ended: it must take the write lock before it reads, or two
    writers upgrading at once fail with "database is locked".)"""
    resident = make.resident()
    make.commit()
    phones = [resident.phone] + [f"135000{n:05d}" for n in range(11)]

    def wrong_login(phone):
        def call():
            response = app.test_client().post("/login", data={"phone": phone, "secret": "000000"})
            return response.status_code

        return call

    assert fire([wrong_login(phone) for phone in phones]) == [401] * len(phones)
    caps = {cap.phone: cap.failures for cap in db.session.scalars(select(LoginCap))}
    assert caps == dict.fromkeys(phones, 1)
