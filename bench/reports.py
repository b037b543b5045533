"""How fast the service report is on a busy centre's year.

Usage (from the repository root):

    .venv/bin/python bench/reports.py                 # SQLite (a new temp file)
    .venv/bin/python bench/reports.py --db postgresql://postgres@127.0.0.1:5432/postgres

What it does: builds a fresh database (`--db postgresql://…`: a new database
`zhaoxi_bench_reports_<pid>` on that server, dropped at the end) through the
migrations, and seeds a year (2026) of a busy centre with bulk inserts: 3,000
residents in 2,000 households (a tenth tagged), 80 activities (20 of them term
classes, one a holiday childcare programme), 300 sessions a month, about 20,000
bookings (some waitlisted, some cancelled, some late), about 60,000 attendance
marks (present, late, absent, excused, walk-ins), leave, ratings, helpers, welfare
calls and pickups at the door. The database is ANALYZEd, as one in use has planner
statistics.

Then, logged in as staff through the Flask test client (in-process: the app's own
time, no network), it fetches for October 2026 and for the whole year: the report
page, the workbook (xlsx) and the printable report, `--runs` times each after one
warm-up, and prints one JSON line per measurement on stdout:
{"db", "what", "period", "runs", "median_s", "min_s", "cpu_s", "load1", "status",
"bytes", "target_s"}: wall-clock seconds (median and best), this process's CPU
seconds (median; with SQLite that includes the database's work, with PostgreSQL
the server's is not in it), and the machine's load average when measured, since
other work on a shared machine stretches the wall clock. Targets: the year's page
under 1 s, its workbook under 3 s. The exit status is 1 when an answer is not 200;
speed targets never fail the run.
"""

from __future__ import annotations

import argparse
import json
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

import rush  # noqa: E402
from seeding import insert_rows, reset_sequences  # noqa: E402

PASSWORD = "bench-reports-1"
NOW = datetime(2026, 12, 15, 2, 0)  # 10:00 in Shanghai: the whole year 2026 is past
YEAR = 2026
TARGETS = {("page", "year"): 1.0, ("xlsx", "year"): 3.0}


def log(message: str) -> None:
    print(f"[reports] {message}", file=sys.stderr, flush=True)


def make_app(db_url: str):
    from app import create_app
    from config import ProductionConfig, _normalise_db_url

    return create_app(
        ProductionConfig,
        SQLALCHEMY_DATABASE_URI=_normalise_db_url(db_url),
        SECRET_KEY="bench",
        RATELIMIT_ENABLED=False,
        WTF_CSRF_ENABLED=False,
        SESSION_COOKIE_SECURE=False,
        REMEMBER_COOKIE_SECURE=False,
        FROZEN_NOW=NOW,
    )


def _local(day: date, hour: int, minute: int = 0) -> datetime:
    """Shanghai wall clock → naive UTC (no summer time there)."""
    return datetime(day.year, day.month, day.day, hour, minute) - timedelta(hours=8)


