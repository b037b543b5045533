"""Connections to a database server survive the server dropping them."""

import threading

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.pool import NullPool

from app import create_app, database
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


# SQLite: writers queue for the write lock; readers never wait for them.


@pytest.fixture
def sqlite_app(database_url):
    if not database_url.startswith("sqlite"):
        pytest.skip("the writers' queue is SQLite's")
    return create_app(TestingConfig, SQLALCHEMY_DATABASE_URI=database_url)


def _in_thread(app, work, read_only=False):
    """Runs `work` in its own thread and app context; returns the thread and a list
    that holds "done" once the work committed."""
    done = []

    def run():
        def go():
            with app.app_context():
                work()
                db.session.commit()
                db.session.remove()
            done.append("done")

        if read_only:
            with database.read_only_transactions():
                go()
        else:
            go()

    thread = threading.Thread(target=run)
    thread.start()
    return thread, done


def _write():
    db.session.execute(text("UPDATE activity SET taken = taken WHERE id = 0"))


def test_a_second_writer_waits_for_the_first_then_writes(sqlite_app):
    with sqlite_app.app_context():
        _write()  # this writer holds the lock until it commits
        thread, done = _in_thread(sqlite_app, _write)
        thread.join(0.5)
        assert done == []
        db.session.commit()
        thread.join(5)
        assert done == ["done"]
        db.session.remove()


def test_a_writer_that_rolled_back_lets_the_next_one_in(sqlite_app):
    with sqlite_app.app_context():
        _write()
        db.session.rollback()
        thread, done = _in_thread(sqlite_app, _write)
        thread.join(5)
        assert done == ["done"]
        db.session.remove()


def test_readers_do_not_wait_for_a_writer(sqlite_app):
    with sqlite_app.app_context():
        _write()
        thread, done = _in_thread(
            sqlite_app, lambda: db.session.execute(text("SELECT count(*) FROM activity")), True
        )
        thread.join(5)
        assert done == ["done"]
        db.session.rollback()
        db.session.remove()
