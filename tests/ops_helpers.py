"""Helpers for the tests of production concerns: a database that went away."""

from __future__ import annotations

from contextlib import contextmanager

from sqlalchemy import text

from app.extensions import db


def break_the_database(monkeypatch) -> None:
    """Every new checkout from the pool fails as a driver does when the server is
    down (connection refused); SQLAlchemy wraps it in its OperationalError."""
    dbapi = db.engine.dialect.loaded_dbapi

    def refuse(*_args, **_kwargs):
        raise dbapi.OperationalError("connection refused (the test stopped the database)")

    monkeypatch.setattr(db.engine.pool, "connect", refuse)


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