def seed(app, *, residents: int, activities: int, per_month: int, seed_value: int) -> dict:
    """Bulk inserts, in the order the foreign keys need. Returns the counts."""
    from flask_migrate import upgrade
    from sqlalchemy import select, text
    from werkzeug.security import generate_password_hash

    from app.extensions import db
    from app.models import (
        CATEGORIES,
        Activity,
        Attendance,
        Booking,
        Household,
        HouseholdTag,
        Leave,
        Person,
        PickupAttempt,
        Programme,
        ProgrammeSlot,
        Rating,
        Session,
        SessionHelper,
        User,
        WelfareCall,
    )

    rng = random.Random(seed_value)
    counts: dict[str, int] = {}
    with app.app_context():
        upgrade(directory=str(ROOT / "migrations"))
        created = NOW - timedelta(days=400)

        def bulk(model, rows):
            counts[model.__tablename__] = insert_rows(db, model, rows)

        households = residents * 2 // 3
        bulk(
            Household,
            [{"id": i, "name": f"家{i}", "created_at": created} for i in range(1, households + 1)],
        )
        tags = ("独居", "高龄", "留守儿童", "困境儿童", "低保")
        bulk(
            HouseholdTag,
            [
                {"household_id": h, "tag": rng.choice(tags)}
                for h in range(1, households + 1)
                if h % 10 == 0
            ],
        )
        people = []
        for i in range(1, residents + 1):
            roll = rng.random()
            age = (
                rng.randint(3, 15)
                if roll < 0.15
                else rng.randint(19, 59)
                if roll < 0.35
                else rng.randint(60, 95)
            )
            born = None if roll > 0.98 else date(YEAR - age, rng.randint(1, 12), rng.randint(1, 28))
            people.append(
                {
                    "id": i,
                    "household_id": (i - 1) % households + 1,
                    "name": f"居民{i}",
                    "birth_date": born,
                    "created_at": created,
                }
            )
        teachers = list(range(residents + 1, residents + 21))
        staff = residents + 21
        for pid in [*teachers, staff]:
            people.append(
                {
                    "id": pid,
                    "household_id": 1,
                    "name": f"老师{pid}",
                    "birth_date": date(1980, 1, 1),
                    "created_at": created,
                }
            )
        bulk(Person, people)
        secret = generate_password_hash(PASSWORD, method="pbkdf2:sha256:1000")
        users = [
            {
                "id": pid,
                "person_id": pid,
                "phone": f"139{pid:08d}",
                "role": "teacher",
                "secret_hash": secret,
                "created_at": created,
            }
            for pid in teachers
        ]
        users.append(
            {
                "id": staff,
                "person_id": staff,
                "phone": f"139{staff:08d}",
                "role": "staff",
                "secret_hash": secret,
                "created_at": created,
            }
        )
        bulk(User, users)

        categories = [c for c in CATEGORIES if c not in ("childcare", "afterschool")]
        series_ids = set(range(1, 21))
        childcare_id = activities
        rows = []
        for a in range(1, activities + 1):
            rows.append(
                {
                    "id": a,
                    "title": f"活动{a}",
                    "category": "childcare"
                    if a == childcare_id
                    else categories[a % len(categories)],
                    "audience": "child"
                    if a == childcare_id
                    else rng.choice(("elder", "all", "family", "child")),
                    "teacher_id": teachers[a % len(teachers)],
                    "room": f"活动室{a % 6}",
                    "capacity": 40 if a == childcare_id else rng.randint(12, 30),
                    "taken": 0,
                    "enrolment_unit": "series" if a in series_ids else "session",
                    "capacity_unit": "person",
                    "allocation": "fcfs",
                    "waitlist_enabled": True,
                    "waitlist_policy": "auto",
                    "cancel_hours": 2,
                    "status": "published",
                    "created_at": created,
                    "description": "",
                }
            )
        bulk(Activity, rows)
        capacity = {r["id"]: r["capacity"] for r in rows}
        bulk(
            Programme,
            [
                {
                    "id": 1,
                    "activity_id": childcare_id,
                    "kind": "holiday",
                    "first_day": date(YEAR, 1, 1),
                    "last_day": date(YEAR, 12, 31),
                    "weekdays": "1,2,3,4,5",
                    "pickup_grace_minutes": 15,
                    "newcomer_share": 0,
                    "weekly_blocks": False,
                    "created_at": created,
                }
            ],
        )

        sessions = []
        sid = 0
        for month in range(1, 13):
            for n in range(per_month):
                sid += 1
                day = date(YEAR, month, 1 + n % 28)
                activity = 1 + n % activities
                start = _local(day, 8 + n % 10, 30 if n % 2 else 0)
                sessions.append(
                    {
                        "id": sid,
                        "activity_id": activity,
                        "starts_at": start,
                        "ends_at": start + timedelta(minutes=90),
                        "capacity": capacity[activity],
                        "taken": 0,
                        "status": "cancelled" if n % 50 == 7 else "scheduled",
                    }
                )
        bulk(Session, sessions)
        slots = [s for s in sessions if s["activity_id"] == childcare_id]
        bulk(
            ProgrammeSlot,
            [
                {
                    "programme_id": 1,
                    "session_id": s["id"],
                    "kind": "morning",
                    "day": (s["starts_at"] + timedelta(hours=8)).date(),
                }
                for s in slots
            ],
        )

        ordinary = list(range(1, residents + 1))
        bookings, marks, leaves, ratings = [], [], [], []
        bid = 0
        enrolled: dict[int, list[tuple[int, int]]] = {}
        for a in series_ids:  # term classes: their people are on every date's roll
            chosen = rng.sample(ordinary, 22)
            for pid in chosen:
                bid += 1
                bookings.append(
                    {
                        "id": bid,
                        "person_id": pid,
                        "household_id": people[pid - 1]["household_id"],
                        "activity_id": a,
                        "session_id": None,
                        "status": "confirmed",
                        "channel": "desk",
                        "created_at": created,
                        "queued_at": created,
                        "confirmed_at": created,
                        "late_cancel": False,
                    }
                )
            enrolled[a] = [(pid, bid - 22 + k + 1) for k, pid in enumerate(chosen)]
        target = 20000
        single = [s for s in sessions if s["activity_id"] not in series_ids]
        # Each session: its confirmed bookings (on average as many as make up the
        # target) and two on the waiting list.
        per_session = (target - bid) / len(single) - 2
        for s in single:
            booked = int(per_session) + (rng.random() < per_session % 1)
            chosen = rng.sample(ordinary, booked + 2)
            roll = []
            for k, pid in enumerate(chosen):
                bid += 1
                status, confirmed, cancelled, late = (
                    "confirmed",
                    s["starts_at"] - timedelta(days=3),
                    None,
                    False,
                )
                if k >= booked:
                    status, confirmed = "waitlisted", None
                elif rng.random() < 0.05:
                    status, cancelled, late = (
                        "cancelled",
                        s["starts_at"] - timedelta(hours=rng.choice((1, 30))),
                        rng.random() < 0.5,
                    )
                bookings.append(
                    {
                        "id": bid,
                        "person_id": pid,
                        "household_id": people[pid - 1]["household_id"],
                        "activity_id": s["activity_id"],
                        "session_id": s["id"],
                        "status": status,
                        "channel": "phone",
                        "created_at": created,
                        "queued_at": created,
                        "confirmed_at": confirmed,
                        "cancelled_at": cancelled,
                        "late_cancel": late,
                    }
                )
                if status == "confirmed":
                    roll.append((pid, bid))
            enrolled.setdefault(-s["id"], roll)
        bulk(Booking, bookings)

        mark_target = 60000
        on_rolls = sum(
            len(
                enrolled[s["activity_id"]] if s["activity_id"] in series_ids else enrolled[-s["id"]]
            )
            for s in sessions
        )
        walk_in_each = max(0.0, (mark_target - on_rolls) / len(single))
        for s in sessions:
            roll = (
                enrolled[s["activity_id"]] if s["activity_id"] in series_ids else enrolled[-s["id"]]
            )
            seen = set()
            for pid, booking in roll:
                seen.add(pid)
                r = rng.random()
                status = (
                    "present"
                    if r < 0.8
                    else "late"
                    if r < 0.85
                    else "absent"
                    if r < 0.95
                    else "excused"
                )
                if status == "excused" and len(leaves) < 1500:
                    leaves.append(
                        {
                            "session_id": s["id"],
                            "person_id": pid,
                            "booking_id": booking,
                            "channel": "phone",
                            "created_at": s["starts_at"] - timedelta(days=1),
                        }
                    )
                marks.append(
                    {
                        "session_id": s["id"],
                        "person_id": pid,
                        "booking_id": booking,
                        "status": status,
                        "marked_at": s["starts_at"],
                        "checked_in_at": s["starts_at"] if status in ("present", "late") else None,
                    }
                )
                if status == "present" and rng.random() < 0.15:
                    ratings.append(
                        {
                            "person_id": pid,
                            "session_id": s["id"],
                            "value": rng.choice(("good", "good", "good", "ok", "bad")),
                            "comment": "很好" if rng.random() < 0.1 else None,
                            "created_at": s["ends_at"],
                        }
                    )
            if s["activity_id"] not in series_ids:
                walk_ins = int(walk_in_each) + (rng.random() < walk_in_each % 1)
                for pid in rng.sample(ordinary, walk_ins + len(roll)):
                    if pid not in seen and len(seen) < len(roll) + walk_ins:
                        seen.add(pid)
                        marks.append(
                            {
                                "session_id": s["id"],
                                "person_id": pid,
                                "booking_id": None,
                                "status": "present",
                                "marked_at": s["starts_at"],
                                "checked_in_at": s["starts_at"],
                            }
                        )
        bulk(Attendance, marks)
        bulk(Leave, leaves)
        bulk(Rating, ratings)
        bulk(
            SessionHelper,
            [
                {"session_id": s["id"], "user_id": teachers[s["id"] % 20], "created_at": created}
                for s in sessions[::4]
            ],
        )
        absent = db.session.execute(
            text(
                "SELECT a.id, a.session_id, a.person_id FROM attendance a WHERE a.status = 'absent' AND a.booking_id IS NOT NULL"
            )
        ).all()
        bulk(
            WelfareCall,
            [
                {
                    "session_id": s,
                    "person_id": p,
                    "attendance_id": a,
                    "call_date": date(YEAR, 1, 1) + timedelta(days=a % 360),
                    "created_at": NOW,
                    "done_at": NOW if a % 3 else None,
                }
                for a, s, p in absent[::10]
            ],
        )
        slot_marks = db.session.execute(
            select(Attendance.id, Attendance.session_id, Attendance.person_id, Session.ends_at)
            .join(Session, Session.id == Attendance.session_id)
            .where(Session.activity_id == childcare_id)
        ).all()
        bulk(
            PickupAttempt,
            [
                {
                    "session_id": s,
                    "child_id": p,
                    "attendance_id": a,
                    "ok": True,
                    "created_at": ends + timedelta(minutes=a % 30),
                }
                for a, s, p, ends in slot_marks
            ],
        )
        reset_sequences(
            db,
            ("household", "person", "user", "activity", "activity_session", "booking", "programme"),
        )
        db.session.commit()
        db.session.execute(text("ANALYZE"))
        db.session.commit()
        counts["staff_phone"] = f"139{staff:08d}"
    return counts


