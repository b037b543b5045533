"""bench/scale.py measures pages on grown centres (issue 18): what it measures is only
worth something if the grown data is data the app could have made. A tiny size is
seeded the way M and L are, and the invariants are counted in the database: seat
counts, one live booking per person per session, nobody waiting while places are
free, marks for every confirmed booking of a session that is over."""

from __future__ import annotations

import contextlib
import sys
from datetime import datetime
from pathlib import Path

import pytest
from sqlalchemy import text

from app import create_app
from app.extensions import db
from config import TestingConfig
from tests.conftest import private_schema

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "bench"))

import scale_data  # noqa: E402

NOW = datetime(2026, 11, 23, 2, 0)


@pytest.fixture(scope="module")
def centre(tmp_path_factory, database_url):
    """The demo grown to scale_data.TINY in an empty database: a SQLite file, or a
    private schema on the suite's PostgreSQL database."""
    with contextlib.ExitStack() as stack:
        if database_url.startswith("postgresql"):
            url = stack.enter_context(private_schema(database_url, "scale_check"))
        else:
            url = f"sqlite:///{tmp_path_factory.mktemp('scale') / 'tiny.db'}"
        app = create_app(TestingConfig, SQLALCHEMY_DATABASE_URI=url)
        added = scale_data.build(app, scale_data.TINY, NOW)
        yield app, added
        with app.app_context():
            db.session.remove()
            db.engine.dispose()


def scalar(app, sql: str, **params):
    with app.app_context():
        value = db.session.scalar(text(sql), params)
        db.session.remove()
    return value


def execute(app, sql: str, **params) -> None:
    with app.app_context():
        db.session.execute(text(sql), params)
        db.session.commit()
        db.session.remove()


def test_the_grown_centre_keeps_the_invariants(centre):
    app, added = centre
    assert scale_data.check_invariants(app, NOW) == dict.fromkeys(scale_data.INVARIANTS, 0)
    # It did grow, with every kind of booking the invariants are about.
    assert added["booking"] > 500 and added["attendance"] > 200 and added["notice"] > 500
    for status in ("confirmed", "waitlisted", "cancelled"):
        assert scalar(app, "SELECT count(*) FROM booking WHERE status = :s", s=status) > 0
    full = "SELECT count(*) FROM activity_session WHERE taken = capacity AND capacity = :c"
    assert scalar(app, full, c=scale_data.TINY.capacity) > 0


def test_the_demo_logins_keep_their_history(centre):
    """The demo's regulars go to two Sunday classes every week of the timetable."""
    app, _added = centre
    weeks = scale_data.TINY.weeks_past + scale_data.TINY.weeks_ahead
    for name in scale_data.DEMO_REGULARS:
        booked = scalar(
            app,
            "SELECT count(*) FROM booking b JOIN person p ON p.id = b.person_id "
            "JOIN activity a ON a.id = b.activity_id "
            "WHERE p.name = :n AND a.title LIKE '社区兴趣班%'",
            n=name,
        )
        assert booked == 2 * weeks, name
    assert scalar(app, "SELECT count(*) FROM \"user\" WHERE phone = '13900000009'") == 1


@pytest.mark.parametrize(
    ("invariant", "break_it", "mend_it"),
    [
        (
            "session_taken",
            "UPDATE activity_session SET taken = taken - 1 WHERE id = :sid",
            "UPDATE activity_session SET taken = taken + 1 WHERE id = :sid",
        ),
        (
            "waiting_with_free_places",
            "UPDATE booking SET status = 'waitlisted' WHERE id = :bid",
            "UPDATE booking SET status = 'confirmed' WHERE id = :bid",
        ),
        ("unmarked_past_bookings", "DELETE FROM attendance WHERE booking_id = :bid", None),
    ],
)
def test_the_check_finds_broken_data(centre, invariant, break_it, mend_it):
    """The check can fail: each kind of breakage is counted."""
    app, _added = centre
    sid, bid = _a_past_confirmed_booking(app)
    execute(app, break_it, sid=sid, bid=bid)
    try:
        assert scale_data.check_invariants(app, NOW)[invariant] >= 1
    finally:
        if mend_it:
            execute(app, mend_it, sid=sid, bid=bid)
        else:
            _mark_again(app, bid)
    assert scale_data.check_invariants(app, NOW)[invariant] == 0


def _a_past_confirmed_booking(app) -> tuple[int, int]:
    """(session, booking) of a grown session that is over, with free places."""
    with app.app_context():
        row = db.session.execute(
            text(
                "SELECT s.id, b.id FROM booking b JOIN activity_session s ON s.id = b.session_id "
                "WHERE b.status = 'confirmed' AND s.ends_at <= :now AND s.taken < s.capacity "
                "ORDER BY b.id DESC LIMIT 1"
            ),
            {"now": NOW},
        ).one()
        db.session.remove()
    return row[0], row[1]


def _mark_again(app, booking_id: int) -> None:
    execute(
        app,
        "INSERT INTO attendance (session_id, person_id, booking_id, status, marked_at) "
        "SELECT session_id, person_id, id, 'present', :now FROM booking WHERE id = :bid",
        now=NOW,
        bid=booking_id,
    )
