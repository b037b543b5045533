"""Logins behind a proxy, shared limits, lockout per (phone, client address), the
per-phone daily cap, staff unlock, unknown numbers, password length and PIN
digits (issue 10, point 7 and the PIN part of point 8).

Addresses: with PROXY_HOPS=0 a test sets the client address itself
(`environ_base={"REMOTE_ADDR": ...}`); with PROXY_HOPS=1 it sends the
X-Forwarded-For that the proxy would add."""

from __future__ import annotations

import logging
import os
import random
import re
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select
from werkzeug.security import check_password_hash

from app import create_app
from app.extensions import db
from app.inputs import typed_pin
from app.models import AuditEntry, LoginAttempt, LoginCap, Role, User
from app.services import refusals
from app.services.people import login as people_login
from app.services.people.login import UNKNOWN_ADDRESS, locked_accounts
from app.services.people.residents import create_user
from app.services.refusals import DeskRefused, LoginLocked, LoginRefused
from config import ProductionConfig, TestingConfig
from tests.conftest import FROZEN_NOW, PASSWORD, PIN, IsolatedClient

ROOT = Path(__file__).resolve().parents[2]
WRONG = "000000"


_instances = []


@pytest.fixture(autouse=True)
def _close_other_instances():
    """Each extra app has its own engine: close its connections after the test."""
    yield
    while _instances:
        with _instances.pop().app_context():
            db.session.remove()
            db.engine.dispose()


def _create(config, **settings):
    instance = create_app(config, **settings)
    _instances.append(instance)
    return instance


def _app(database_url, **overrides):
    """A second instance of the app on the same database (as another worker or
    server would be), with the test's frozen clock."""
    settings = {
        "SQLALCHEMY_DATABASE_URI": database_url,
        "FROZEN_NOW": FROZEN_NOW,
        "WTF_CSRF_ENABLED": False,
        **overrides,
    }
    instance = _create(TestingConfig, **settings)
    instance.test_client_class = IsolatedClient
    return instance


def _limited(database_url, storage="memory://", **overrides):
    return _app(database_url, RATELIMIT_ENABLED=True, RATELIMIT_STORAGE_URI=storage, **overrides)


def _post_login(client, phone, secret, *, addr=None, xff=None):
    kwargs = {}
    if addr:
        kwargs["environ_base"] = {"REMOTE_ADDR": addr}
    if xff:
        kwargs["headers"] = {"X-Forwarded-For": xff}
    return client.post("/login", data={"phone": phone, "secret": secret}, **kwargs)


def _counts() -> dict[str, int]:
    db.session.commit()  # a fresh snapshot: see what requests wrote
    return {
        model.__name__: db.session.scalar(select(func.count()).select_from(model))
        for model in (LoginAttempt, LoginCap, AuditEntry, User)
    }


def _attempt(phone, address) -> LoginAttempt | None:
    db.session.commit()
    return db.session.get(LoginAttempt, (phone, address), populate_existing=True)


def _at(app, moment):
    app.config["FROZEN_NOW"] = moment
    return moment


def _six_wrong(app, client, phone, start, **where):
    """LOGIN_LOCK_AFTER wrong PINs, a minute apart (past every slow-down wait);
    returns the time of the last."""
    moment = start
    for i in range(app.config["LOGIN_LOCK_AFTER"]):
        moment = _at(app, start + timedelta(minutes=i))
        assert _post_login(client, phone, WRONG, **where).status_code == 401
    return moment


# --- behind a proxy ----------------------------------------------------------------


def test_behind_one_proxy_each_client_has_its_own_limit(app, database_url):
    """The centre's proxy no longer makes every resident share one bucket."""
    limited = _limited(database_url, PROXY_HOPS=1)
    client = limited.test_client()
    first, second = "203.0.113.10", "203.0.113.11"
    codes = [
        _post_login(client, f"1370000{i:04d}", WRONG, xff=first).status_code for i in range(31)
    ]
    assert 429 not in codes[:30] and codes[30] == 429
    assert _post_login(client, "13700009999", WRONG, xff=second).status_code == 401


