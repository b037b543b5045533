"""The query plans behind migration 0013 (issue 18): a mid-size centre's bookings
read with and without `ix_booking_session_status`.

Usage (from the repository root):

    .venv/bin/python bench/plans.py                   # SQLite, ~100,000 bookings
    .venv/bin/python bench/plans.py --db postgresql://postgres@127.0.0.1:5432/postgres
    .venv/bin/python bench/plans.py --sessions 500    # smaller

What it does: a fresh database (`--db sqlite`: a temp file; a server URL: a new
database `zhaoxi_bench_plans_<pid>`, dropped at the end) migrated to the head, then
bulk inserts: 5,000 residents, 200 classes (20 of them term classes with 30 people
enrolled), `--sessions` sessions over a year, each with 45 confirmed bookings,
3 waitlisted and 2 cancelled. Then, first without the index (dropped) and then with
it, each after ANALYZE, for each query the pages run:

- roll: `roster.covering_bookings` (a date of a term class: `targets.holds_place_on`,
  an OR), and the same as a UNION ALL of its two halves, which was tried: with the
  index both plans are index searches (SQLite: MULTI-INDEX OR; PostgreSQL:
  BitmapOr), the OR as fast or faster, so the OR stayed;
- session page: `lists.bookings_of` for one session;
- class list: `catalogue._waitlist_lengths` for a week's sessions, and the
  `activity_id IN (…)` form it replaced;
- programme days: a calendar's queue counts (`session_id IN (…)`).

`--no-analyze` (SQLite): the same without statistics, as before issue 18.
It prints each plan (SQLite: EXPLAIN QUERY PLAN; PostgreSQL: EXPLAIN ANALYZE) and
the median of 5 runs in milliseconds.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import tempfile
import time
from datetime import date, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import reports  # noqa: E402
import rush  # noqa: E402

INDEX = "ix_booking_session_status"


def log(message: str) -> None:
    print(f"[plans] {message}", file=sys.stderr, flush=True)


def seed(app, *, sessions: int, seed_value: int = 18) -> dict:
    """Bulk inserts, in the order the foreign keys need."""
    from flask_migrate import upgrade
    from sqlalchemy import insert

    from app.extensions import db
    from app.models import Activity, Booking, Household, Person, Session

    rng = random.Random(seed_value)
    created = datetime(2025, 11, 1)
    residents, activities, series = 5000, 200, set(range(1, 21))
    with app.app_context():
        upgrade(directory=str(ROOT / "migrations"))

        def bulk(model, rows):
            for start in range(0, len(rows), 5000):
                db.session.execute(insert(model), rows[start : start + 5000])

        bulk(
            Household, [{"id": i, "name": f"家{i}", "created_at": created} for i in range(1, 3001)]
        )
        bulk(
            Person,
            [
                {
                    "id": i,
                    "household_id": (i - 1) % 3000 + 1,
                    "name": f"居民{i}",
                    "birth_date": date(1950, 1, 1),
                    "created_at": created,
                }
                for i in range(1, residents + 1)
            ],
        )
        bulk(
            Activity,
            [
                {
                    "id": a,
                    "title": f"活动{a}",
                    "category": "calligraphy",
                    "audience": "all",
                    "room": "活动室",
                    "capacity": 60,
                    "taken": 30 if a in series else 0,
                    "enrolment_unit": "series" if a in series else "session",
                    "capacity_unit": "person",
                    "allocation": "fcfs",
                    "waitlist_enabled": True,
                    "waitlist_policy": "auto",
                    "cancel_hours": 2,
                    "status": "published",
                    "created_at": created,
                    "description": "",
                }
                for a in range(1, activities + 1)
            ],
        )
        rows = []
        for sid in range(1, sessions + 1):
            start = datetime(2026, 1, 1, 1) + timedelta(hours=4 * sid)
            rows.append(
                {
                    "id": sid,
                    "activity_id": (sid - 1) % activities + 1,
                    "starts_at": start,
                    "ends_at": start + timedelta(minutes=90),
                    "capacity": 60,
                    "taken": 45,
                    "status": "scheduled",
                }
            )
        bulk(Session, rows)
        bookings, bid = [], 0

        def booking(pid, activity_id, session_id, status, when):
            nonlocal bid
            bid += 1
            bookings.append(
                {
                    "id": bid,
                    "person_id": pid,
                    "household_id": (pid - 1) % 3000 + 1,
                    "activity_id": activity_id,
                    "session_id": session_id,
                    "status": status,
                    "channel": "phone",
                    "created_at": when,
                    "queued_at": when,
                    "confirmed_at": when if status == "confirmed" else None,
                    "late_cancel": False,
                }
            )

        for a in series:
            for pid in rng.sample(range(1, residents + 1), 30):
                booking(pid, a, None, "confirmed", created)
        for s in rows:
            if s["activity_id"] in series:
                continue
            statuses = ["confirmed"] * 45 + ["waitlisted"] * 3 + ["cancelled"] * 2
            for pid, status in zip(rng.sample(range(1, residents + 1), 50), statuses, strict=True):
                booking(pid, s["activity_id"], s["id"], status, s["starts_at"] - timedelta(days=3))
        bulk(Booking, bookings)
        db.session.commit()
        return {"sessions": len(rows), "bookings": len(bookings)}


def queries(session_ids: list[int]):
    """(name, statement) for each read the pages make, old forms included."""
    from sqlalchemy import and_, func, select, union_all

    from app.extensions import db
    from app.models import LIVE_STATUSES, Booking, BookingStatus, Session
    from app.services.booking.targets import Target, holds_place_on

    term_date = db.session.get(Session, 1)  # activity 1 is a term class
    one = db.session.get(Session, session_ids[0])
    week = [db.session.get(Session, s) for s in session_ids]
    waiting = Booking.status == BookingStatus.WAITLISTED
    counted = select(Booking.activity_id, Booking.session_id, func.count(Booking.id))
    by_key = (Booking.activity_id, Booking.session_id)
    confirmed = Booking.status == BookingStatus.CONFIRMED
    halves = (  # `holds_place_on` split in its two disjoint halves
        and_(confirmed, Booking.session_id == term_date.id),
        and_(
            confirmed,
            Booking.session_id.is_(None),
            Booking.activity_id == term_date.activity_id,
            Booking.confirmed_at < term_date.ends_at,
        ),
    )
    return [
        (
            "roll, as a UNION ALL of its halves (tried, not kept)",
            select(Booking).where(
                Booking.id.in_(union_all(*(select(Booking.id).where(h) for h in halves)))
            ),
        ),
        ("roll: covering_bookings, OR", select(Booking).where(holds_place_on(term_date))),
        (
            "session page: bookings_of",
            select(Booking)
            .where(Target(one.activity, one).bookings_clause(), Booking.status.in_(LIVE_STATUSES))
            .order_by(Booking.queued_at, Booking.id),
        ),
        (
            "class list: waitlist lengths by session (new)",
            counted.where(Booking.session_id.in_([s.id for s in week]), waiting).group_by(*by_key),
        ),
        (
            "class list: waitlist lengths of terms (new)",
            counted.where(
                and_(Booking.activity_id.in_([1, 2, 3]), Booking.session_id.is_(None)), waiting
            ).group_by(*by_key),
        ),
        (
            "class list: waitlist lengths by activity (old)",
            counted.where(Booking.activity_id.in_({s.activity_id for s in week}), waiting).group_by(
                *by_key
            ),
        ),
    ]


def explain(statement) -> list[str]:
    from app.extensions import db

    conn = db.session.connection()
    compiled = statement.compile(dialect=conn.dialect, compile_kwargs={"render_postcompile": True})
    if conn.dialect.name == "sqlite":
        params = tuple(compiled.params[name] for name in compiled.positiontup)
        rows = conn.exec_driver_sql("EXPLAIN QUERY PLAN " + compiled.string, params)
        return [f"{row[1]:>3} {row[3]}" for row in rows]
    rows = conn.exec_driver_sql("EXPLAIN ANALYZE " + compiled.string, compiled.params)
    return [row[0] for row in rows]


def timed(statement) -> float:
    from app.extensions import db

    runs = []
    for _ in range(5):
        started = time.perf_counter()
        db.session.execute(statement).all()
        runs.append((time.perf_counter() - started) * 1000)
    return statistics.median(runs)


def report(app, label: str, analyze: bool) -> None:
    from sqlalchemy import select, text

    from app.extensions import db
    from app.models import Session

    with app.app_context():
        if analyze:
            db.session.execute(text("ANALYZE"))
        elif db.engine.dialect.name == "sqlite":  # migrating gathered some: forget them
            db.session.execute(text("DROP TABLE IF EXISTS sqlite_stat1"))
        db.session.commit()
        week = list(db.session.scalars(select(Session.id).where(Session.id > 1000).limit(40)))
        week = [s for s in week if (s - 1) % 200 + 1 > 20][:13]
        for name, statement in queries(week):
            print(f"\n== {label} | {name}: {timed(statement):.2f} ms")
            for line in explain(statement):
                print(f"   {line}")
        db.session.rollback()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", default="sqlite", help="'sqlite' or a postgresql:// server URL")
    parser.add_argument("--sessions", type=int, default=2200)
    parser.add_argument(
        "--no-analyze", action="store_true", help="SQLite: plans without statistics"
    )
    args = parser.parse_args(argv)
    pg_name = None
    if args.db == "sqlite":
        db_url = f"sqlite:///{tempfile.mkdtemp(prefix='zhaoxi-plans-')}/plans.db"
    else:
        pg_name = f"zhaoxi_bench_plans_{os.getpid()}"
        db_url = rush.create_pg_database(args.db, pg_name)
    try:
        from sqlalchemy import text

        from app.extensions import db

        app = reports.make_app(db_url)
        started = time.perf_counter()
        counts = seed(app, sessions=args.sessions)
        log(f"seeded in {time.perf_counter() - started:.1f} s: {counts}")
        with app.app_context():
            db.session.execute(text(f"DROP INDEX {INDEX}"))
            db.session.commit()
        report(app, f"without {INDEX}", not args.no_analyze)
        with app.app_context():
            db.session.execute(text(f"CREATE INDEX {INDEX} ON booking (session_id, status)"))
            db.session.commit()
        report(app, f"with {INDEX}", not args.no_analyze)
        return 0
    finally:
        if pg_name:
            with reports.make_app(db_url).app_context():
                from app.extensions import db

                db.engine.dispose()
            rush.drop_pg_database(args.db, pg_name)


if __name__ == "__main__":
    sys.exit(main())
