"""Connections to a database server survive the server dropping them."""

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.pool import NullPool

from app import create_app
from app.extensions import db
from config import TestingConfig


def _backend_pid() -> int:
    pid = db.session.execute(text("SELECT pg_backend_pid()")).scalar_one()
    db.session.commit()  # the connection goes back to the pool
    return pid


@pytest.fixture
def server_app(database_url):
    if not database_url.startswith("postgresql"):
        pytest.skip("a local SQLite file has no connection to drop")

    def make(ping_after_idle: float):
        return create_app(
            TestingConfig, SQLALCHEMY_DATABASE_URI=database_url, DB_PING_AFTER_IDLE=ping_after_idle
        )

    return make


def _drop_connection_server_side(pid: int) -> None:
    # A connection of its own ends the pooled one, as a server restart would.
    other = create_engine(db.engine.url, poolclass=NullPool)
    with other.begin() as conn:
        conn.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})


def test_a_connection_dropped_while_idle_is_replaced_before_a_request_uses_it(server_app):
    app = server_app(ping_after_idle=0)
    with app.app_context():
        first = _backend_pid()
        _drop_connection_server_side(first)
        # Idle for longer than the threshold: pinged, found dead, replaced.
        assert _backend_pid() != first
        db.engine.dispose()


def test_a_connection_in_use_a_moment_ago_goes_back_to_work_without_a_ping(server_app, monkeypatch):
    app = server_app(ping_after_idle=3600)
    with app.app_context():
        pings = []
        ping = db.engine.dialect.do_ping
        monkeypatch.setattr(
            db.engine.dialect, "do_ping", lambda conn: pings.append(conn) or ping(conn)
        )
        first = _backend_pid()
        assert _backend_pid() == first  # the same connection, straight from the pool
        assert pings == []
        db.engine.dispose()