def test_behind_one_proxy_lockout_is_per_client(app, database_url, make):
    """A stranger's wrong PINs through the proxy do not lock the resident out."""
    resident = make.resident()
    make.commit()
    proxied = _app(database_url, PROXY_HOPS=1)
    client = proxied.test_client()
    last = _six_wrong(proxied, client, resident.phone, FROZEN_NOW, xff="203.0.113.20")
    _at(proxied, last + timedelta(minutes=1))
    assert _post_login(client, resident.phone, PIN, xff="203.0.113.20").status_code == 429
    assert _post_login(client, resident.phone, PIN, xff="203.0.113.21").status_code == 302
    assert _attempt(resident.phone, "203.0.113.20").locked_until is not None


def test_behind_one_proxy_a_forged_first_address_is_not_believed(app, database_url, make):
    """With one proxy only the address the proxy added counts, not one the client wrote."""
    resident = make.resident()
    make.commit()
    client = _app(database_url, PROXY_HOPS=1).test_client()
    _post_login(client, resident.phone, WRONG, xff="10.9.9.9, 203.0.113.30")
    assert _attempt(resident.phone, "203.0.113.30").failures == 1
    assert _attempt(resident.phone, "10.9.9.9") is None


def test_without_proxy_hops_the_header_is_ignored(app, make, client, now):
    """PROXY_HOPS=0 (the default): a client cannot choose its address by a header,
    so it cannot escape its lock by writing another X-Forwarded-For."""
    assert app.config["PROXY_HOPS"] == 0
    resident = make.resident()
    make.commit()
    last = _six_wrong(app, client, resident.phone, now, xff="203.0.113.40")
    _at(app, last + timedelta(minutes=1))
    assert _post_login(client, resident.phone, PIN, xff="203.0.113.41").status_code == 429
    assert _attempt(resident.phone, "127.0.0.1").locked_until is not None
    assert _attempt(resident.phone, "203.0.113.40") is None


def test_without_proxy_hops_limits_ignore_the_header(app, database_url):
    client = _limited(database_url).test_client()
    codes = [
        _post_login(client, f"1370001{i:04d}", WRONG, xff=f"203.0.113.{i}").status_code
        for i in range(31)
    ]
    assert codes[30] == 429  # 31 forged addresses, one real client


# --- the limits ------------------------------------------------------------------------


def test_a_whole_centre_behind_one_address_can_log_in_before_opening(app, database_url, make):
    """80 residents on the centre's Wi-Fi (one address) log in within a minute."""
    residents = [make.resident() for _ in range(80)]
    make.commit()
    client = _limited(database_url).test_client()
    codes = {_post_login(client, r.phone, PIN).status_code for r in residents}
    assert codes == {302}


def test_one_number_is_limited_across_addresses(app, database_url):
    """Guessing one number from many addresses is cut off before any hashing."""
    client = _limited(database_url).test_client()
    limit = 10  # LOGIN_LIMITS_PER_PHONE
    codes = [
        _post_login(client, "13700020000", WRONG, addr=f"198.51.100.{i}").status_code
        for i in range(limit + 1)
    ]
    assert 429 not in codes[:limit] and codes[limit] == 429
    assert _post_login(client, "13700020001", WRONG, addr="198.51.100.99").status_code == 401


def test_the_kiosk_and_the_site_count_together(app, database_url):
    client = _limited(database_url).test_client()
    for i in range(5):
        _post_login(client, "13700030000", WRONG, addr=f"198.51.100.{i}")
    for i in range(5):
        client.post(
            "/kiosk/login",
            data={"who": "13700030000", "pin": WRONG},
            environ_base={"REMOTE_ADDR": f"198.51.100.{i + 10}"},
        )
    answer = client.post(
        "/kiosk/login",
        data={"who": "13700030000", "pin": WRONG},
        environ_base={"REMOTE_ADDR": "198.51.100.50"},
    )
    assert answer.status_code == 429


def test_production_warns_when_limits_are_counted_in_memory(database_url, caplog):
    with caplog.at_level(logging.WARNING):
        _create(
            ProductionConfig,
            SECRET_KEY="x" * 32,
            SQLALCHEMY_DATABASE_URI=database_url,
            RATELIMIT_ENABLED=True,
            RATELIMIT_STORAGE_URI="memory://",
        )
    assert any("REDIS_URL" in r.getMessage() for r in caplog.records)
    caplog.clear()
    _create(TestingConfig, SQLALCHEMY_DATABASE_URI=database_url)
    assert not any("REDIS_URL" in r.getMessage() for r in caplog.records)


