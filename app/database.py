"""Engine set-up per dialect, and the transaction rules the app keeps.

SQLite: WAL, a busy timeout, and write transactions that take the write lock when
they begin (BEGIN IMMEDIATE). A deferred transaction that reads and then writes
fails at once with "database is locked" when another writer committed meanwhile,
so every transaction is immediate unless the request is a safe read (GET/HEAD),
which the app marks with `set_read_only()`. Once a request has committed its write,
what it reads afterwards (rendering the page) no longer holds the write lock.
Writers queue for that lock on a file lock beside the database (`_WriterQueue`).

A database server: a pooled connection is pinged before use only when it has sat
idle for a while (`DB_PING_AFTER_IDLE` seconds). One that served a request a moment
ago is alive, and pinging at every checkout cost two round trips per booking (one
before its commit, one after).

The speed and transaction contract (docs/ARCHITECTURE.md has the whole list):
1. GET/HEAD begin deferred; every other request, and all work outside a request
   (CLI, jobs, threads), begins with BEGIN IMMEDIATE on SQLite (`_on_begin`; the
   mode is set per request in app/__init__.py `_transaction_mode` with
   `set_read_only()` and put back at teardown with `restore_transaction_mode()`).
   `read_only_transactions()` / `write_transactions()` change it for a block.
2. SQLite writers wait on a flock of `<database>-writers` before BEGIN IMMEDIATE
   and let go at commit or rollback (`_WriterQueue`); not for in-memory databases.
3. After a request's first commit the rest of it runs deferred (`_reads_after_commit`).
   A second write in that request needs `write_transactions()`.
4. One commit per request, in the view; services flush and never commit. GET never
   writes, except inside `write_transactions()`.
5. On SQLite every read in a write transaction holds the whole database: read after
   the commit (`reads_hold_the_write_lock()` is True). On a server, reads lock
   nothing and may come before the seat claim.
6. Nothing slow (hashing, mail, HTTP) between BEGIN/claim and commit.
7. Requests run with `expire_on_commit` off: a Core UPDATE must expire or set the
   attributes it changed (as the seat claim and the status transition do).
8. Hot statements are built once (`functools.cache` builders with bind parameters).
"""

from __future__ import annotations

import contextvars
import fcntl
import os
import sqlite3
import time
from contextlib import contextmanager

from flask import has_request_context
from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DBAPIError, DisconnectionError, IntegrityError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from sqlalchemy.orm import Session as OrmSession

from app.extensions import db

_immediate = contextvars.ContextVar("zhaoxi_sqlite_immediate", default=True)


def set_read_only(read_only: bool) -> contextvars.Token:
    """Transactions begun from now on are deferred reads (True) or take the write lock
    at once (False), until `restore_transaction_mode` with the token returned. For
    whoever owns a context with a beginning and an end (a request, a test)."""
    return _immediate.set(not read_only)


def restore_transaction_mode(token: contextvars.Token) -> None:
    """Puts back the mode that was in force before `set_read_only` returned `token`."""
    _immediate.reset(token)


@contextmanager
def read_only_transactions():
    """Transactions begun inside are deferred reads (scripts and worker threads)."""
    token = _immediate.set(False)
    try:
        yield
    finally:
        _immediate.reset(token)


@contextmanager
def write_transactions():
    """Transactions begun inside take the write lock at once, even after the
    request's first commit (e.g. recording a login's outcome after its read)."""
    token = _immediate.set(True)
    try:
        yield
    finally:
        _immediate.reset(token)


@event.listens_for(OrmSession, "after_commit")
def _reads_after_commit(_session) -> None:
    if has_request_context():
        _immediate.set(False)


def reads_hold_the_write_lock(engine: Engine) -> bool:
    """SQLite: a write transaction holds the whole database from its BEGIN, so
    reads belong after the commit. A server's reads lock nothing."""
    return engine.dialect.name == "sqlite"


