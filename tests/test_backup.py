"""`flask backup` while bookings are written, `flask restore` into a fresh database:
every booking in the backup is whole and the seats still add up. SQLite here; the
same on PostgreSQL under `.ci/pg-suite` (pg_dump/pg_restore, a database created and
dropped for the restore)."""

from __future__ import annotations

import contextvars
import threading
import uuid
from contextlib import contextmanager
from datetime import timedelta

import psycopg
import pytest
from sqlalchemy import func, make_url, select

from app.backup import BackupError, backup
from app.extensions import db
from app.models import Booking, Channel, Session, User
from config import TestingConfig
from tests.conftest import assert_seat_invariant, require_server
from tests.security.extra_apps import extra_app

COLUMNS = ("id", "person_id", "session_id", "activity_id", "status", "household_id")


@contextmanager
def fresh_database(database_url, tmp_path):
    """An empty database of the same kind as the suite's, gone afterwards."""
    url = make_url(database_url)
    if url.get_backend_name() == "sqlite":
        yield f"sqlite:///{tmp_path / 'restored.db'}"
        return
    name = f"zhaoxi_restore_{uuid.uuid4().hex[:12]}"
    server = url.set(drivername="postgresql", database="postgres")
    server_dsn = server.render_as_string(hide_password=False)
    with psycopg.connect(server_dsn, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        yield url.set(database=name).render_as_string(hide_password=False)
    finally:
        with psycopg.connect(server_dsn, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@contextmanager
def app_on_fresh_database(database_url, tmp_path):
    with (
        fresh_database(database_url, tmp_path) as url,
        extra_app(TestingConfig, SQLALCHEMY_DATABASE_URI=url) as other,
    ):
        yield other


def invoke(app, *args):
    """A command of `app`, outside the test's own app context (which the CLI would
    otherwise use, database included)."""
    return contextvars.Context().run(app.test_cli_runner().invoke, args=list(args))


def _rows(session) -> dict[int, tuple]:
    columns = [getattr(Booking, c) for c in COLUMNS]
    return {row[0]: tuple(row) for row in session.execute(select(*columns))}


class Writer(threading.Thread):
    """Books each resident on each session, one transaction per booking, as the
    requests of a rush would, until told to stop."""

    def __init__(self, app, pairs):
        super().__init__(daemon=True)
        self.app, self.pairs = app, pairs
        self.done = 0
        self.stop = threading.Event()
        self.error: BaseException | None = None

    def run(self):
        from app.services.booking.book import book
        from app.services.booking.targets import Target

        try:
            with self.app.app_context():
                for user_id, session_id in self.pairs:
                    if self.stop.is_set():
                        break
                    user = db.session.get(User, user_id)
                    session = db.session.get(Session, session_id)
                    target = Target.of(session.activity, session)
                    now = self.app.config["FROZEN_NOW"]
                    book(user.person, target, by=user, channel=Channel.PHONE, now=now)
                    db.session.commit()
                    self.done += 1
                db.session.remove()
        except BaseException as error:  # noqa: BLE001 - reported by the test
            self.error = error

    def wait_for(self, count: int) -> None:
        while self.done < count and self.is_alive():
            self.stop.wait(0.005)


def test_a_backup_taken_during_bookings_restores_whole(app, make, runner, tmp_path):
    if make_url(str(db.engine.url)).get_backend_name() == "postgresql":
        from shutil import which

        require_server("pg_dump", which("pg_dump") is not None, "postgresql-client")
    activity = make.activity(capacity=6, sessions=4, every=timedelta(days=1))
    residents = [make.resident() for _ in range(30)]
    make.commit()
    pairs = [(u.id, s.id) for s in activity.sessions for u in residents]
    writer = Writer(app, pairs)
    writer.start()
    path = tmp_path / "during.backup"
    try:
        writer.wait_for(10)
        result = runner.invoke(args=["backup", str(path)])
        assert result.exit_code == 0, result.output
        written = writer.done
        writer.wait_for(written + 5)  # the writes went on after the backup
    finally:
        writer.stop.set()
        writer.join(60)
    assert writer.error is None, repr(writer.error)
    assert "Backup written" in result.output and path.stat().st_size > 0
    db.session.rollback()  # end the test's read snapshot: see every commit
    live = _rows(db.session)
    assert len(live) == writer.done

    suite_url = db.engine.url.render_as_string(hide_password=False)
    with app_on_fresh_database(suite_url, tmp_path) as restored_app:
        restore = invoke(restored_app, "restore", str(path))
        assert restore.exit_code == 0, restore.output
        with restored_app.app_context():
            restored = _rows(db.session)
            assert_seat_invariant()
            db.session.remove()
        # alembic_version came along: the restored database is at the head.
        ready = contextvars.Context().run(restored_app.test_client().get, "/readyz")
        assert ready.status_code == 200, ready.get_json()
        # A second restore into what is no longer empty is refused, changing nothing.
        again = invoke(restored_app, "restore", str(path))
        assert again.exit_code == 1
        assert "not empty" in again.output
        with restored_app.app_context():
            assert db.session.scalar(select(func.count(Booking.id))) == len(restored)
            db.session.remove()

    # Taken mid-rush: some bookings, not all, each exactly as in the live database.
    assert 10 <= len(restored) < len(live)
    assert all(live[booking_id] == row for booking_id, row in restored.items())
    # Bookings are numbered in commit order here: the snapshot is a prefix.
    assert sorted(restored) == sorted(live)[: len(restored)]


def test_restore_refuses_a_database_with_tables(runner, tmp_path):
    path = tmp_path / "any.backup"
    path.write_bytes(b"not read: the target is checked first")
    result = runner.invoke(args=["restore", str(path)])
    assert result.exit_code == 1
    assert "not empty" in result.output


def test_restore_refuses_what_is_not_a_backup(database_url, tmp_path):
    path = tmp_path / "junk.backup"
    path.write_bytes(b"this is not a database")
    with app_on_fresh_database(database_url, tmp_path) as other:
        result = invoke(other, "restore", str(path))
        with other.app_context():
            from sqlalchemy import inspect

            assert inspect(db.engine).get_table_names() == []
    assert result.exit_code == 1, result.output


def test_a_missing_pg_dump_is_named(tmp_path, monkeypatch):
    monkeypatch.setattr("app.backup.shutil.which", lambda _name: None)
    with pytest.raises(BackupError, match="pg_dump is not installed"):
        backup(make_url("postgresql+psycopg://zhaoxi@127.0.0.1:1/zhaoxi"), tmp_path / "x.dump")
    assert list(tmp_path.iterdir()) == []  # nothing half-written left behind