def test_the_storage_follows_redis_url():
    """RATELIMIT_STORAGE_URI is REDIS_URL when set (read when config is imported)."""
    code = "import config; print(config.Config.RATELIMIT_STORAGE_URI)"
    env = {**os.environ, "REDIS_URL": "redis://cache.example:6379/3"}
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True
    )
    assert out.stdout.strip() == "redis://cache.example:6379/3"


_OTHER_INSTANCE = """
import sys
from app import create_app
from config import TestingConfig

app = create_app(TestingConfig, SQLALCHEMY_DATABASE_URI=sys.argv[1], RATELIMIT_ENABLED=True,
                 RATELIMIT_STORAGE_URI=sys.argv[2], PROXY_HOPS=1, WTF_CSRF_ENABLED=False)
client = app.test_client()
codes = [client.post("/login", data={"phone": sys.argv[3], "secret": "000000"},
                     headers={"X-Forwarded-For": addr}).status_code for addr in sys.argv[4:]]
print(" ".join(map(str, codes)))
"""


@pytest.fixture
def own_redis(redis_url):
    """The test's Redis database (not the one another test flushes); the keys this
    test made are deleted afterwards, and only those."""
    import redis

    base, _sep, last = redis_url.rpartition("/")
    url = f"{base}/12" if last.isdigit() else f"{redis_url.rstrip('/')}/12"
    store = redis.Redis.from_url(url)
    marker = f"{random.randrange(10**4):04d}"
    yield url, store, marker
    for key in list(store.scan_iter(f"*{marker}*")):
        store.delete(key)
    store.close()


