"""Where one booking request's time goes, measured in-process.

Usage (from the repository root):

    .venv/bin/python bench/profile_booking.py                 # SQLite, confirmed bookings
    .venv/bin/python bench/profile_booking.py --waitlisted    # on a full session instead
    .venv/bin/python bench/profile_booking.py --db postgresql://postgres@127.0.0.1:5432/postgres

    .venv/bin/python bench/profile_booking.py --childcare     # one holiday-childcare submission
    .venv/bin/python bench/profile_booking.py --childcare --waitlisted   # once the slots are full

It seeds a fresh database as bench/rush.py does, logs `--users` residents in through
the Flask test client, then posts the htmx booking form (`POST /me/bookings`) once
per resident. It prints the SQL statements of one booking, the CPU time of this
process per booking without a profiler (on PostgreSQL the server's own work is not
in it), the time from the booking's BEGIN to its COMMIT (on SQLite the write lock
is held that long; here nobody else waits for it), and the functions that took the
most time under cProfile. Figures move with the machine's load: compare runs made
one after the other.

`--childcare` profiles the holiday-childcare submission instead (`POST
/programmes/<id>/book`, htmx): the programme and households of `bench/rush.py --mode
childcare` (`--users` households, default 300, 40 places a slot), each submitting
its five days for its one or two children, in the bench's order. The statements
listed are those of the first two-children submission after 10 others (its pairs
confirmed), or with `--waitlisted` after 200 others (every slot full); the
averages are over the submissions after it, every other one under cProfile.
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
RESULT = re.compile(rb'class="booking result-([a-z]+)"')  # one per (child, slot)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", default="sqlite", help="'sqlite' or a postgresql:// server URL")
    parser.add_argument("--users", type=int, help="residents (households); default 400, 300")
    parser.add_argument("--waitlisted", action="store_true", help="book a full session")
    parser.add_argument(
        "--childcare", action="store_true", help="a holiday-childcare submission instead"
    )
    parser.add_argument("--top", type=int, default=25, help="functions to list")
    parser.add_argument(
        "--sort",
        default="tottime",
        choices=("tottime", "cumulative"),
        help="order of the profile: time in the function itself, or with what it calls",
    )
    args = parser.parse_args(argv)
    seats = 40 if args.childcare else 50
    if args.users is None:
        args.users = 300 if args.childcare else 400
    least = 240 if args.childcare else seats + 40
    if args.users < least:
        parser.error(f"--users must be at least {least}")

    pg_name = None
    if args.db == "sqlite":
        db_url = f"sqlite:///{tempfile.mkdtemp(prefix='zhaoxi-profile-')}/profile.db"
    else:
        pg_name = f"zhaoxi_profile_{int(time.time())}"
        db_url = rush.create_pg_database(args.db, pg_name)
    try:
        return (run_childcare if args.childcare else run)(args, db_url, seats)
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
    transactions = Transactions(engine)
    held_wall = held_cpu = 0.0
    started = time.process_time()
    for entry in rest[:half]:
        book(*entry)
        held = transactions.first()
        held_wall, held_cpu = held_wall + held[0], held_cpu + held[1]
    per_booking = (time.process_time() - started) / half * 1000
    transactions.close()
    print(f"CPU of this process per booking, no profiler: {per_booking:.2f} ms ({half} bookings)")
    print(f"    BEGIN to COMMIT: CPU {held_cpu / half:.2f} ms, wall {held_wall / half:.2f} ms")

    profiler = cProfile.Profile()
    profiler.enable()
    for entry in rest[half:]:
        book(*entry)
    profiler.disable()
    out = io.StringIO()
    pstats.Stats(profiler, stream=out).sort_stats(args.sort).print_stats(args.top)
    print(out.getvalue())
    return 0


class Transactions:
    """Wall and CPU time from each BEGIN to its COMMIT or ROLLBACK on `engine`."""

    def __init__(self, engine):
        from sqlalchemy import event

        self.engine, self.durations, self._began = engine, [], None
        self._events = [("begin", self._begin), ("commit", self._end), ("rollback", self._end)]
        for name, fn in self._events:
            event.listen(engine, name, fn)

    def _begin(self, _conn) -> None:
        self._began = (time.perf_counter(), time.process_time())

    def _end(self, _conn) -> None:
        if self._began is not None:
            wall, cpu = self._began
            self.durations.append((time.perf_counter() - wall, time.process_time() - cpu))
            self._began = None

    def first(self) -> tuple[float, float]:
        """The first transaction since the last call (the request's write): wall and
        CPU time, in ms."""
        wall, cpu = self.durations[0] if self.durations else (0.0, 0.0)
        self.durations.clear()
        return wall * 1000, cpu * 1000

    def close(self) -> None:
        from sqlalchemy import event

        for name, fn in self._events:
            event.remove(self.engine, name, fn)


def _statement_kinds(statements: list[str]) -> str:
    kinds: dict[str, int] = {}
    for statement in statements:
        word = statement.split(None, 1)[0].upper() if statement.strip() else "?"
        kinds[word] = kinds.get(word, 0) + 1
    return ", ".join(f"{n} {word}" for word, n in sorted(kinds.items(), key=lambda kv: -kv[1]))


def run_childcare(args, db_url: str, seats: int) -> int:
    from sqlalchemy import event
    from werkzeug.datastructures import MultiDict

    app = rush.make_app(db_url)
    world = rush.seed_childcare(app, users=args.users, seats=seats)
    page = f"/programmes/{world.programme_id}"
    submissions = []
    for resident, picks, together in rush.childcare_picks(world):
        client = app.test_client()
        token = CSRF.search(client.get("/login").get_data(as_text=True)).group(1)
        client.post(
            "/login", data={"csrf_token": token, "phone": resident.phone, "secret": rush.PIN}
        )
        token = CSRF.search(client.get(page).get_data(as_text=True)).group(1)
        form = [("csrf_token", token)] + [("pick", pick) for pick in picks]
        if together:
            form.append(("together", "y"))
        submissions.append((client, MultiDict(form), len(picks)))

    outcomes: dict[str, int] = {}

    def submit(client, form, pairs) -> None:
        answer = client.post(f"{page}/book", data=form, headers={"HX-Request": "true"})
        body = answer.get_data()
        found = [m.group(1).decode() for m in RESULT.finditer(body)]
        if answer.status_code not in (200, 409) or len(found) != pairs:
            raise SystemExit(f"submission answered {answer.status_code} with {len(found)} outcomes")
        for status in found:
            outcomes[status] = outcomes.get(status, 0) + 1

    warm = 200 if args.waitlisted else 10
    for entry in submissions[:warm]:
        submit(*entry)
    rest = submissions[warm:]
    index = next(i for i, (_c, _f, pairs) in enumerate(rest) if pairs == 10)
    for entry in rest[:index]:
        submit(*entry)
    measured, rest = rest[index], rest[index + 1 :]

    with app.app_context():
        from app.extensions import db

        engine = db.engine
    statements: list[str] = []
    listener = lambda _c, _cur, statement, *_a: statements.append(statement)  # noqa: E731
    event.listen(engine, "before_cursor_execute", listener)
    transactions = Transactions(engine)
    outcomes.clear()
    submit(*measured)
    write_wall, write_cpu = transactions.first()
    event.remove(engine, "before_cursor_execute", listener)
    print(f"one submission of 2 children x 5 days: {outcomes}")
    print(f"statements: {len(statements)} ({_statement_kinds(statements)})")
    print(f"its write transaction, BEGIN to COMMIT: {write_wall:.2f} ms ({write_cpu:.2f} ms CPU)")
    for statement in statements:
        print("   ", " ".join(statement.split())[:110])

    outcomes.clear()
    plain, profiled = rest[0::2], rest[1::2]
    cpu = wall = held_wall = held_cpu = 0.0
    for entry in plain:
        started, t0 = time.process_time(), time.perf_counter()
        submit(*entry)
        cpu += time.process_time() - started
        wall += time.perf_counter() - t0
        held = transactions.first()
        held_wall, held_cpu = held_wall + held[0], held_cpu + held[1]
    n, pairs = len(plain), sum(p for _c, _f, p in plain)
    print(f"per submission, no profiler ({n} submissions of {pairs} pairs, {outcomes}):")
    print(f"    whole request: CPU {cpu / n * 1000:.2f} ms, wall {wall / n * 1000:.2f} ms")
    print(f"    BEGIN to COMMIT: CPU {held_cpu / n:.2f} ms, wall {held_wall / n:.2f} ms")

    # CPU time, not wall: the machine is shared, and waits are not this code's.
    profiler = cProfile.Profile(time.process_time)
    for entry in profiled:
        profiler.enable()
        submit(*entry)
        profiler.disable()
    transactions.close()
    out = io.StringIO()
    pstats.Stats(profiler, stream=out).sort_stats(args.sort).print_stats(args.top)
    print(out.getvalue())
    return 0


if __name__ == "__main__":
    sys.exit(main())