def configure_engine(engine: Engine, ping_after_idle: float) -> None:
    if engine.dialect.name != "sqlite":
        _ping_after_idle(engine, ping_after_idle)
        return

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record):
        # Let SQLAlchemy's "begin" event below emit BEGIN itself.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        if engine.url.database not in (None, "", ":memory:"):
            cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA busy_timeout=15000")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    queue = (
        _WriterQueue(engine.url.database)
        if engine.url.database not in (None, "", ":memory:")
        else None
    )

    @event.listens_for(engine, "begin")
    def _on_begin(conn):
        if not _immediate.get():
            conn.exec_driver_sql("BEGIN")
            return
        if queue is not None:
            queue.enter(conn)
        try:
            conn.exec_driver_sql("BEGIN IMMEDIATE")
        except Exception:
            _WriterQueue.leave(conn.info)
            raise

    if queue is not None:
        for name in ("commit", "rollback"):
            event.listen(engine, name, lambda conn: _WriterQueue.leave(conn.info))
        # Safety nets: a connection going back to the pool, or dropped after an
        # error, never keeps the other writers waiting.
        for name in ("checkin", "invalidate"):
            event.listen(
                engine, name, lambda _dbapi, record, *_: record and _WriterQueue.leave(record.info)
            )


class _WriterQueue:
    """Writers wait for SQLite's write lock in the kernel (flock on a file beside
    the database) rather than in SQLite's busy handler, which sleeps 1, 2, 5 … 100
    ms between tries: under a rush a writer woke late, or lost to the one that had
    just finished, again and again. flock wakes a waiter as soon as the lock is free."""

    def __init__(self, database: str):
        self.path = database + "-writers"

    def enter(self, conn) -> None:
        # Opened for each transaction: flock excludes other open files, even in
        # the same process, and nothing stays open between transactions.
        handle = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(handle, fcntl.LOCK_EX)
        except BaseException:
            os.close(handle)
            raise
        conn.info["writers_handle"] = handle

    @staticmethod
    def leave(info: dict) -> None:
        handle = info.pop("writers_handle", None)
        if handle is not None:
            os.close(handle)  # releases the lock


def _ping_after_idle(engine: Engine, seconds: float) -> None:
    @event.listens_for(engine, "checkin")
    def _on_checkin(_dbapi_connection, record) -> None:
        record.info["idle_since"] = time.monotonic()

    @event.listens_for(engine, "checkout")
    def _on_checkout(dbapi_connection, record, _proxy) -> None:
        since = record.info.get("idle_since")
        if since is None or time.monotonic() - since < seconds:
            return  # new, or in use a moment ago
        try:
            engine.dialect.do_ping(dbapi_connection)
        except engine.dialect.loaded_dbapi.Error as error:
            # The pool drops this connection and checks out another one.
            raise DisconnectionError("the database closed the connection") from error


# SQLite's OperationalError also means a bug (a syntax error, a missing table);
# only these say the file could not be used just now.
_SQLITE_UNAVAILABLE = ("database is locked", "unable to open database", "disk i/o error")


def is_unavailable(error: BaseException) -> bool:
    """The database is away just now, not wrong: a server restarting or unreachable,
    a connection dropped or terminated, no connection free in the pool, a statement
    cancelled by its timeout, SQLite's file locked or unreadable. Such a request is
    answered 503, and a read is worth one more try (app/errors.py)."""
    if isinstance(error, (DisconnectionError, PoolTimeout)):
        return True
    if isinstance(error, DBAPIError) and error.connection_invalidated:
        return True
    driver_error = error.orig if isinstance(error, DBAPIError) else error
    if isinstance(driver_error, sqlite3.OperationalError):
        return str(driver_error).lower().startswith(_SQLITE_UNAVAILABLE)
    try:
        import psycopg
    except ImportError:  # pragma: no cover - psycopg is a pinned requirement
        return False
    return isinstance(driver_error, psycopg.OperationalError)


def worth_retrying(error: BaseException) -> bool:
    """A fresh connection may succeed; not when every connection is busy (a retry
    would only queue again)."""
    return is_unavailable(error) and not isinstance(error, PoolTimeout)


def add_if_new(row) -> bool:
    """Adds `row` inside a savepoint. False, with nothing added and the outer
    transaction intact, when a unique constraint finds the row exists already
    (often written a moment ago by a concurrent request)."""
    try:
        with db.session.begin_nested():
            db.session.add(row)
    except IntegrityError:
        return False
    return True