def test_two_instances_share_one_limit_in_redis(app, database_url, own_redis):
    """Another process (another worker or server) sees the counts of this one."""
    url, store, marker = own_redis
    here = _limited(database_url, storage=url, PROXY_HOPS=1)
    client = here.test_client()
    addr, other = f"10.{marker[:2]}.{marker[2:]}.1", f"10.{marker[:2]}.{marker[2:]}.2"
    codes = [
        _post_login(client, f"135{marker}{i:04d}", WRONG, xff=addr).status_code for i in range(30)
    ]
    assert 429 not in codes
    assert list(store.scan_iter(f"*{addr}*")), "the counts are not in Redis"
    result = subprocess.run(
        [sys.executable, "-c", _OTHER_INSTANCE, database_url, url, f"135{marker}9999", addr, other],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["429", "401"]


def test_the_lockout_is_in_the_database_for_every_instance(app, database_url, make, now):
    resident = make.resident()
    make.commit()
    one, two = _app(database_url), _app(database_url)
    last = _six_wrong(one, one.test_client(), resident.phone, now)
    _at(two, last + timedelta(minutes=1))
    assert _post_login(two.test_client(), resident.phone, PIN).status_code == 429


# --- locks that grow -----------------------------------------------------------------


def test_each_lock_lasts_longer_15_minutes_1_hour_then_24_hours(app, make, client, now):
    resident = make.resident()
    make.commit()
    phone, here = resident.phone, "127.0.0.1"
    last = _six_wrong(app, client, phone, now)
    assert _attempt(phone, here).locked_until == last + timedelta(minutes=15)
    _at(app, last + timedelta(minutes=14))
    assert _post_login(client, phone, PIN).status_code == 429

    # The lock ended; the count did not restart: one more wrong PIN locks for 1 hour.
    second = _at(app, last + timedelta(minutes=16))
    assert _post_login(client, phone, WRONG).status_code == 401
    assert _attempt(phone, here).locked_until == second + timedelta(hours=1)
    _at(app, second + timedelta(minutes=59))
    assert _post_login(client, phone, PIN).status_code == 429

    third = _at(app, second + timedelta(minutes=61))
    assert _post_login(client, phone, WRONG).status_code == 401
    assert _attempt(phone, here).locked_until == third + timedelta(hours=24)
    _at(app, third + timedelta(hours=23, minutes=59))
    assert _post_login(client, phone, PIN).status_code == 429

    fourth = _at(app, third + timedelta(hours=24, minutes=1))
    assert _post_login(client, phone, WRONG).status_code == 401
    assert _attempt(phone, here).locked_until == fourth + timedelta(hours=24)  # stays at 24 h
    assert _attempt(phone, here).locks == 4


def test_a_lock_does_not_reset_the_count_the_next_day(app, make, client, now):
    """Before: after each lock six more guesses (~570 a day). Now the next day's
    first wrong PIN locks again, and for longer."""
    resident = make.resident()
    make.commit()
    last = _six_wrong(app, client, resident.phone, now)
    next_day = _at(app, last + timedelta(days=1))
    assert _post_login(client, resident.phone, WRONG).status_code == 401
    assert _attempt(resident.phone, "127.0.0.1").locked_until == next_day + timedelta(hours=1)
    _at(app, next_day + timedelta(minutes=1))
    assert _post_login(client, resident.phone, PIN).status_code == 429


def test_a_success_clears_the_count_but_keeps_the_level(app, make, client, now):
    resident = make.resident()
    make.commit()
    last = _six_wrong(app, client, resident.phone, now)
    _at(app, last + timedelta(minutes=16))
    assert _post_login(client, resident.phone, PIN).status_code == 302
    client.post("/logout")
    assert _attempt(resident.phone, "127.0.0.1").failures == 0
    start = last + timedelta(minutes=20)
    again = _six_wrong(app, client, resident.phone, start)
    # Five wrong PINs after the success did not lock; the sixth locks for 1 hour.
    assert _attempt(resident.phone, "127.0.0.1").locked_until == again + timedelta(hours=1)


def test_a_pair_is_forgotten_after_quiet_days(app, make, client, now):
    """Only a pair that never locked: the lock level of one that did never goes
    down on its own (issue 10), however long it stays quiet."""
    from app.jobs import run_all

    resident = make.resident()
    make.commit()
    phone, few, locked = resident.phone, "192.0.2.31", "192.0.2.32"
    lock_after = app.config["LOGIN_LOCK_AFTER"]
    for i in range(lock_after - 1):  # a few wrong PINs, no lock
        _at(app, now + timedelta(minutes=i))
        assert _post_login(client, phone, WRONG, addr=few).status_code == 401
    last = _six_wrong(app, client, phone, now + timedelta(hours=1), addr=locked)
    later = _at(app, last + timedelta(days=10 * app.config["LOGIN_FORGET_DAYS"]))
    # The job deletes the quiet pair that never locked (and the past day's count).
    assert run_all(later, ["forget-login-failures"]) == {"forget-login-failures": 1 + 1}
    assert _attempt(phone, few) is None
    # The one that locked keeps its level and its count: the next wrong PIN locks
    # it again, for the next step (1 hour).
    assert _post_login(client, phone, WRONG, addr=locked).status_code == 401
    attempt = _attempt(phone, locked)
    assert (attempt.failures, attempt.locks) == (lock_after + 1, 2)
    assert attempt.locked_until == later + timedelta(hours=1)
    # Without the job, the pair that never locked starts afresh all the same.
    assert _post_login(client, phone, WRONG, addr=few).status_code == 401
    _at(app, later + timedelta(days=app.config["LOGIN_FORGET_DAYS"], minutes=1))
    assert _post_login(client, phone, WRONG, addr=few).status_code == 401
    attempt = _attempt(phone, few)
    assert (attempt.failures, attempt.locks, attempt.locked_until) == (1, 0, None)
    assert _post_login(client, phone, PIN, addr=few).status_code == 302


def test_a_right_pin_checked_while_guesses_lock_the_pair_is_refused(app, make, now):
    """Guesses sent at the same moment all pass the lock check, which runs before
    any of them is recorded; the right one must not log in once the others have
    locked the pair."""
    resident = make.resident()
    make.commit()
    phone, here, settings = resident.phone, "192.0.2.41", app.config
    user = people_login.check_credentials(phone, PIN, now=now, settings=settings, address=here)
    assert user is not None and user.id == resident.id
    db.session.commit()
    for _ in range(settings["LOGIN_LOCK_AFTER"]):  # the wrong guesses checked alongside
        with pytest.raises(LoginRefused) as refusal:
            people_login.record_login(phone, None, now=now, settings=settings, address=here)
        assert type(refusal.value) is LoginRefused
        db.session.commit()
    with pytest.raises(LoginLocked):
        people_login.record_login(phone, user, now=now, settings=settings, address=here)
    db.session.rollback()
    attempt = _attempt(phone, here)
    assert (attempt.failures, attempt.locks) == (settings["LOGIN_LOCK_AFTER"], 1)  # not cleared


def test_a_right_pin_checked_while_guesses_reach_the_daily_cap_is_refused(app, make, now):
    resident = make.resident()
    make.commit()
    phone, settings = resident.phone, app.config
    user = people_login.check_credentials(
        phone, PIN, now=now, settings=settings, address="192.0.2.42"
    )
    assert user is not None
    db.session.commit()
    for i in range(settings["LOGIN_DAILY_CAP_PER_PHONE"]):  # one guess from each address
        with pytest.raises(LoginRefused):
            people_login.record_login(
                phone, None, now=now, settings=settings, address=f"198.51.100.{i + 1}"
            )
        db.session.commit()
    with pytest.raises(LoginLocked):
        people_login.record_login(phone, user, now=now, settings=settings, address="192.0.2.42")
    db.session.rollback()
    assert _attempt(phone, "192.0.2.42") is None


def test_wrong_pins_from_one_address_do_not_lock_another(app, make, client, now):
    """A stranger's guesses elsewhere do not lock the resident out at home or at the kiosk."""
    resident = make.resident()
    make.commit()
    last = _six_wrong(app, client, resident.phone, now, addr="198.51.100.66")
    _at(app, last + timedelta(minutes=1))
    assert _post_login(client, resident.phone, PIN, addr="198.51.100.66").status_code == 429
    assert _post_login(client, resident.phone, PIN, addr="192.0.2.5").status_code == 302
    client.post("/logout")
    kiosk = client.post(
        "/kiosk/login",
        data={"who": resident.phone, "pin": PIN},
        environ_base={"REMOTE_ADDR": "192.0.2.200"},
    )
    assert kiosk.status_code == 303


# --- the daily cap -----------------------------------------------------------------------


def _guess_from_many_addresses(app, client, phone, start, times):
    for i in range(times):
        _at(app, start + timedelta(seconds=i))
        assert _post_login(client, phone, WRONG, addr=f"198.51.100.{i + 1}").status_code == 401


def test_the_daily_cap_locks_the_number_everywhere_and_tells_the_desk(app, make, client, now):
    resident = make.resident()
    make.commit()
    cap = app.config["LOGIN_DAILY_CAP_PER_PHONE"]
    _guess_from_many_addresses(app, client, resident.phone, now, cap - 1)
    assert locked_accounts() == []
    _at(app, now + timedelta(minutes=1))
    assert _post_login(client, resident.phone, WRONG, addr="198.51.100.200").status_code == 401
    assert [user.id for user, _cap in locked_accounts()] == [resident.id]
    # From an address that never typed a wrong PIN, even the right PIN waits.
    _at(app, now + timedelta(minutes=2))
    answer = _post_login(client, resident.phone, PIN, addr="192.0.2.9")
    assert answer.status_code == 429
    assert "明天再试" in answer.get_data(as_text=True)  # "…or try again tomorrow"
    # The desk's call list names the person.
    staff = make.user(role=Role.STAFF, age=40)
    make.commit()
    desk = app.test_client()
    assert _post_login(desk, staff.phone, PASSWORD).status_code == 302
    page = desk.get("/staff/calls").get_data(as_text=True)
    assert resident.person.name in page and f"/staff/people/{resident.person_id}" in page


def test_the_daily_cap_ends_with_the_day_but_stays_on_the_list(app, make, client, now):
    resident = make.resident()
    make.commit()
    _guess_from_many_addresses(app, client, resident.phone, now, 20)
    # 10:00 in Shanghai; the next local day begins at 16:00 UTC.
    _at(app, now + timedelta(hours=14, minutes=1))
    assert _post_login(client, resident.phone, PIN, addr="192.0.2.9").status_code == 302
    assert [user.id for user, _cap in locked_accounts()] == [resident.id]


def test_the_daily_cap_counts_numbers_without_an_account_but_lists_none(app, client, now):
    """Unknown numbers lock just like known ones (nothing tells them apart), and
    staff are not asked to phone a number nobody has."""
    _guess_from_many_addresses(app, client, "13799990000", now, 20)
    assert _post_login(client, "13799990000", WRONG, addr="192.0.2.9").status_code == 429
    assert locked_accounts() == []


# --- staff unlock --------------------------------------------------------------------------


def test_staff_unlock_clears_every_lock_and_is_audited(app, make, client, now):
    resident = make.resident()
    staff = make.user(role=Role.STAFF, age=40)
    make.commit()
    _six_wrong(app, client, resident.phone, now, addr="198.51.100.250")
    _guess_from_many_addresses(app, client, resident.phone, now + timedelta(minutes=10), 14)
    assert [user.id for user, _cap in locked_accounts()] == [resident.id]
    desk = app.test_client()
    _at(app, now + timedelta(minutes=30))
    assert _post_login(desk, staff.phone, PASSWORD).status_code == 302
    page = desk.get(f"/staff/people/{resident.person_id}").get_data(as_text=True)
    assert "unlock-login" in page
    before = _counts()
    answer = desk.post(
        f"/staff/people/{resident.person_id}/unlock-login",
        data={"next": "/staff/calls"},
    )
    assert answer.status_code == 303 and answer.headers["Location"] == "/staff/calls"
    after = _counts()
    assert after["AuditEntry"] == before["AuditEntry"] + 1
    entry = db.session.scalar(select(AuditEntry).order_by(AuditEntry.id.desc()))
    assert (entry.action, entry.actor_id, entry.subject_id) == (
        "user.unlock_login",
        staff.id,
        resident.id,
    )
    assert entry.before["on_list"] is True and "198.51.100" not in str(entry.before)
    phone_rows = db.session.scalar(
        select(func.count()).select_from(LoginAttempt).where(LoginAttempt.phone == resident.phone)
    )
    assert phone_rows == 0 and db.session.get(LoginCap, resident.phone) is None
    assert locked_accounts() == []
    # Unlocked from the address that was locked too.
    assert _post_login(client, resident.phone, PIN, addr="198.51.100.250").status_code == 302


def test_a_resident_cannot_unlock_and_nothing_is_written(app, make, client, now):
    victim, resident = make.resident(), make.resident()
    make.commit()
    _guess_from_many_addresses(app, client, victim.phone, now, 20)
    assert _post_login(client, resident.phone, PIN).status_code == 302
    before = _counts()
    answer = client.post(f"/staff/people/{victim.person_id}/unlock-login")
    assert answer.status_code in (403, 404)
    assert _counts() == before


def _cap_reached(phone, now, settings):
    """The day's cap of wrong tries, reached through the service (many addresses)."""
    for i in range(settings["LOGIN_DAILY_CAP_PER_PHONE"]):
        with pytest.raises(refusals.LoginRefused):
            people_login.authenticate(
                phone, WRONG, now=now, settings=settings, address=f"198.51.100.{i}"
            )
    db.session.commit()


def _token(client, path) -> str:
    html = client.get(path).get_data(as_text=True)
    return re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html).group(1)


