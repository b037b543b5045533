"""Fixtures shared by every layer.

The database is a real one: a SQLite file by default, or PostgreSQL when
TEST_DATABASE_URL points at one (`make test-pg`, CI). The schema is created once
per run; every test starts from empty tables. The clock is frozen through the
app's FROZEN_NOW setting (Monday 23 Nov 2026, 10:00 in Shanghai).
"""

from __future__ import annotations

import contextvars
import os
from contextlib import contextmanager
from datetime import date, datetime, timedelta
from functools import cache
from itertools import count

import pytest
from flask import has_app_context
from flask.testing import FlaskClient
from sqlalchemy import TextClause, create_engine, text

from app import create_app, database
from app.extensions import db
from app.models import Audience, EnrolmentUnit, Role
from app.services.people.residents import add_person, create_household, create_user
from app.services.privacy.consent import record_for_children
from app.services.schedule.activities import create_activity
from app.services.schedule.sessions import add_session
from config import TestingConfig

FROZEN_NOW = datetime(2026, 11, 23, 2, 0)  # 10:00 in Asia/Shanghai
PIN = "123456"
PASSWORD = "teach-and-learn"


def _database_url(tmp_path_factory) -> str:
    url = os.environ.get("TEST_DATABASE_URL")
    if url:
        return url
    return f"sqlite:///{tmp_path_factory.mktemp('db') / 'zhaoxi-test.db'}"


@pytest.fixture(scope="session")
def database_url(tmp_path_factory):
    url = _database_url(tmp_path_factory)
    if os.environ.get("ZHAOXI_REQUIRE_PG") and not url.startswith("postgres"):
        pytest.exit("ZHAOXI_REQUIRE_PG is set but TEST_DATABASE_URL is not PostgreSQL", 3)
    app = create_app(TestingConfig, SQLALCHEMY_DATABASE_URI=_normalise(url))
    with app.app_context():
        db.drop_all()
        db.create_all()
        stamp_migration_head(app)
        db.session.remove()
        db.engine.dispose()
    return _normalise(url)


def stamp_migration_head(app) -> None:
    """Marks the schema built by create_all() as migrated to the head, as `flask db
    upgrade` leaves a real database (/readyz compares the two). Without env.py,
    whose logging set-up would silence the app's loggers for the rest of the run."""
    from alembic.migration import MigrationContext
    from alembic.script import ScriptDirectory

    script = ScriptDirectory(app.extensions["migrate"].directory)
    with db.engine.begin() as conn:
        MigrationContext.configure(conn).stamp(script, "heads")


@contextmanager
def private_schema(database_url: str, name: str):
    """A schema of its own on the suite's PostgreSQL database, for a test that builds
    a database from nothing (the migrations): yields the URL that uses it, and drops
    it afterwards."""
    engine = create_engine(database_url)
    with engine.begin() as conn:
        conn.execute(text(f"DROP SCHEMA IF EXISTS {name} CASCADE"))
        conn.execute(text(f"CREATE SCHEMA {name}"))
    try:
        yield (
            database_url + ("&" if "?" in database_url else "?") + f"options=-csearch_path%3D{name}"
        )
    finally:
        with engine.begin() as conn:
            conn.execute(text(f"DROP SCHEMA IF EXISTS {name} CASCADE"))
        engine.dispose()


def _normalise(url: str) -> str:
    if url.startswith("postgresql://") or url.startswith("postgres://"):
        return "postgresql+psycopg://" + url.split("://", 1)[1]
    return url


def _empty_tables() -> None:
    """Every table emptied, children first. On PostgreSQL the ids start again at 1
    (tests name rows by id), as RESTART IDENTITY would: but TRUNCATE of every table
    gives each one new files and took 0.5-0.9 s a test on this machine, where
    deleting the few rows a test wrote and resetting the sequences takes ~25 ms."""
    tables = list(reversed(db.metadata.sorted_tables))
    for table in tables:
        db.session.execute(table.delete())
    if db.engine.dialect.name == "postgresql":
        db.session.execute(_restart_sequences(tuple(tables)))
    db.session.commit()


@cache
def _restart_sequences(tables: tuple) -> TextClause:
    """One SELECT restarting the id sequence of every table that has one
    (setval of NULL, for a table without, is NULL and does nothing)."""
    calls = [
        f"setval(pg_get_serial_sequence('\"{t.name}\"', '{c.name}'), 1, false)"
        for t in tables
        for c in t.primary_key.columns
        if c.autoincrement in (True, "auto") and len(t.primary_key.columns) == 1
    ]
    return text("SELECT " + ", ".join(calls))


class IsolatedClient(FlaskClient):
    """Each request runs as in production: its own app context, `g` and database
    session. What the test set up is committed first, so a view that forgets to
    commit cannot hide behind the test's own session."""

    def open(self, *args, **kwargs):
        if has_app_context():  # not when following a redirect inside a request's context
            db.session.commit()
        kwargs.setdefault("buffered", True)  # close the response: teardown runs now
        return contextvars.Context().run(super().open, *args, **kwargs)


@pytest.fixture
def app(database_url):
    app = create_app(
        TestingConfig,
        SQLALCHEMY_DATABASE_URI=database_url,
        FROZEN_NOW=FROZEN_NOW,
        WTF_CSRF_ENABLED=False,
    )
    app.test_client_class = IsolatedClient
    # The test's own session reads without taking SQLite's write lock, so requests
    # and worker threads are never blocked by the test itself.
    token = database.set_read_only(True)
    with app.app_context():
        yield app
        db.session.remove()
        database.restore_transaction_mode(token)
        _empty_tables()
        db.session.remove()
        db.engine.dispose()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@pytest.fixture
def now(app):
    return app.config["FROZEN_NOW"]


