"""Helpers for the tests of production concerns: a database that went away."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import contextmanager

from sqlalchemy import event, text

from app.extensions import db


def break_the_database(monkeypatch, failures: int | None = None) -> list[int]:
    """Checkouts from the pool fail as the driver's do when the database is away
    (PostgreSQL: connection refused; SQLite: the file cannot be opened), `failures`
    times or for ever; SQLAlchemy wraps the error in its OperationalError. Returns
    a one-item list counting the failed checkouts."""
    dbapi = db.engine.dialect.loaded_dbapi
    pool = db.engine.pool
    connect = pool.connect
    why = (
        "unable to open database file"
        if db.engine.dialect.name == "sqlite"
        else 'connection to server at "127.0.0.1", port 5432 failed: Connection refused'
    )
    failed = [0]

    def refuse(*args, **kwargs):
        if failures is not None and failed[0] >= failures:
            return connect(*args, **kwargs)
        failed[0] += 1
        raise dbapi.OperationalError(why)

    monkeypatch.setattr(pool, "connect", refuse)
    return failed


@contextmanager
def database_away_at(fails: Callable[[str], bool]):
    """The database goes away in the middle of a request: each statement for which
    `fails(sql)` holds fails as the driver's do when the server has gone."""

    def refuse(_conn, _cursor, statement, *_args):
        if fails(statement):
            raise db.engine.dialect.loaded_dbapi.OperationalError(
                "unable to open database file"
                if db.engine.dialect.name == "sqlite"
                else "server closed the connection unexpectedly"
            )

    event.listen(db.engine, "before_cursor_execute", refuse)
    try:
        yield
    finally:
        event.remove(db.engine, "before_cursor_execute", refuse)


@contextmanager
def alembic_version(revision: str):
    """The database claims another migration revision for a while."""
    with db.engine.begin() as conn:
        before = conn.scalar(text("SELECT version_num FROM alembic_version"))
        conn.execute(text("UPDATE alembic_version SET version_num = :r"), {"r": revision})
    try:
        yield
    finally:
        with db.engine.begin() as conn:
            conn.execute(text("UPDATE alembic_version SET version_num = :r"), {"r": before})