def test_unlock_needs_the_csrf_token(app, database_url, make, now):
    resident = make.resident()
    staff = make.user(role=Role.STAFF, age=40)
    make.commit()
    _cap_reached(resident.phone, now, app.config)
    guarded = _app(database_url, WTF_CSRF_ENABLED=True)
    desk = guarded.test_client()
    login = {"phone": staff.phone, "secret": PASSWORD, "csrf_token": _token(desk, "/login")}
    assert desk.post("/login", data=login).status_code == 302
    unlock = f"/staff/people/{resident.person_id}/unlock-login"
    before = _counts()
    assert desk.post(unlock).status_code == 400
    assert _counts() == before
    token = _token(desk, f"/staff/people/{resident.person_id}")
    assert desk.post(unlock, data={"csrf_token": token}).status_code == 303
    assert locked_accounts() == []


# --- unknown numbers ---------------------------------------------------------------------


def test_an_unknown_number_costs_the_same_hash_check(app, make, client, monkeypatch):
    resident = make.resident()
    make.commit()
    checked = []
    real = people_login.check_password_hash

    def counting(stored, given):
        checked.append(stored.split("$", 1)[0])
        return real(stored, given)

    monkeypatch.setattr(people_login, "check_password_hash", counting)
    assert _post_login(client, "13712345678", WRONG).status_code == 401
    assert _post_login(client, resident.phone, WRONG, addr="192.0.2.77").status_code == 401
    method = app.config["PASSWORD_HASH_METHOD"]
    assert checked == [method, method]  # one check each, with the same method
    # Wrong tries for unknown numbers are counted like any others.
    assert _attempt("13712345678", "127.0.0.1").failures == 1