class Factory:
    """Builds households, people, accounts and classes with sensible defaults."""

    def __init__(self, app):
        self.app = app
        self.now = app.config["FROZEN_NOW"]
        self._seq = count(1)

    def household(self, name="测试家", tags=()):
        return create_household(name, now=self.now, tags=tags)

    def person(self, household=None, name=None, age=70, birth_date=None, consent=True, **extra):
        """A person; a child under 14 comes with a guardian's consents (both kinds)
        unless `consent=False` (tests of the refusal without them)."""
        household = household or self.household()
        n = next(self._seq)
        if birth_date is None and age is not None:
            birth_date = date(self.now.year - age, 1, 1)
        person = add_person(
            household, name or f"居民{n:03d}", now=self.now, birth_date=birth_date, **extra
        )
        if consent:
            record_for_children([person], now=self.now)
        return person

    def user(self, person=None, role=Role.RESIDENT, phone=None, secret=None, age=70):
        person = person or self.person(age=age)
        n = next(self._seq)
        secret = secret or (PIN if role == Role.RESIDENT else PASSWORD)
        return create_user(
            person,
            phone=phone or f"139{n:08d}",
            secret=secret,
            role=role,
            now=self.now,
            hash_method=self.app.config["PASSWORD_HASH_METHOD"],
        )

    def resident(self, age=70, household=None):
        return self.user(self.person(household=household, age=age))

    def activity(
        self,
        title="书法班",
        capacity=10,
        sessions=1,
        series=False,
        start_in=timedelta(days=2),
        duration=timedelta(minutes=90),
        every=timedelta(days=7),
        **fields,
    ):
        fields.setdefault("category", "calligraphy")
        fields.setdefault("audience", Audience.ALL)
        fields.setdefault("room", "书画室")
        activity = create_activity(
            now=self.now,
            title=title,
            capacity=capacity,
            enrolment_unit=EnrolmentUnit.SERIES if series else EnrolmentUnit.SESSION,
            **fields,
        )
        for i in range(sessions):
            starts = self.now + start_in + i * every
            add_session(activity, starts, starts + duration)
        return activity

    def commit(self):
        db.session.commit()


@pytest.fixture
def make(app):
    return Factory(app)


class Auth:
    def __init__(self, client):
        self.client = client

    def login(self, user, secret=None):
        secret = secret or (PIN if user.role == Role.RESIDENT else PASSWORD)
        return self.client.post("/login", data={"phone": user.phone, "secret": secret})

    def logout(self):
        return self.client.post("/logout")


@pytest.fixture
def auth(client):
    return Auth(client)


def assert_seat_invariant():
    """`taken` equals the bookings holding a seat (confirmed, or offered and not yet
    answered) on every session and series."""
    rows = db.session.execute(
        text(
            """
        SELECT s.id, s.taken, s.capacity, a.capacity_unit,
               (SELECT count(*) FROM booking b WHERE b.session_id = s.id AND b.status IN ('confirmed', 'offered')),
               (SELECT count(DISTINCT b.household_id) FROM booking b WHERE b.session_id = s.id
                AND b.status IN ('confirmed', 'offered'))
        FROM activity_session s JOIN activity a ON a.id = s.activity_id
        """
        )
    ).all()
    for session_id, taken, capacity, unit, confirmed, households in rows:
        expected = households if unit == "household" else confirmed
        assert taken == expected, f"session {session_id}: taken {taken} != {expected}"
        assert taken <= capacity
    rows = db.session.execute(
        text(
            """
        SELECT a.id, a.taken, a.capacity, a.capacity_unit,
               (SELECT count(*) FROM booking b WHERE b.activity_id = a.id AND b.session_id IS NULL
                AND b.status IN ('confirmed', 'offered')),
               (SELECT count(DISTINCT b.household_id) FROM booking b WHERE b.activity_id = a.id
                AND b.session_id IS NULL AND b.status IN ('confirmed', 'offered'))
        FROM activity a
        """
        )
    ).all()
    for activity_id, taken, capacity, unit, confirmed, households in rows:
        expected = households if unit == "household" else confirmed
        assert taken == expected, f"activity {activity_id}: taken {taken} != {expected}"
        assert taken <= capacity
    # One date of a term class: drop-ins (the session's `taken`) fit in the seats
    # not sold for the term plus the seats of enrolled people on leave that day.
    rows = db.session.execute(
        text(
            """
        SELECT s.id, s.taken, s.capacity - a.taken
               + (SELECT count(*) FROM "leave" l JOIN booking b ON b.id = l.booking_id
                  WHERE l.session_id = s.id AND b.session_id IS NULL AND b.status = 'confirmed')
        FROM activity_session s JOIN activity a ON a.id = s.activity_id
        WHERE a.enrolment_unit = 'series'
        """
        )
    ).all()
    for session_id, drop_ins, date_capacity in rows:
        assert drop_ins <= max(date_capacity, 0), f"series date {session_id}: {drop_ins} drop-ins"


@pytest.fixture
def en(app):
    """Evaluate translated messages in English (the default is Chinese)."""
    with app.test_request_context("/?lang=en"):
        yield


def require_server(name: str, reachable: bool, why: str):
    """Tests that need a server skip when it is absent, except in CI."""
    if reachable:
        return
    if os.environ.get("CI"):
        pytest.fail(f"{name} is required in CI: {why}")
    pytest.skip(f"no {name}: {why}")


@pytest.fixture
def redis_url():
    url = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
    import redis

    try:
        redis.Redis.from_url(url, socket_connect_timeout=0.5).ping()
        ok, why = True, ""
    except redis.exceptions.RedisError as error:
        ok, why = False, str(error)
    require_server("Redis", ok, why)
    return url
