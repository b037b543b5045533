"""The opening-minute rush: many residents press "book" the moment a class opens.

Usage (from the repository root):

    make bench                                    # python bench/rush.py $(BENCH_ARGS)
    .venv/bin/python bench/rush.py                # SQLite, 2 workers, 50 seats, 400 users
    .venv/bin/python bench/rush.py --db postgresql://postgres@127.0.0.1:5432/postgres
    make bench BENCH_ARGS="--workers 4 --seats 20 --users 200"
    .venv/bin/python bench/rush.py --mode childcare   # holiday childcare: 300 families, 40 seats

What it does: builds a fresh database (`--db sqlite`: a new temp file;
`--db postgresql://…`: a new database `zhaoxi_bench_<pid>` on that server, dropped
at the end), seeds `--users` households of residents plus two sessions, starts the
app under gunicorn (`--workers` sync workers) and logs every resident in, fetching
their session cookie and CSRF token, before any clock starts. Then:

1. baseline:   `--concurrency` clients hit GET /healthz for `--duration` seconds;
2. throughput: `--concurrency` clients book for `--duration` seconds on a session
               with ample seats, each booking for a person not booked before;
3. rush:       all `--users` residents book the `--seats`-place session at once.

The client is deliberately light: asyncio streams, a hand-written HTTP/1.1
request, one connection per request (gunicorn's sync workers close the connection
after every response anyway). Afterwards the database is checked: confirmed and
waitlisted bookings on the rush session, overbooking, and whether the stored seat
counter (`activity_session.taken`) agrees with the confirmed bookings.

Progress goes to stderr; the last line on stdout is one JSON object:
db, workers, seats, attempts, confirmed, waitlisted, overbooked, errors,
booking_rps, p50_ms, p99_ms, baseline_rps, ratio, rush_last_answer_s
(plus taken and counter_mismatch when the seat counter disagrees).

`--mode childcare` (the default is `--mode classes`, above) is the holiday-childcare
rush instead: a first-come-first-served holiday programme of two Monday–Friday weeks
(one full-day slot a day, `--seats` places each, default 40) and `--users`
households (default 300), each a guardian account with one or two children (seeded
at random, fixed seed) of the right age and school grade. Before the clock every
guardian logs in and fetches the programme page; each household's submission is
built in advance: five consecutive days starting on one of the first six (so the
middle of the fortnight is wanted by everyone) for each child, as the form's
`pick` values "child_id-session_id", with `together` when there are two children.
Then the baseline (as above) and the rush: every household POSTs
/programmes/<id>/book at once (htmx, so the answer is the results fragment). There
is no throughput phase: booking_rps is decided (confirmed or waitlisted) pairs per
second over the rush, p50_ms/p99_ms the rush submissions' latencies, attempts the
(child, slot) pairs submitted. An answer is an error unless it is the results
fragment with the status the view gives it (200 when some pair was decided, 409
when all were refused) and one outcome per pair; waiting lists and refusals are
normal outcomes. Afterwards every slot is counted: overbooked adds up the seats
held beyond capacity on each slot, plus any child holding two live bookings on one
slot; a slot whose stored `taken` disagrees with its bookings is an error. The JSON
line carries the same keys plus "mode": "childcare".

The exit status is 1 when a correctness target is missed (overbooking, errors, a
seat counter that disagrees), 0 otherwise; speed targets never fail the run.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import io
import json
import math
import os
import random
import re
import shutil
import signal
import socket
import ssl
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from urllib.parse import urlencode, urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
HOST = "127.0.0.1"
USER_AGENT = "zhaoxi-bench/1"  # constant: Flask-Login "strong" protection hashes it
PIN = "246810"
STAFF_PASSWORD = "bench-staff-password"  # staff log in with a password, not a PIN
HASH_METHOD = "pbkdf2:sha256:1000"
PAIRS_WANTED = 4000  # distinct (user, person) pairs for the throughput phase

REQUEST_TIMEOUT = 30.0  # one request, any phase
LOGIN_TIMEOUT = 60.0  # the whole login step
RUSH_TIMEOUT = 60.0  # the whole rush
TAIL_TIMEOUT = 20.0  # after a timed phase's deadline, for answers still under way


def log(message: str) -> None:
    print(f"[rush] {message}", file=sys.stderr, flush=True)


# --------------------------------------------------------------------------- client


@dataclass(slots=True)
class Answer:
    status: int  # 0: no answer (connection error, timeout, garbled response)
    head: bytes = b""  # status line and headers, as sent
    body: bytes = b""
    error: str | None = None

    def header(self, name: str) -> str | None:
        """The first value of header `name` (case-insensitive), or None."""
        wanted = name.lower().encode() + b":"
        for line in self.head.split(b"\r\n")[1:]:
            if line[: len(wanted)].lower() == wanted:
                return line[len(wanted) :].strip().decode("latin-1")
        return None

    def headers(self, name: str) -> list[str]:
        wanted = name.lower().encode() + b":"
        return [
            line[len(wanted) :].strip().decode("latin-1")
            for line in self.head.split(b"\r\n")[1:]
            if line[: len(wanted)].lower() == wanted
        ]


@dataclass
class Client:
    """How requests travel. The bench talks plain HTTP to gunicorn, from 127.0.0.1.
    scripts/prod_smoke.py talks to nginx over TLS (`tls`), sends the Referer a
    browser sends (`origin`: over HTTPS, Flask-WTF refuses a form without one), and
    connects from many loopback addresses (`sources`), as residents at home do: the
    login limits count per address."""

    tls: ssl.SSLContext | None = None
    origin: str = ""
    sources: tuple[str, ...] = ()


CLIENT = Client()


def build_request(
    port: int,
    method: str,
    path: str,
    *,
    cookies: str = "",
    form: dict | None = None,
    extra: tuple[str, ...] = (),
) -> bytes:
    lines = [
        f"{method} {path} HTTP/1.1",
        f"Host: {HOST}:{port}",
        f"User-Agent: {USER_AGENT}",
        "Accept: text/html",
        "Connection: close",
        *((f"Referer: {CLIENT.origin}{path}",) if CLIENT.origin else ()),
        *extra,
    ]
    if cookies:
        lines.append(f"Cookie: {cookies}")
    body = b""
    if form is not None:
        body = urlencode(form).encode()
        lines.append("Content-Type: application/x-www-form-urlencoded")
    if body or method == "POST":
        lines.append(f"Content-Length: {len(body)}")
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + body


async def send(
    port: int, raw: bytes, timeout: float = REQUEST_TIMEOUT, client: Client | None = None
) -> Answer:
    """One request on a fresh connection; reads the answer until the server closes.
    `client`: how (default CLIENT)."""
    client = client or CLIENT
    writer = None
    try:
        async with asyncio.timeout(timeout):
            source = (random.choice(client.sources), 0) if client.sources else None
            reader, writer = await asyncio.open_connection(
                HOST, port, ssl=client.tls, local_addr=source
            )
            writer.write(raw)
            data = await reader.read()  # Connection: close, so EOF ends the answer
    except (OSError, TimeoutError, asyncio.IncompleteReadError) as exc:
        return Answer(0, error=f"{type(exc).__name__}: {exc}")
    finally:
        if writer is not None:
            writer.close()
    head, sep, body = data.partition(b"\r\n\r\n")
    status_line = head.split(b"\r\n", 1)[0].split(None, 2)
    if not sep or len(status_line) < 2 or not status_line[0].startswith(b"HTTP/1."):
        return Answer(0, head, body, error=f"garbled answer ({len(data)} bytes)")
    try:
        status = int(status_line[1])
    except ValueError:
        return Answer(0, head, body, error="garbled status line")
    answer = Answer(status, head, body)
    length = answer.header("Content-Length")
    if length is not None and length.isdigit() and len(body) < int(length):
        return Answer(0, head, body, error=f"truncated body: {len(body)} of {length} bytes")
    return answer


# ----------------------------------------------------------------------- residents


@dataclass
class Resident:
    phone: str
    person_ids: list[int]  # household members, the account holder first
    cookies: dict[str, str] = field(default_factory=dict)
    csrf: str = ""

    @property
    def cookie_header(self) -> str:
        return "; ".join(f"{k}={v}" for k, v in self.cookies.items())

    def take_cookies(self, answer: Answer) -> None:
        for value in answer.headers("Set-Cookie"):
            pair = value.split(";", 1)[0]
            name, _, val = pair.partition("=")
            name = name.strip()
            if not val or "expires=thu, 01 jan 1970" in value.lower():
                self.cookies.pop(name, None)
            else:
                self.cookies[name] = val.strip()


_CSRF_PATTERNS = (
    re.compile(rb'name="csrf_token"[^>]*?value="([^"]+)"'),
    re.compile(rb'value="([^"]+)"[^>]*?name="csrf_token"'),
    re.compile(rb'"X-CSRFToken":\s*"([^"]+)"'),
)


def csrf_from(body: bytes) -> str | None:
    for pattern in _CSRF_PATTERNS:
        found = pattern.search(body)
        if found:
            return found.group(1).decode()
    return None


async def log_in(
    port: int, resident: Resident, page: str, marker: bytes = b'name="person_id"'
) -> str | None:
    """GET /login, POST /login, GET the class page: cookie and CSRF token ready.
    `marker`: what on that page shows the booking form is there.

    Returns None on success, else what went wrong.
    """
    answer = await send(port, build_request(port, "GET", "/login"))
    if answer.status != 200:
        return f"GET /login: {answer.status} {answer.error or ''}"
    resident.take_cookies(answer)
    token = csrf_from(answer.body)
    if not token:
        return "GET /login: no csrf_token"
    form = {"csrf_token": token, "phone": resident.phone, "secret": PIN, "next": ""}
    answer = await send(
        port, build_request(port, "POST", "/login", cookies=resident.cookie_header, form=form)
    )
    if answer.status != 302:
        return f"POST /login: {answer.status} {answer.error or ''}"
    resident.take_cookies(answer)
    answer = await send(port, build_request(port, "GET", page, cookies=resident.cookie_header))
    if answer.status != 200:
        return f"GET {page}: {answer.status} {answer.error or ''}"
    resident.take_cookies(answer)
    token = csrf_from(answer.body)
    if not token or marker not in answer.body:
        return f"GET {page}: no booking form"
    resident.csrf = token
    return None


def booking_request(
    port: int, resident: Resident, person_id: int, activity_id: int, session_id: int
) -> bytes:
    form = {
        "csrf_token": resident.csrf,
        "person_id": person_id,
        "activity_id": activity_id,
        "session_id": session_id,
    }
    return build_request(
        port,
        "POST",
        "/me/bookings",
        cookies=resident.cookie_header,
        form=form,
        extra=("HX-Request: true", f"HX-Current-URL: http://{HOST}:{port}/classes/{activity_id}"),
    )


def booking_outcome(answer: Answer) -> str:
    """'confirmed' or 'waitlisted'; anything else is an error description."""
    if answer.status != 200:
        return f"HTTP {answer.status}" if answer.status else (answer.error or "no answer")
    status = answer.header("X-Booking-Status")
    if status in ("confirmed", "waitlisted"):
        return status
    return f"200 without X-Booking-Status ({status!r})"


# ---------------------------------------------------------------- CPU accounting


class CpuMeter:
    """Where the CPU went during a phase: this client, the gunicorn workers, the
    local PostgreSQL processes (all of them, other databases' too), the whole
    machine (Linux /proc; silently reports nothing elsewhere)."""

    TICK = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100

    def __init__(self, server_pid: int, postgres: bool = False):
        self.server_pid = server_pid
        self.postgres = postgres

    def _server_ticks(self) -> dict[int, int]:
        pids = [self.server_pid]
        try:
            children = Path(f"/proc/{self.server_pid}/task/{self.server_pid}/children")
            pids += [int(p) for p in children.read_text().split()]
        except OSError:
            pass
        return self._ticks(pids)

    def _postgres_ticks(self) -> dict[int, int]:
        if not self.postgres:
            return {}
        pids = []
        for entry in Path("/proc").iterdir():
            try:
                if entry.name.isdigit() and (entry / "comm").read_text().strip() == "postgres":
                    pids.append(int(entry.name))
            except OSError:
                pass
        return self._ticks(pids)

    @staticmethod
    def _ticks(pids: list[int]) -> dict[int, int]:
        """CPU ticks (user + system) per process."""
        ticks = {}
        for pid in pids:
            try:
                fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
                ticks[pid] = int(fields[11]) + int(fields[12])
            except (OSError, IndexError, ValueError):
                pass
        return ticks

    def _cores(self, before: dict[int, int], after: dict[int, int], wall: float) -> float:
        """Cores used between two snapshots by processes alive at the second one
        (ones that exited meanwhile are not counted)."""
        used = sum(t - before.get(pid, 0) for pid, t in after.items())
        return used / self.TICK / wall

    @staticmethod
    def _machine() -> tuple[int, int]:
        try:
            values = [int(v) for v in Path("/proc/stat").read_text().split("\n")[0].split()[1:]]
        except (OSError, ValueError):
            return 0, 0
        idle = values[3] + (values[4] if len(values) > 4 else 0)
        return sum(values), idle

    def __enter__(self):
        self.t0 = time.perf_counter()
        self.client0 = time.process_time()
        self.server0 = self._server_ticks()
        self.postgres0 = self._postgres_ticks()
        self.machine0 = self._machine()
        return self

    def __exit__(self, *exc):
        wall = time.perf_counter() - self.t0
        self.client = (time.process_time() - self.client0) / wall
        self.server = self._cores(self.server0, self._server_ticks(), wall)
        self.pg = self._cores(self.postgres0, self._postgres_ticks(), wall)
        total, idle = self._machine()
        span = total - self.machine0[0]
        cores = os.cpu_count() or 1
        self.busy = (1 - (idle - self.machine0[1]) / span) * cores if span else float("nan")
        return False

    def __str__(self) -> str:
        return (
            f"CPU in cores: client {self.client:.2f}, gunicorn {self.server:.2f}, "
            + (f"postgres {self.pg:.2f}, " if self.postgres else "")
            + f"whole machine {self.busy:.2f} of {os.cpu_count()}"
        )


def listen_overflows() -> int:
    """The kernel's count of connections dropped because an accept queue was full."""
    try:
        lines = Path("/proc/net/netstat").read_text().splitlines()
    except OSError:
        return 0
    for names, values in zip(lines[::2], lines[1::2], strict=False):
        if names.startswith("TcpExt:"):
            table = dict(zip(names.split()[1:], values.split()[1:], strict=False))
            return int(table.get("ListenOverflows", 0))
    return 0


# ------------------------------------------------------------------------- phases


def percentile(values: list[float], q: float) -> float:
    """Nearest-rank percentile (q in 0..100)."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    rank = max(1, math.ceil(q / 100 * len(ordered)))
    return ordered[rank - 1]


async def run_clients(client, duration: float, concurrency: int) -> tuple[float, int]:
    """Runs `concurrency` copies of `client(deadline)` for `duration` seconds (plus a
    bounded tail); returns the elapsed time and how many were still stuck."""
    start = time.perf_counter()
    tasks = [asyncio.create_task(client(start + duration)) for _ in range(concurrency)]
    _done, pending = await asyncio.wait(tasks, timeout=duration + TAIL_TIMEOUT)
    for task in pending:
        task.cancel()
    return time.perf_counter() - start, len(pending)


async def baseline_phase(port: int, duration: float, concurrency: int) -> dict:
    raw = build_request(port, "GET", "/healthz")
    ok = failed = 0

    async def client(deadline: float) -> None:
        nonlocal ok, failed
        while time.perf_counter() < deadline:
            answer = await send(port, raw)
            if answer.status == 200:
                ok += 1
            else:
                failed += 1

    elapsed, pending = await run_clients(client, duration, concurrency)
    return {"ok": ok, "failed": failed, "elapsed": elapsed, "rps": ok / elapsed}


async def throughput_phase(
    port: int, duration: float, concurrency: int, jobs: list[tuple[bytes, int]]
) -> dict:
    """`jobs`: prepared booking requests, each for a distinct person."""
    queue = iter(jobs)
    latencies: list[float] = []
    outcomes: dict[str, int] = {}
    exhausted = False

    async def client(deadline: float) -> None:
        nonlocal exhausted
        while time.perf_counter() < deadline:
            job = next(queue, None)
            if job is None:
                exhausted = True
                return
            t0 = time.perf_counter()
            answer = await send(port, job[0])
            latencies.append(time.perf_counter() - t0)
            outcome = booking_outcome(answer)
            outcomes[outcome] = outcomes.get(outcome, 0) + 1

    elapsed, pending = await run_clients(client, duration, concurrency)
    good = outcomes.get("confirmed", 0) + outcomes.get("waitlisted", 0)
    errors = sum(n for k, n in outcomes.items() if k not in ("confirmed", "waitlisted"))
    errors += pending  # clients stuck past the hard timeout
    return {
        "outcomes": outcomes,
        "good": good,
        "errors": errors,
        "elapsed": elapsed,
        "rps": good / elapsed,
        "p50_ms": percentile(latencies, 50) * 1000,
        "p99_ms": percentile(latencies, 99) * 1000,
        "exhausted": exhausted,
    }


async def rush_phase(port: int, jobs: list[bytes]) -> dict:
    answered_at: list[float] = []
    outcomes: dict[str, int] = {}

    async def press(raw: bytes) -> None:
        answer = await send(port, raw, timeout=RUSH_TIMEOUT)
        if answer.status:  # an HTTP answer, even a refusal; not a timeout or reset
            answered_at.append(time.perf_counter())
        outcome = booking_outcome(answer)
        outcomes[outcome] = outcomes.get(outcome, 0) + 1

    start = time.perf_counter()
    tasks = [asyncio.create_task(press(raw)) for raw in jobs]
    done, pending = await asyncio.wait(tasks, timeout=RUSH_TIMEOUT)
    for task in pending:
        task.cancel()
    if pending:
        outcomes["no answer within the rush timeout"] = len(pending)
    good = outcomes.get("confirmed", 0) + outcomes.get("waitlisted", 0)
    return {
        "outcomes": outcomes,
        "errors": len(jobs) - good,
        "last_answer_s": (max(answered_at) - start) if answered_at else float("nan"),
    }


@dataclass
class Submission:
    """One household's prepared POST /programmes/<id>/book."""

    raw: bytes
    pairs: int  # (child, slot) pairs ticked


def childcare_request(
    port: int, resident: Resident, programme_id: int, picks: list[str], together: bool
) -> bytes:
    form: list[tuple[str, str]] = [("csrf_token", resident.csrf)]
    form += [("pick", pick) for pick in picks]
    if together:
        form.append(("together", "y"))
    return build_request(
        port,
        "POST",
        f"/programmes/{programme_id}/book",
        cookies=resident.cookie_header,
        form=form,
        extra=(
            "HX-Request: true",
            f"HX-Current-URL: http://{HOST}:{port}/programmes/{programme_id}",
        ),
    )


_RESULT = re.compile(rb'class="booking result-([a-z]+)"')


def childcare_outcome(answer: Answer, pairs: int) -> tuple[str, dict[str, int]]:
    """('processed', pair outcomes) when the answer is the results fragment with the
    status the view gives it: 200 when some pair was decided, 409 when every pair was
    refused, one outcome per pair. Otherwise (error description, {})."""
    if answer.status not in (200, 409):
        return (f"HTTP {answer.status}" if answer.status else (answer.error or "no answer")), {}
    if b'class="results"' not in answer.body:
        return f"{answer.status} without the results fragment", {}
    counts: dict[str, int] = {}
    for found in _RESULT.finditer(answer.body):
        status = found.group(1).decode()
        counts[status] = counts.get(status, 0) + 1
    if sum(counts.values()) != pairs:
        return f"{answer.status} with {sum(counts.values())} outcomes for {pairs} pairs", {}
    decided = counts.get("confirmed", 0) + counts.get("waitlisted", 0)
    if (answer.status == 200) != (decided > 0):
        return f"{answer.status} with {decided} pairs decided", {}
    return "processed", counts


async def childcare_rush_phase(port: int, jobs: list[Submission]) -> dict:
    """Every household submits at once; latency per submission, outcomes per pair."""
    answered_at: list[float] = []
    latencies: list[float] = []
    answers: dict[str, int] = {}
    pairs: dict[str, int] = {}

    async def press(job: Submission) -> None:
        t0 = time.perf_counter()
        answer = await send(port, job.raw, timeout=RUSH_TIMEOUT)
        t1 = time.perf_counter()
        if answer.status:  # an HTTP answer, even a refusal; not a timeout or reset
            answered_at.append(t1)
            latencies.append(t1 - t0)
        verdict, counts = childcare_outcome(answer, job.pairs)
        key = f"{answer.status} {verdict}" if verdict == "processed" else verdict
        answers[key] = answers.get(key, 0) + 1
        for status, n in counts.items():
            pairs[status] = pairs.get(status, 0) + n

    start = time.perf_counter()
    tasks = [asyncio.create_task(press(job)) for job in jobs]
    done, pending = await asyncio.wait(tasks, timeout=RUSH_TIMEOUT)
    for task in pending:
        task.cancel()
    if pending:
        answers["no answer within the rush timeout"] = len(pending)
    processed = sum(n for k, n in answers.items() if k.endswith(" processed"))
    last = (max(answered_at) - start) if answered_at else float("nan")
    decided = pairs.get("confirmed", 0) + pairs.get("waitlisted", 0)
    return {
        "answers": answers,
        "pairs": pairs,
        "decided": decided,
        "errors": len(jobs) - processed,
        "last_answer_s": last,
        "rps": decided / last if last and not math.isnan(last) else float("nan"),
        "p50_ms": percentile(latencies, 50) * 1000,
        "p99_ms": percentile(latencies, 99) * 1000,
    }


# ------------------------------------------------------------------- the database


def make_app(db_url: str):
    sys.path.insert(0, str(ROOT))
    from app import create_app
    from config import ProductionConfig, _normalise_db_url

    return create_app(
        ProductionConfig,
        SQLALCHEMY_DATABASE_URI=_normalise_db_url(db_url),
        SECRET_KEY="bench",
        RATELIMIT_ENABLED=False,
    )


@dataclass
class World:
    residents: list[Resident]
    rush_activity: int
    rush_session: int
    flow_activity: int
    flow_session: int


def seed(app, users: int, seats: int, members: int) -> World:
    """Schema via the migrations, then households, accounts and two sessions."""
    from sqlalchemy import insert

    from app.extensions import db
    from app.models import Person
    from app.services.people.residents import add_person, create_household, create_user
    from app.services.schedule.activities import create_activity
    from app.services.schedule.sessions import add_session
    from app.timeutil import utcnow

    with app.app_context():
        _migrate(app)
        now = utcnow().replace(microsecond=0)
        day = now.replace(hour=2, minute=0, second=0)  # 10:00 in Asia/Shanghai
        rush = create_activity(
            now=now,
            title="开班抢位 Opening rush",
            category="event",
            audience="all",
            capacity=seats,
            room="Hall 1",
            enrolment_unit="session",
        )
        rush_session = add_session(
            rush, day + timedelta(days=3), day + timedelta(days=3, hours=2), capacity=seats
        )
        flow = create_activity(
            now=now,
            title="大型讲座 Big lecture",
            category="event",
            audience="all",
            capacity=100_000,
            room="Square",
            enrolment_unit="session",
        )
        # Another day, so no booking of the one clashes with the other.
        flow_session = add_session(
            flow, day + timedelta(days=4), day + timedelta(days=4, hours=2), capacity=100_000
        )
        heads = []
        for i in range(users):
            household = create_household(f"Bench household {i:04d}", now=now)
            head = add_person(household, f"Resident {i:04d}", now=now, birth_date=date(1950, 1, 1))
            create_user(head, phone=f"139{i:08d}", secret=PIN, now=now, hash_method=HASH_METHOD)
            heads.append(head)
        rows = [
            {
                "household_id": head.household_id,
                "name": f"Member {i:04d}-{k}",
                "birth_date": date(1960 + k, 1, 1),
                "created_at": now,
            }
            for i, head in enumerate(heads)
            for k in range(1, members)
        ]
        if rows:
            db.session.execute(insert(Person), rows)
        db.session.commit()
        analyze(db)
        by_household: dict[int, list[int]] = {}
        for pid, hid in db.session.execute(
            db.select(Person.id, Person.household_id).order_by(Person.id)
        ):
            by_household.setdefault(hid, []).append(pid)
        residents = [
            Resident(phone=f"139{i:08d}", person_ids=by_household[head.household_id])
            for i, head in enumerate(heads)
        ]
        world = World(residents, rush.id, rush_session.id, flow.id, flow_session.id)
        db.session.remove()
        db.engine.dispose()  # no connection of ours stays open while gunicorn runs
    return world


def count_rush(app, session_id: int) -> dict:
    from sqlalchemy import func, select

    from app.extensions import db
    from app.models import Booking
    from app.models import Session as ActivitySession

    with app.app_context():
        counts = dict(
            db.session.execute(
                select(Booking.status, func.count(Booking.id))
                .where(Booking.session_id == session_id)
                .group_by(Booking.status)
            ).all()
        )
        row = db.session.get(ActivitySession, session_id)
        taken, capacity = row.taken, row.capacity
        db.session.remove()
        db.engine.dispose()
    return {
        "confirmed": counts.get("confirmed", 0),
        "waitlisted": counts.get("waitlisted", 0),
        "taken": taken,
        "capacity": capacity,
    }


CHILDCARE_SEED = 20270118
CHILDCARE_WEEKS = 2  # Monday–Friday, one full-day slot a day: 10 slots
CHILDCARE_DAYS = 5  # consecutive slots each household asks for
CHILD_AGES = (8, 10)  # on the first day; the programme takes ages 6–12, grades 1–6


@dataclass
class ChildcareWorld:
    residents: list[Resident]  # person_ids: the guardian, then 1 or 2 children
    programme_id: int
    slot_ids: list[int]  # session ids, day by day


def analyze(db) -> None:
    """Planner statistics, as a database in use has them (autovacuum would gather
    them a minute later, in the middle of the run)."""
    from sqlalchemy import text

    db.session.execute(text("ANALYZE"))
    db.session.commit()


def _migrate(app) -> None:
    import logging

    from flask_migrate import upgrade

    # Alembic's logging config writes INFO lines to stderr: keep them out of the way.
    chatter = io.StringIO()
    try:
        with contextlib.redirect_stderr(chatter):
            upgrade(directory=str(ROOT / "migrations"))
    except BaseException:
        sys.stderr.write(chatter.getvalue())
        raise
    logging.getLogger("alembic").setLevel(logging.WARNING)


def seed_childcare(app, users: int, seats: int) -> ChildcareWorld:
    """Schema, a staff account, a holiday programme open now (first come first
    served, `seats` places a slot), and `users` households: a guardian account
    and one or two children of an eligible age."""
    from datetime import time as clock

    from app.extensions import db
    from app.models import Role, SlotKind
    from app.services.childcare.programmes import create_programme
    from app.services.people.residents import add_person, create_household, create_user
    from app.services.privacy.consent import record_for_children
    from app.timeutil import local_date, utcnow

    rng = random.Random(CHILDCARE_SEED)
    with app.app_context():
        _migrate(app)
        now = utcnow().replace(microsecond=0)
        today = local_date(now)
        # The first Monday at least a week ahead: every slot starts in the future.
        first_day = today + timedelta(days=7 + (7 - today.weekday()) % 7)
        office = create_household("Bench centre office", now=now)
        staff = create_user(
            add_person(office, "Bench staff", now=now, birth_date=date(1980, 1, 1)),
            phone="13700000000",
            secret=STAFF_PASSWORD,
            role=Role.STAFF,
            now=now,
            hash_method=HASH_METHOD,
        )
        programme = create_programme(
            by=staff,
            now=now,
            title="假期托管 Holiday childcare (bench)",
            first_day=first_day,
            last_day=first_day + timedelta(days=7 * CHILDCARE_WEEKS - 3),  # a Friday
            weekdays=(1, 2, 3, 4, 5),
            slot_times={SlotKind.FULL: (clock(8, 30), clock(17))},
            capacity=seats,
            min_age=6,
            max_age=12,
            min_grade=1,
            max_grade=6,
            opens_at=now - timedelta(hours=1),
            room="活动室一",
        )
        slot_ids = [slot.session_id for slot in programme.slots]
        residents = []
        for i in range(users):
            household = create_household(f"Bench family {i:04d}", now=now)
            guardian = add_person(
                household, f"Parent {i:04d}", now=now, birth_date=date(1988, 1, 1)
            )
            phone = f"138{i:08d}"
            create_user(guardian, phone=phone, secret=PIN, now=now, hash_method=HASH_METHOD)
            children = [
                add_person(
                    household,
                    f"Child {i:04d}-{k}",
                    now=now,
                    birth_date=date(first_day.year - CHILD_AGES[k], 1, 1),
                )
                for k in range(rng.choice((1, 2)))
            ]
            # The guardian's consents (booking, care notes): without them a child
            # under 14 cannot be booked at all.
            record_for_children(children, now=now)
            residents.append(Resident(phone, [guardian.id] + [c.id for c in children]))
        world = ChildcareWorld(residents, programme.id, slot_ids)
        db.session.commit()
        analyze(db)
        db.session.remove()
        db.engine.dispose()  # no connection of ours stays open while gunicorn runs
    return world


def count_childcare(app, programme_id: int) -> dict:
    """Per slot: capacity, stored taken, bookings by status; and live duplicates."""
    from sqlalchemy import func, select

    from app.extensions import db
    from app.models import LIVE_STATUSES, Booking, ProgrammeSlot
    from app.models import Session as ActivitySession

    with app.app_context():
        slots = db.session.execute(
            select(ActivitySession.id, ActivitySession.capacity, ActivitySession.taken)
            .join(ProgrammeSlot, ProgrammeSlot.session_id == ActivitySession.id)
            .where(ProgrammeSlot.programme_id == programme_id)
            .order_by(ProgrammeSlot.day)
        ).all()
        ids = [row.id for row in slots]
        by_status: dict[int, dict[str, int]] = {}
        for session_id, status, n in db.session.execute(
            select(Booking.session_id, Booking.status, func.count(Booking.id))
            .where(Booking.session_id.in_(ids))
            .group_by(Booking.session_id, Booking.status)
        ):
            by_status.setdefault(session_id, {})[status] = n
        duplicates = db.session.execute(
            select(Booking.session_id, Booking.person_id, func.count(Booking.id))
            .where(Booking.session_id.in_(ids), Booking.status.in_(LIVE_STATUSES))
            .group_by(Booking.session_id, Booking.person_id)
            .having(func.count(Booking.id) > 1)
        ).all()
        db.session.remove()
        db.engine.dispose()
    per_slot = []
    for row in slots:
        counts = by_status.get(row.id, {})
        per_slot.append(
            {
                "session_id": row.id,
                "capacity": row.capacity,
                "taken": row.taken,
                "confirmed": counts.get("confirmed", 0),
                "offered": counts.get("offered", 0),
                "waitlisted": counts.get("waitlisted", 0),
            }
        )
    return {"slots": per_slot, "duplicates": [tuple(d) for d in duplicates]}


def with_database(url: str, name: str) -> str:
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path="/" + name))


