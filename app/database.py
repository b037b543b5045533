"""Engine set-up per dialect.

SQLite: WAL, a busy timeout, and write transactions that take the write lock when
they begin (BEGIN IMMEDIATE). A deferred transaction that reads and then writes
fails at once with "database is locked" when another writer committed meanwhile,
so every transaction is immediate unless the request is a safe read (GET/HEAD),
which the app marks with `set_read_only()`. Once a request has committed its write,
what it reads afterwards (rendering the page) no longer holds the write lock.
"""

from __future__ import annotations

import contextvars
from contextlib import contextmanager

from flask import has_request_context
from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session as OrmSession

_immediate = contextvars.ContextVar("zhaoxi_sqlite_immediate", default=True)


def set_read_only(read_only: bool) -> contextvars.Token:
    return _immediate.set(not read_only)


@contextmanager
def read_only_transactions():
    """Transactions begun inside are deferred reads (scripts and worker threads)."""
    token = _immediate.set(False)
    try:
        yield
    finally:
        _immediate.reset(token)


@event.listens_for(OrmSession, "after_commit")
def _reads_after_commit(_session) -> None:
    if has_request_context():
        _immediate.set(False)


def configure_engine(engine: Engine) -> None:
    if engine.dialect.name != "sqlite":
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

    @event.listens_for(engine, "begin")
    def _on_begin(conn):
        conn.exec_driver_sql("BEGIN IMMEDIATE" if _immediate.get() else "BEGIN")