def measure(app, db_name: str, phone: str, runs: int) -> int:
    client = app.test_client()
    login = client.post("/login", data={"phone": phone, "secret": PASSWORD})
    if login.status_code != 302:
        raise SystemExit(f"staff login answered {login.status_code}")
    client.get("/classes")  # the welcome message
    periods = {"month": "kind=month&month=2026-10", "year": "kind=year&year=2026"}
    pages = {
        "page": "/staff/reports",
        "xlsx": "/staff/reports/export.xlsx",
        "print": "/staff/reports/print",
    }
    failures = 0
    for period, query in periods.items():
        for what, path in pages.items():
            url = f"{path}?{query}"
            client.get(url)  # warm-up
            times, cpu, status, size = [], [], 0, 0
            for _ in range(runs):
                started, used = time.perf_counter(), time.process_time()
                answer = client.get(url)
                times.append(time.perf_counter() - started)
                cpu.append(time.process_time() - used)
                status, size = answer.status_code, len(answer.data)
            failures += status != 200
            line = {
                "db": db_name,
                "what": what,
                "period": period,
                "runs": runs,
                "median_s": round(statistics.median(times), 3),
                "min_s": round(min(times), 3),
                "cpu_s": round(statistics.median(cpu), 3),
                "load1": round(os.getloadavg()[0], 1),
                "status": status,
                "bytes": size,
                "target_s": TARGETS.get((what, period)),
            }
            print(json.dumps(line), flush=True)
    return failures


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", default="sqlite", help="'sqlite' or a postgresql:// server URL")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--residents", type=int, default=3000)
    parser.add_argument("--activities", type=int, default=80)
    parser.add_argument("--per-month", type=int, default=300, help="sessions a month")
    parser.add_argument("--seed", type=int, default=13)
    args = parser.parse_args(argv)
    pg_name = None
    if args.db == "sqlite":
        db_url = f"sqlite:///{tempfile.mkdtemp(prefix='zhaoxi-reports-')}/reports.db"
        db_name = "sqlite"
    else:
        pg_name = f"zhaoxi_bench_reports_{os.getpid()}"
        db_url = rush.create_pg_database(args.db, pg_name)
        db_name = "postgresql"
    try:
        app = make_app(db_url)
        started = time.perf_counter()
        counts = seed(
            app,
            residents=args.residents,
            activities=args.activities,
            per_month=args.per_month,
            seed_value=args.seed,
        )
        phone = counts.pop("staff_phone")
        log(f"seeded in {time.perf_counter() - started:.1f} s: {json.dumps(counts)}")
        return 1 if measure(app, db_name, phone, args.runs) else 0
    finally:
        if pg_name:
            with make_app(db_url).app_context():
                from app.extensions import db

                db.engine.dispose()
            rush.drop_pg_database(args.db, pg_name)


if __name__ == "__main__":
    sys.exit(main())