def test_the_dummy_hash_is_made_once_per_process(app, monkeypatch):
    made = []
    real = people_login.generate_password_hash

    def counting(secret, method):
        made.append(method)
        return real(secret, method=method)

    monkeypatch.setattr(people_login, "generate_password_hash", counting)
    monkeypatch.setattr(people_login, "_dummy_hashes", {})
    for _ in range(3):
        assert (
            people_login.check_credentials(
                "13712340000", WRONG, now=FROZEN_NOW, settings=app.config, address="x"
            )
            is None
        )
    assert made == [app.config["PASSWORD_HASH_METHOD"]]


def test_an_inactive_account_costs_the_same_hash_check(app, make, client, monkeypatch):
    """Its right PIN is refused like a wrong one, after checking the hash like any
    other login: an early refusal would answer faster and tell the account exists
    and is inactive."""
    resident = make.resident()
    resident.active = False
    make.commit()
    checked = []
    real = people_login.check_password_hash

    def counting(stored, given):
        checked.append(stored.split("$", 1)[0])
        return real(stored, given)

    monkeypatch.setattr(people_login, "check_password_hash", counting)
    answer = _post_login(client, resident.phone, PIN)
    assert answer.status_code == 401
    assert checked == [app.config["PASSWORD_HASH_METHOD"]]
    assert _attempt(resident.phone, "127.0.0.1").failures == 1  # counted like a wrong PIN


