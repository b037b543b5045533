"""What the access records ("who saw my child's data") add to a teacher's roll.

Usage (from the repository root):

    .venv/bin/python bench/roster_access.py                  # SQLite file, 30 children
    .venv/bin/python bench/roster_access.py --children 60 --rounds 400
    .venv/bin/python bench/roster_access.py --db postgresql://postgres@127.0.0.1:5432/postgres

Seeds a fresh database (a class with `--children` children booked, each with care
notes and a guardian's phone), logs the teacher in through the Flask test client
and opens the roll (`GET /teach/sessions/<id>`) `--rounds` times with access
records on and as many with them off (the viewer treated as not recorded),
alternating, then prints the median and mean wall time per page of each and the
difference. Figures move with the machine's load: compare runs made one after the
other.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", default="sqlite", help="'sqlite' or a postgresql:// server URL")
    parser.add_argument("--children", type=int, default=30)
    parser.add_argument("--rounds", type=int, default=200)
    args = parser.parse_args(argv)
    pg_name = None
    if args.db == "sqlite":
        db_url = f"sqlite:///{tempfile.mkdtemp(prefix='zhaoxi-roster-')}/roster.db"
    else:
        import rush  # noqa: PLC0415  (bench/rush.py: a throwaway database on the server)

        pg_name = f"zhaoxi_roster_{int(time.time())}"
        db_url = rush.create_pg_database(args.db, pg_name)
    try:
        return run(args, db_url)
    finally:
        if pg_name:
            import rush  # noqa: PLC0415

            rush.drop_pg_database(args.db, pg_name)


def run(args, db_url: str) -> int:
    import app.access_log as access_log
    from app import create_app
    from app.extensions import db
    from app.models import AccessRecord, Role
    from app.services.booking.book import book
    from app.services.booking.targets import Target
    from app.services.people.residents import add_person, create_household, create_user
    from app.services.privacy.consent import record_for_children
    from app.services.schedule.activities import create_activity
    from app.services.schedule.sessions import add_session
    from app.timeutil import now
    from config import TestingConfig, _normalise_db_url

    app = create_app(
        TestingConfig, SQLALCHEMY_DATABASE_URI=_normalise_db_url(db_url), WTF_CSRF_ENABLED=False
    )
    method = app.config["PASSWORD_HASH_METHOD"]
    with app.app_context():
        db.create_all()
        moment = now()
        teacher = create_user(
            add_person(create_household("老师", now=moment), "老师", now=moment),
            phone="13900000001",
            secret="teach-and-learn",
            role=Role.TEACHER,
            now=moment,
            hash_method=method,
        )
        activity = create_activity(
            now=moment,
            title="四点半课堂",
            category="study",
            audience="child",
            status="published",
            capacity=args.children,
            teacher_id=teacher.id,
        )
        start = moment + timedelta(hours=1)
        session = add_session(activity, start, start + timedelta(hours=2))
        for n in range(args.children):
            household = create_household(f"家{n}", now=moment)
            parent = add_person(household, f"家长{n}", now=moment, phone=f"138{n:08d}")
            child = add_person(
                household,
                f"孩子{n}",
                now=moment,
                birth_date=moment.date().replace(year=moment.year - 8),
                care_notes="花生过敏",
            )
            record_for_children([child], now=moment)
            user = create_user(
                parent, phone=f"138{n:08d}", secret="123456", now=moment, hash_method=method
            )
            book(child, Target.of(activity, session), by=user, channel="phone", now=moment)
        db.session.commit()
        url = f"/teach/sessions/{session.id}"

    client = app.test_client()
    client.post("/login", data={"phone": "13900000001", "secret": "teach-and-learn"})
    assert client.get(url).status_code == 200
    recorded = access_log.is_recorded_viewer
    times = {"with": [], "without": []}
    for _ in range(args.rounds):
        for label in ("with", "without"):
            access_log.is_recorded_viewer = recorded if label == "with" else (lambda _v: False)
            started = time.perf_counter()
            response = client.get(url)
            times[label].append(time.perf_counter() - started)
            assert response.status_code == 200
    access_log.is_recorded_viewer = recorded
    with app.app_context():
        rows = db.session.query(AccessRecord).count()
    print(f"{db_url.split(':')[0]}: roll of {args.children} children, {args.rounds} views each")
    for label, values in times.items():
        print(
            f"  {label:8} access records: median {statistics.median(values) * 1000:.2f} ms,"
            f" mean {statistics.mean(values) * 1000:.2f} ms"
        )
    added = statistics.median(times["with"]) - statistics.median(times["without"])
    print(f"  added by the access records (median): {added * 1000:.2f} ms per page")
    print(f"  access records written: {rows}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
