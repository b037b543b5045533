"""Where one booking request's time goes, measured in-process.

Usage (from the repository root):

    .venv/bin/python bench/profile_booking.py                 # SQLite, confirmed bookings
    .venv/bin/python bench/profile_booking.py --waitlisted    # on a full session instead
    .venv/bin/python bench/profile_booking.py --db postgresql://postgres@127.0.0.1:5432/postgres

It seeds a fresh database as bench/rush.py does, logs `--users` residents in through
the Flask test client, then posts the htmx booking form (`POST /me/bookings`) once
per resident. It prints the SQL statements of one booking, the CPU time of this
process per booking without a profiler (on PostgreSQL the server's own work is not
in it), and the functions that took the most time under cProfile. Figures move
with the machine's load: compare runs made one after the other.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import pstats
import re
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import rush  # noqa: E402

CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", default="sqlite", help="'sqlite' or a postgresql:// server URL")
    parser.add_argument("--users", type=int, default=400)
    parser.add_argument("--waitlisted", action="store_true", help="book a full session")
    parser.add_argument("--top", type=int, default=25, help="functions to list")
    args = parser.parse_args(argv)
    seats = 50
    if args.users < seats + 40:
        parser.error(f"--users must be at least {seats + 40}")

    pg_name = None
    if args.db == "sqlite":
        db_url = f"sqlite:///{tempfile.mkdtemp(prefix='zhaoxi-profile-')}/profile.db"
    else:
        pg_name = f"zhaoxi_profile_{int(time.time())}"
        db_url = rush.create_pg_database(args.db, pg_name)
    try:
        return run(args, db_url, seats)
    finally:
        if pg_name:
            rush.drop_pg_database(args.db, pg_name)


def run(args, db_url: str, seats: int) -> int:
    from sqlalchemy import event

    app = rush.make_app(db_url)
    world = rush.seed(app, users=args.users, seats=seats, members=2)
    if args.waitlisted:
        activity, session = world.rush_activity, world.rush_session
    else:
        activity, session = world.flow_activity, world.flow_session

    clients = []
    for resident in world.residents:
        client = app.test_client()
        token = CSRF.search(client.get("/login").get_data(as_text=True)).group(1)
        form = {"csrf_token": token, "phone": resident.phone, "secret": rush.PIN}
        client.post("/login", data=form)
        page = client.get(f"/classes/{activity}").get_data(as_text=True)
        clients.append((client, resident, CSRF.search(page).group(1)))

    def book(client, resident, token) -> None:
        form = {
            "csrf_token": token,
            "person_id": resident.person_ids[0],
            "activity_id": activity,
            "session_id": session,
        }
        answer = client.post("/me/bookings", data=form, headers={"HX-Request": "true"})
        if answer.status_code != 200:
            raise SystemExit(f"booking answered {answer.status_code}")

    # Warm up (and fill the session when profiling the waiting list).
    warm = seats + 5 if args.waitlisted else 20
    for entry in clients[:warm]:
        book(*entry)

    statements: list[str] = []
    with app.app_context():
        from app.extensions import db

        engine = db.engine
    listener = lambda _c, _cur, statement, *_a: statements.append(statement)  # noqa: E731
    event.listen(engine, "before_cursor_execute", listener)
    book(*clients[warm])
    event.remove(engine, "before_cursor_execute", listener)
    print(f"statements in one booking: {len(statements)}")
    for statement in statements:
        print("   ", " ".join(statement.split())[:110])

    rest = clients[warm + 1 :]
    half = len(rest) // 2
    started = time.process_time()
    for entry in rest[:half]:
        book(*entry)
    per_booking = (time.process_time() - started) / half * 1000
    print(f"CPU of this process per booking, no profiler: {per_booking:.2f} ms ({half} bookings)")

    profiler = cProfile.Profile()
    profiler.enable()
    for entry in rest[half:]:
        book(*entry)
    profiler.disable()
    out = io.StringIO()
    pstats.Stats(profiler, stream=out).sort_stats("tottime").print_stats(args.top)
    print(out.getvalue())
    return 0


if __name__ == "__main__":
    sys.exit(main())