# --- passwords -----------------------------------------------------------------------------


@pytest.mark.parametrize("role", [Role.STAFF, Role.ADMIN, Role.TEACHER])
def test_a_password_of_nine_characters_is_refused(app, make, en, role):
    person = make.person(age=40)
    before = _counts()
    with pytest.raises(DeskRefused) as refusal:
        create_user(
            person,
            phone="13600000009",
            secret="abcdefghi",
            role=role,
            now=FROZEN_NOW,
            hash_method=app.config["PASSWORD_HASH_METHOD"],
        )
    assert str(refusal.value) == "A password needs at least 10 characters."
    assert _counts() == before
    user = create_user(
        person,
        phone="13600000009",
        secret="abcdefghij",
        role=role,
        now=FROZEN_NOW,
        hash_method=app.config["PASSWORD_HASH_METHOD"],
    )
    assert user.id is not None


# --- PIN and phone digits ------------------------------------------------------------------


@pytest.fixture
def desk(make, auth):
    staff = make.user(role=Role.STAFF, age=40)
    make.commit()
    assert auth.login(staff).status_code == 302
    return staff


def test_a_full_width_pin_set_at_the_desk_works_on_the_kiosk_keypad(app, make, client, desk):
    resident = make.resident()
    make.commit()
    answer = client.post(f"/staff/people/{resident.person_id}/pin", data={"pin": "６５４３２１"})
    assert answer.status_code == 303
    db.session.refresh(resident)
    assert check_password_hash(resident.secret_hash, "654321")  # stored as ASCII digits
    client.post("/logout")
    kiosk = client.post("/kiosk/login", data={"who": resident.phone, "pin": "654321"})
    assert kiosk.status_code == 303


def test_a_member_registered_with_full_width_digits_is_stored_in_ascii(app, make, client, desk):
    anchor = make.person()
    make.commit()
    answer = client.post(
        f"/staff/households/{anchor.household_id}/members",
        data={"name": "全角", "phone": "１３６ ００００ ７７７７", "pin": "１２３４５６"},
    )
    assert answer.status_code == 303
    user = db.session.scalar(select(User).where(User.phone == "13600007777"))
    assert user is not None and check_password_hash(user.secret_hash, "123456")
    client.post("/logout")
    # A full-width phone number at the kiosk is the same number.
    kiosk = client.post("/kiosk/login", data={"who": "１３６００００７７７７", "pin": "123456"})
    assert kiosk.status_code == 303


def test_full_width_digits_log_in_on_the_site(make, client):
    resident = make.resident()
    make.commit()
    full_width = resident.phone.translate(str.maketrans("0123456789", "０１２３４５６７８９"))
    assert _post_login(client, full_width, "１２３４５６").status_code == 302