def create_pg_database(server_url: str, name: str) -> str:
    import psycopg

    with psycopg.connect(server_url, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    return with_database(server_url, name)


def drop_pg_database(server_url: str, name: str) -> None:
    import psycopg

    with psycopg.connect(server_url, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def settle_database(db_url: str) -> None:
    """Puts what seeding and logging in wrote on disk before the clock starts, as it
    is at 08:00 on a real morning: PostgreSQL checkpoints (CREATE DATABASE and the
    bulk seed leave a checkpoint due, whose writes stalled commits by 0.1–0.6 s in
    the middle of a rush while every family queued on the slots' locks); SQLite
    folds its WAL into the database file. Only a superuser may CHECKPOINT: without
    the right the rush runs as it is, and says so."""
    if db_url.startswith("sqlite:///"):
        import sqlite3

        with contextlib.closing(sqlite3.connect(db_url.removeprefix("sqlite:///"))) as conn:
            conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        return
    import psycopg

    try:
        with psycopg.connect(db_url, autocommit=True) as conn:
            conn.execute("CHECKPOINT")
    except psycopg.errors.InsufficientPrivilege:
        log("  (no CHECKPOINT before the clock: not a superuser)")


# -------------------------------------------------------------------- the server


def free_port() -> int:
    with socket.socket() as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


def start_server(
    db_url: str, workers: int, port: int, log_path: Path, entry: str = "wsgi:app"
) -> subprocess.Popen:
    """gunicorn serving `entry` (module:callable) on `db_url`; bench/scale.py gives
    its own entry, which counts statements per request."""
    env = dict(os.environ)
    env.update(
        ZHAOXI_ENV="production",
        SECRET_KEY="bench",
        RATELIMIT_ENABLED="0",
        DATABASE_URL=db_url,
    )
    env.pop("FROZEN_NOW", None)
    with open(log_path, "wb") as out:
        return subprocess.Popen(
            [
                str(ROOT / ".venv" / "bin" / "gunicorn"),
                "--no-control-socket",
                "-w",
                str(workers),
                "--threads",
                str(THREADS),
                "-b",
                f"{HOST}:{port}",
                entry,
            ],
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
        )


THREADS = 1  # set from --threads


def stop_server(proc: subprocess.Popen) -> None:
    if proc.poll() is not None:
        return
    proc.terminate()  # SIGTERM to the master, by its PID: graceful shutdown
    try:
        proc.wait(timeout=15)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(timeout=5)


async def wait_ready(proc: subprocess.Popen, port: int, timeout: float = 30.0) -> None:
    raw = build_request(port, "GET", "/healthz")
    deadline = time.perf_counter() + timeout
    while time.perf_counter() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"gunicorn exited with {proc.returncode}")
        answer = await send(port, raw, timeout=2)
        if answer.status == 200:  # /healthz: {"status": "alive"}, no database asked
            return
        await asyncio.sleep(0.1)
    raise RuntimeError("gunicorn did not answer /healthz in time")


# ---------------------------------------------------------------------- the bench


async def start_and_log_in(
    args, port: int, proc, residents: list[Resident], page: str, who: str, marker=None
) -> bool:
    """Waits for gunicorn, then logs every resident in (cookie and CSRF token from
    `page`). Returns whether PostgreSQL runs on this machine (its CPU is counted)."""
    await wait_ready(proc, port)
    local_pg = args.db != "sqlite" and (urlsplit(args.db).hostname or "localhost") in (
        "127.0.0.1",
        "localhost",
        "::1",
    )
    log(f"gunicorn up on port {port} (pid {proc.pid}, {args.workers} workers)")
    t0 = time.perf_counter()
    gate = asyncio.Semaphore(args.concurrency)
    extra = {"marker": marker} if marker else {}

    async def one(resident: Resident) -> str | None:
        async with gate:
            return await log_in(port, resident, page, **extra)

    async with asyncio.timeout(LOGIN_TIMEOUT):
        problems = await asyncio.gather(*(one(r) for r in residents))
    failed = [p for p in problems if p]
    if failed:
        raise RuntimeError(f"{len(failed)} logins failed, e.g. {failed[0]}")
    log(f"{len(residents)} {who} logged in, tokens ready ({time.perf_counter() - t0:.1f} s)")
    return local_pg


async def logged_baseline(args, port: int, proc, local_pg: bool) -> dict:
    with CpuMeter(proc.pid, local_pg) as cpu:
        base = await baseline_phase(port, args.duration, args.concurrency)
    log(
        f"baseline: {base['ok']} × /healthz in {base['elapsed']:.2f} s = {base['rps']:.0f}/s"
        + (f", {base['failed']} failed" if base["failed"] else "")
    )
    log(f"  {cpu}")
    return base


def log_overflows(overflows: int) -> None:
    if overflows > 0:
        log(
            f"  the listen queue overflowed {overflows} times: some connects waited for a SYN retry"
        )


async def run_phases(args, world: World, port: int, proc: subprocess.Popen) -> dict:
    local_pg = await start_and_log_in(
        args, port, proc, world.residents, f"/classes/{world.rush_activity}", "residents"
    )

    # Requests are built before the clock starts: the client only sends and reads.
    residents = world.residents
    members = len(residents[0].person_ids)
    order = list(range(1, members)) + [0]
    flow_jobs = [
        (booking_request(port, r, r.person_ids[k], world.flow_activity, world.flow_session), k)
        for k in order
        for r in residents
    ]
    rush_jobs = [
        booking_request(port, r, r.person_ids[0], world.rush_activity, world.rush_session)
        for r in residents
    ]

    settle_database(args.db_url)
    base = await logged_baseline(args, port, proc, local_pg)

    with CpuMeter(proc.pid, local_pg) as cpu:
        flow = await throughput_phase(port, args.duration, args.concurrency, flow_jobs)
    log(
        f"throughput: {flow['good']} bookings in {flow['elapsed']:.2f} s = {flow['rps']:.1f}/s, "
        f"p50 {flow['p50_ms']:.0f} ms, p99 {flow['p99_ms']:.0f} ms, outcomes {flow['outcomes']}"
        + (" (ran out of distinct persons!)" if flow["exhausted"] else "")
    )
    log(f"  {cpu}")

    overflows = listen_overflows()
    with CpuMeter(proc.pid, local_pg) as cpu:
        rush = await rush_phase(port, rush_jobs)
    overflows = listen_overflows() - overflows
    log(
        f"rush: {len(rush_jobs)} presses, last answer after {rush['last_answer_s']:.2f} s, "
        f"outcomes {rush['outcomes']}"
    )
    log(f"  {cpu}")
    log_overflows(overflows)
    return {"base": base, "flow": flow, "rush": rush}


def childcare_picks(world: ChildcareWorld) -> list[tuple[Resident, list[str], bool]]:
    """Each household's submission, the same on every run: (guardian, the form's
    `pick` values "child_id-session_id", together). Five consecutive days starting
    on one of the first six for each child; together when there are two."""
    rng = random.Random(CHILDCARE_SEED + 1)
    days = min(CHILDCARE_DAYS, len(world.slot_ids))
    starts = len(world.slot_ids) - days + 1  # 6 for 10 slots and 5 days
    submissions = []
    for r in world.residents:
        first = rng.randrange(starts)
        children = r.person_ids[1:]
        picks = [f"{c}-{s}" for s in world.slot_ids[first : first + days] for c in children]
        submissions.append((r, picks, len(children) > 1))
    return submissions


async def run_childcare_phases(
    args, world: ChildcareWorld, port: int, proc: subprocess.Popen
) -> dict:
    local_pg = await start_and_log_in(
        args,
        port,
        proc,
        world.residents,
        f"/programmes/{world.programme_id}",
        "guardians",
        marker=b'name="pick"',
    )

    # Submissions are built before the clock starts: the client only sends and reads.
    jobs = []
    for r, picks, together in childcare_picks(world):
        raw = childcare_request(port, r, world.programme_id, picks, together=together)
        jobs.append(Submission(raw, len(picks)))
    attempts = sum(job.pairs for job in jobs)

    settle_database(args.db_url)
    base = await logged_baseline(args, port, proc, local_pg)

    overflows = listen_overflows()
    with CpuMeter(proc.pid, local_pg) as cpu:
        rush = await childcare_rush_phase(port, jobs)
    overflows = listen_overflows() - overflows
    log(
        f"rush: {len(jobs)} submissions of {attempts} (child, slot) pairs, last answer after "
        f"{rush['last_answer_s']:.2f} s = {rush['rps']:.1f} decided pairs/s, "
        f"p50 {rush['p50_ms']:.0f} ms, p99 {rush['p99_ms']:.0f} ms"
    )
    log(f"  answers {rush['answers']}, pairs {rush['pairs']}")
    log(f"  {cpu}")
    log_overflows(overflows)
    return {"base": base, "rush": rush, "attempts": attempts}


def childcare_result(args, kind: str, phases: dict, counted: dict) -> dict:
    base, rush = phases["base"], phases["rush"]
    slots, duplicates = counted["slots"], counted["duplicates"]
    confirmed = sum(s["confirmed"] for s in slots)
    waitlisted = sum(s["waitlisted"] for s in slots)
    overbooked = sum(max(0, s["confirmed"] + s["offered"] - s["capacity"]) for s in slots)
    overbooked += sum(n - 1 for _, _, n in duplicates)
    mismatched = [s for s in slots if s["taken"] != s["confirmed"] + s["offered"]]
    # Every slot is wanted by more children than it has places: a slot left with
    # free places while families were turned away or queued means the rush measured
    # refusals, not bookings (a seeding fault, or a rule refusing what it should not).
    turned_away = sum(n for status, n in rush["pairs"].items() if status != "confirmed")
    unfilled = [s for s in slots if s["confirmed"] + s["offered"] < s["capacity"]]
    if turned_away and unfilled:
        log(
            f"SEATS LEFT EMPTY: {len(unfilled)} slots not full while {turned_away} pairs "
            f"were not booked (answers {rush['pairs']})"
        )
    for s in slots:
        log(
            f"  slot {s['session_id']}: {s['confirmed']} confirmed"
            + (f", {s['offered']} offered" if s["offered"] else "")
            + f", {s['waitlisted']} waiting, taken {s['taken']} of {s['capacity']}"
        )
    for session_id, person_id, n in duplicates:
        log(f"DOUBLE BOOKING: person {person_id} holds {n} live bookings on slot {session_id}")
    for s in mismatched:
        log(
            f"SEAT COUNTER MISMATCH on slot {s['session_id']}: taken = {s['taken']}, "
            f"confirmed + offered bookings = {s['confirmed'] + s['offered']}"
        )
    answered = rush["pairs"].get("confirmed", 0), rush["pairs"].get("waitlisted", 0)
    if answered != (confirmed, waitlisted):
        log(
            f"note: stored {confirmed} confirmed / {waitlisted} waiting, "
            f"answered {answered[0]} / {answered[1]}"
        )
    ratio = rush["rps"] / base["rps"] if base["rps"] and not math.isnan(rush["rps"]) else None
    return {
        "mode": "childcare",
        "db": kind,
        "workers": args.workers,
        "seats": args.seats,
        "attempts": phases["attempts"],
        "confirmed": confirmed,
        "waitlisted": waitlisted,
        "overbooked": overbooked,
        "errors": rush["errors"] + len(mismatched) + (len(unfilled) if turned_away else 0),
        "booking_rps": _num(rush["rps"], 1),
        "p50_ms": _num(rush["p50_ms"], 1),
        "p99_ms": _num(rush["p99_ms"], 1),
        "baseline_rps": _num(base["rps"], 1),
        "ratio": round(ratio, 3) if ratio is not None else None,
        "rush_last_answer_s": _num(rush["last_answer_s"], 3),
    }


def _num(value: float, digits: int) -> float | None:
    """Rounded for the JSON line; None instead of NaN (nothing was measured)."""
    return None if math.isnan(value) else round(value, digits)


def _terminated(signum, _frame):
    raise SystemExit(128 + signum)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--db", default="sqlite", help="'sqlite' (a new temp file) or a postgresql:// server URL"
    )
    parser.add_argument(
        "--mode",
        choices=("classes", "childcare"),
        default="classes",
        help="classes: one class session opens (default); childcare: families book "
        "holiday childcare days for their children",
    )
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument(
        "--threads",
        type=int,
        default=1,
        help="threads per gunicorn worker (1: sync workers; more: gthread, which "
        "overlaps waits on PostgreSQL round trips)",
    )
    parser.add_argument("--seats", type=int, help="places (a slot); default 50, childcare 40")
    parser.add_argument("--users", type=int, help="households; default 400, childcare 300")
    parser.add_argument("--duration", type=float, default=5.0, help="seconds per timed phase")
    parser.add_argument("--concurrency", type=int, default=64)
    args = parser.parse_args(argv)
    global THREADS
    THREADS = args.threads
    childcare = args.mode == "childcare"
    if args.seats is None:
        args.seats = 40 if childcare else 50
    if args.users is None:
        args.users = 300 if childcare else 400

    if args.db == "sqlite":
        kind = "sqlite"
    elif args.db.startswith(("postgresql://", "postgres://", "postgresql+psycopg://")):
        kind = "postgresql"
    else:
        parser.error("--db must be 'sqlite' or a postgresql:// URL")
    if args.users < 1 or args.seats < 0 or args.workers < 1 or args.concurrency < 1:
        parser.error("--users, --workers and --concurrency must be positive")
    if childcare and args.seats < 1:
        parser.error("--seats must be at least 1 for a childcare programme")

    # Enough people that every throughput booking is for someone new (at most 40 a
    # household: with very few --users the phase may run out, and says so).
    members = min(40, max(10, math.ceil(PAIRS_WANTED / args.users)))
    # A polite kill (SIGTERM) unwinds like Ctrl+C, so the server and database go too.
    signal.signal(signal.SIGTERM, _terminated)
    workdir = Path(tempfile.mkdtemp(prefix="zhaoxi-bench-"))
    pg_server = pg_name = None
    proc = None
    started = time.perf_counter()
    try:
        if kind == "sqlite":
            db_url = f"sqlite:///{workdir / 'bench.db'}"
        else:
            pg_server = args.db.replace("postgresql+psycopg://", "postgresql://", 1)
            pg_server = pg_server.replace("postgres://", "postgresql://", 1)
            pg_name = f"zhaoxi_bench_{os.getpid()}"
            db_url = create_pg_database(pg_server, pg_name)
        log(f"{kind} database at {db_url}")
        args.db_url = db_url

        app = make_app(db_url)
        t0 = time.perf_counter()
        if childcare:
            world = seed_childcare(app, args.users, args.seats)
            kids = sum(len(r.person_ids) - 1 for r in world.residents)
            log(
                f"seeded {args.users} households with {kids} children and a holiday "
                f"programme of {len(world.slot_ids)} slots × {args.seats} places "
                f"({time.perf_counter() - t0:.1f} s)"
            )
        else:
            world = seed(app, args.users, args.seats, members)
            log(
                f"seeded {args.users} households × {members} persons, a {args.seats}-seat "
                f"session and a 100000-seat one ({time.perf_counter() - t0:.1f} s)"
            )

        port = free_port()
        proc = start_server(db_url, args.workers, port, workdir / "gunicorn.log")
        runner = run_childcare_phases if childcare else run_phases
        phases = asyncio.run(runner(args, world, port, proc))
        stop_server(proc)

        if childcare:
            counted = count_childcare(app, world.programme_id)
        else:
            counted = count_rush(app, world.rush_session)
    except BaseException:
        log_path = workdir / "gunicorn.log"
        if log_path.exists():
            tail = log_path.read_text(errors="replace").splitlines()[-30:]
            log("gunicorn log (tail):\n" + "\n".join(tail))
        raise
    finally:
        if proc is not None:
            stop_server(proc)
        if pg_name:
            try:
                drop_pg_database(pg_server, pg_name)
            except Exception as exc:  # report, but do not hide the real error
                log(f"could not drop database {pg_name}: {exc}")
        shutil.rmtree(workdir, ignore_errors=True)

    if childcare:
        result = childcare_result(args, kind, phases, counted)
        log(f"done in {time.perf_counter() - started:.1f} s")
        print(json.dumps(result), flush=True)
        return 1 if (result["overbooked"] or result["errors"]) else 0

    base, flow, rush = phases["base"], phases["flow"], phases["rush"]
    confirmed, waitlisted = counted["confirmed"], counted["waitlisted"]
    mismatch = counted["taken"] != confirmed
    errors = flow["errors"] + rush["errors"] + (1 if mismatch else 0)
    if mismatch:
        log(
            f"SEAT COUNTER MISMATCH: activity_session.taken = {counted['taken']}, "
            f"confirmed bookings = {confirmed}"
        )
    answered_booked = args.users - rush["errors"]
    if confirmed + waitlisted != answered_booked:
        log(
            f"note: {confirmed + waitlisted} rush bookings stored, "
            f"{answered_booked} answered as booked"
        )
    result = {
        "db": kind,
        "workers": args.workers,
        "seats": args.seats,
        "attempts": args.users,
        "confirmed": confirmed,
        "waitlisted": waitlisted,
        "overbooked": max(0, confirmed - args.seats),
        "errors": errors,
        "booking_rps": _num(flow["rps"], 1),
        "p50_ms": _num(flow["p50_ms"], 1),
        "p99_ms": _num(flow["p99_ms"], 1),
        "baseline_rps": _num(base["rps"], 1),
        "ratio": _num(flow["rps"] / base["rps"], 3) if base["rps"] else None,
        "rush_last_answer_s": _num(rush["last_answer_s"], 3),
    }
    if mismatch:
        result["taken"] = counted["taken"]
        result["counter_mismatch"] = True
    log(f"done in {time.perf_counter() - started:.1f} s")
    print(json.dumps(result), flush=True)
    return 1 if (result["overbooked"] or result["errors"]) else 0


if __name__ == "__main__":
    sys.exit(main())