ARABIC_INDIC_PIN = "٦٥٤٣٢١"


def test_arabic_indic_digits_are_refused_at_the_desk(app, make, client, desk):
    resident = make.resident()
    make.commit()
    old_hash = resident.secret_hash
    before = _counts()
    answer = client.post(f"/staff/people/{resident.person_id}/pin", data={"pin": ARABIC_INDIC_PIN})
    assert answer.status_code == 422
    assert "密码是 6 位数字" in answer.get_data(as_text=True)  # "A PIN is 6 digits."
    assert _counts() == before
    db.session.refresh(resident)
    assert resident.secret_hash == old_hash


@pytest.mark.parametrize(
    ("path", "data"),
    [
        ("/login", {"phone": "{phone}", "secret": ARABIC_INDIC_PIN}),
        ("/login", {"phone": "١٣٦٠٠٠٠٧٧٧٧", "secret": "123456"}),
        ("/kiosk/login", {"who": "{phone}", "pin": ARABIC_INDIC_PIN}),
        ("/kiosk/login", {"who": "١٣٦٠٠٠٠٧٧٧٧", "pin": "123456"}),
    ],
)
def test_arabic_indic_digits_are_refused_at_login(make, client, path, data):
    resident = make.resident()
    make.commit()
    before = _counts()
    # The kiosk answers with a redirect to its login page (no resubmission on Back),
    # which shows the errors with the 422.
    answer = client.post(
        path,
        data={k: v.format(phone=resident.phone) for k, v in data.items()},
        follow_redirects=True,
    )
    assert answer.status_code == 422
    html = answer.get_data(as_text=True)
    assert "请用数字 0 到 9 输入密码" in html or "手机号" in html  # a field message, in Chinese
    assert _counts() == before  # no attempt recorded: no PIN was checked


@pytest.mark.parametrize(
    ("typed", "pin"),
    [
        ("123456", "123456"),
        ("１２３４５６", "123456"),  # full-width, as a Chinese keyboard types
        (" 123456 ", "123456"),
        ("12345", None),
        ("1234567", None),
        ("١٢٣٤٥٦", None),  # Arabic-Indic: digits, but not what the keypad types
        ("12345a", None),
        ("", None),
        (None, None),
    ],
)
def test_one_rule_reads_a_typed_pin(typed, pin):
    """The login and desk forms and the account rules all read a PIN with it."""
    assert typed_pin(typed) == pin


def test_a_full_width_pin_confirms_it_is_you(app, make, now):
    from app.services.people.reauth import confirm_secret

    resident = make.resident()
    make.commit()
    confirm_secret(resident, "１２３４５６", now=now, settings=app.config, address="192.0.2.60")
    with pytest.raises(LoginRefused):
        confirm_secret(resident, "０００００１", now=now, settings=app.config, address="192.0.2.60")
    db.session.rollback()


def test_a_pin_typed_in_any_width_counts_as_the_same_wrong_try(app, make, client):
    resident = make.resident()
    make.commit()
    _post_login(client, resident.phone, "０００００１")
    assert _attempt(resident.phone, "127.0.0.1").failures == 1
    assert _attempt(resident.phone, UNKNOWN_ADDRESS) is None


def test_the_job_forgets_quiet_pairs_and_past_days_but_not_the_desk_list(app, make, client, now):
    from app.jobs import run_all

    listed = make.resident()
    make.commit()
    _guess_from_many_addresses(app, client, listed.phone, now, 20)  # on the desk's list
    _post_login(client, "13700050000", WRONG, addr="192.0.2.50")  # one wrong try, unknown
    _at(app, now + timedelta(days=1))
    _post_login(client, "13700050001", WRONG, addr="192.0.2.51")  # yesterday's is past
    later = now + timedelta(days=app.config["LOGIN_FORGET_DAYS"], hours=1)
    # 21 quiet pairs; the two past days of the unknown numbers (the listed one stays).
    assert run_all(later, ["forget-login-failures"]) == {"forget-login-failures": 21 + 2}
    db.session.commit()
    assert db.session.scalars(select(LoginAttempt.phone)).all() == ["13700050001"]
    caps = set(db.session.scalars(select(LoginCap.phone)))
    assert caps == {listed.phone}  # still on the list until staff unlock
