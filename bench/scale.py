"""Pages cost what they show (issue 18): the same pages, for the same demo users, on
a centre of three sizes.

Usage (from the repository root):

    .venv/bin/python bench/scale.py                       # SQLite: demo, M and L, one run
    .venv/bin/python bench/scale.py --sizes demo,M --runs 3 --pages 'staff|classes'
    .venv/bin/python bench/scale.py --db postgresql://postgres@127.0.0.1:5432/postgres
    .venv/bin/python bench/scale.py --sizes L --rebuild   # build L again, then measure

The sizes (bench/scale_data.py has the details): `demo` is `flask seed-demo`; `M`
is the demo plus 3,000 residents and two years of weekly classes (20 classes, 40
sessions a week: ~106k bookings, ~95k attendance marks, ~150k notices, ~48k audit
entries); `L` is ten times M (30,000 residents, ~1M bookings, 1M marks, 1.5M
notices) on the same timetable, so a session has 400 places instead of 40. The
demo's people, logins and history are the same at every size. Each database is
built through the migrations (the real schema and indexes), seeded with bulk
inserts and given planner statistics (SQLite: the app's daily `optimize` step;
PostgreSQL: ANALYZE), then kept: SQLite as instance/scale-<size>.db, PostgreSQL
as the database zhaoxi_scale_<size> on the server given. A table bench_scale_seed
in it records the seeder's version (scale_data.SEED_VERSION) and when it was
built: a database of another version, or built more than BUILD_KEPT_DAYS ago
(its timetable is laid around the day it was built), is built again, and so is
every one with `--rebuild`. Build times are printed.

Measuring: each database is served by gunicorn (`--workers` sync workers, 2 by
default) through bench/scale_wsgi.py, the app as wsgi.py builds it plus a count
of the SQL statements each request sent (header X-Statements). Every demo role
logs in: resident 王秀英, guardian 林晓, teacher 李老师, door teacher 刘同学, staff
赵社工, and 王秀英 again at the kiosk. Measured are the pages of the issue's table,
for the role that uses them (`/classes/<busy class>` is the class with the most
bookings, `/staff/sessions/<busy>` the coming session with the most live bookings,
`/teach/sessions/<term>` the teacher's next term-class session, also the teacher's
busiest coming session, `POST /me/bookings` a booking by the resident on a coming
session with free places, cancelled again between the timed requests), plus every
page linked from each role's home page (same-site GET links, one level; a route
pattern, numbers replaced by <id>, is measured `--per-pattern` times, once by
default). Per page: `--warmup` requests, then `--requests` sequential ones (30;
5 when a warm-up request took over a second, 2 after a single warm-up when it took
over 5 s), each on a new connection: median and p95
(nearest rank) of the wall-clock time, the most statements one request sent, and
the rows the page shows (`<tr` and `<li` elements). A page that does not answer
200 is reported with its status, not measured; status 0 is no answer at all (a
page that takes over 30 s has its worker killed by gunicorn's timeout, as in
deploy/systemd). Measuring writes what those requests write: the access records
of the children a roster shows, and the bookings POSTed (cancelled again), so a
kept database carries them into the next run.

Output: progress on stderr; on stdout one JSON line per run, size and database:
{"size", "db", "run", "built", "rows", "load1", "pages": {"<role> <page>":
{"median_ms", "p95_ms", "queries", "rows", "status", "requests", "url"}}}, then
per run a summary line {"summary": true, "db", "run", "pages": {page: {"L/M",
"missed"}}, "missed": {page: [...]}, "met"} against the issue's targets at the
largest size measured: median < 50 ms and p95 < 100 ms (a page that shows more
rows at L than at M: both < 150 ms, and no L/M target); L/M ≤ 1.3 for the median
(not held against a page whose median grew by less than 5 ms: noise on a shared
machine);
at most 20 statements at every size, and no more at L than at M (no query per row
shown). The exit status is 1 when a page answered neither 200 nor a measured
redirect, 0 otherwise; targets missed never fail the run.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import signal
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from html import unescape
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import rush  # noqa: E402
import scale_data  # noqa: E402
from rush import Resident, build_request, csrf_from, percentile, send  # noqa: E402

ROOT = rush.ROOT
INSTANCE = ROOT / "instance"
BUILD_KEPT_DAYS = 7
PIN, PASSWORD = "123456", "zhaoxi-demo"  # the demo's (app/demo.py)
TARGET_MEDIAN, TARGET_P95, TARGET_ROWS, TARGET_RATIO, TARGET_QUERIES = 50, 100, 150, 1.3, 20
# L/M is not held against a page whose median grew by less than this: on a shared
# 2-core machine a 6 ms page is 8 ms now and then.
RATIO_FLOOR_MS = 5
SLOW_S, VERY_SLOW_S = 1.0, 5.0  # a page this slow is requested fewer times
TIMEOUT_S = 300.0  # one request (rush's 30 s is too short for some pages at L)
MARKER = "bench_scale_seed"

# role, phone, secret, where it logs in, its home pages (besides where login sends it)
ROLES = (
    ("resident", "13800000001", PIN, "/login", ("/me/",)),
    ("guardian", "13800000002", PIN, "/login", ("/me/", "/programmes/")),
    ("teacher", "13900000001", PASSWORD, "/login", ("/teach/",)),
    ("door", "13900000005", PASSWORD, "/login", ("/door/", "/teach/")),
    ("staff", "13900000009", PASSWORD, "/login", ("/staff/", "/welfare/")),
    ("kiosk", "13800000001", PIN, "/kiosk/login", ()),
)
LOGINS = {role: login for role, *login in ROLES}
IDLE_S = 60  # a visitor idle this long logs in again (the kiosk ends a visit after 110 s)
# Pages measured for each role that reaches them (the rest once, for the first role).
PER_ROLE = re.compile(r"^/(me|teach|door)/")
SKIP = re.compile(
    r"^/(static/|logout|language|healthz|readyz|metrics|kiosk/(timeout|keep-alive|language))"
)
HREF = re.compile(rb'href="([^"#]*)')


def log(message: str) -> None:
    print(f"[scale] {message}", file=sys.stderr, flush=True)


# ----------------------------------------------------------------- the databases


def database_url(args, size: str) -> str:
    if args.kind == "sqlite":
        return f"sqlite:///{INSTANCE / f'scale-{size}.db'}"
    return rush.with_database(args.server, f"zhaoxi_scale_{size.lower()}")


def _engine(url: str):
    from sqlalchemy import create_engine

    from config import _normalise_db_url

    return create_engine(_normalise_db_url(url))


def kept_build(url: str, size: str) -> dict | None:
    """The marker of a database built before by this seeder's version, for `size`,
    recently enough; None when it must be built (again)."""
    from sqlalchemy import inspect, text
    from sqlalchemy.exc import OperationalError

    if url.startswith("sqlite:///") and not Path(url.removeprefix("sqlite:///")).exists():
        return None
    try:
        engine = _engine(url)
        with engine.connect() as conn:
            if not inspect(conn).has_table(MARKER):
                return None
            row = conn.execute(text(f"SELECT version, size, built_at, build_s FROM {MARKER}"))
            row = row.first()
        engine.dispose()
    except OperationalError as exc:  # no such database
        log(f"{url}: {type(exc).__name__}, building it")
        return None
    if row is None or row.version != scale_data.SEED_VERSION or row.size != size:
        return None
    built_at = row.built_at if isinstance(row.built_at, datetime) else None
    if built_at is None:
        built_at = datetime.fromisoformat(str(row.built_at))
    if datetime.now(UTC).replace(tzinfo=None) - built_at > timedelta(days=BUILD_KEPT_DAYS):
        return None
    return {"built_at": built_at.isoformat(), "build_s": row.build_s, "kept": True}


def fresh_database(args, url: str, size: str) -> None:
    if args.kind == "sqlite":
        INSTANCE.mkdir(exist_ok=True)
        path = Path(url.removeprefix("sqlite:///"))
        for suffix in ("", "-wal", "-shm", ".db-writers"):
            Path(str(path) + suffix).unlink(missing_ok=True)
        return
    name = f"zhaoxi_scale_{size.lower()}"
    rush.drop_pg_database(args.server, name)
    rush.create_pg_database(args.server, name)


def build(args, size: str) -> dict:
    """The database of `size`, kept or built now; returns what the JSON line says of it."""
    url = database_url(args, size)
    kept = None if args.rebuild else kept_build(url, size)
    if kept:
        log(f"{size}: kept database {url} (built {kept['built_at']} in {kept['build_s']:.0f} s)")
        # Migrations that landed since it was built (new tables, new indexes): the
        # pages are measured on the schema the code expects, as a deploy upgrades.
        app = rush.make_app(url)
        with app.app_context():
            from app.extensions import db

            rush._migrate(app)
            db.session.remove()
            db.engine.dispose()
        return kept | {"url": url}
    log(f"{size}: building {url} …")
    fresh_database(args, url, size)
    app = rush.make_app(url)
    now = datetime.now(UTC).replace(tzinfo=None, microsecond=0)
    started = time.perf_counter()
    added = scale_data.build(app, scale_data.SIZES[size], now)
    build_s = time.perf_counter() - started
    broken = {k: n for k, n in scale_data.check_invariants(app, now).items() if n}
    if broken:
        raise SystemExit(f"{size}: the seeded data breaks invariants: {broken}")
    _mark(app, size, now, build_s)
    log(f"{size}: built in {build_s:.1f} s: {json.dumps(added)}")
    return {"built_at": now.isoformat(), "build_s": round(build_s, 1), "kept": False, "url": url}


def _mark(app, size: str, now: datetime, build_s: float) -> None:
    from sqlalchemy import text

    from app.extensions import db

    with app.app_context():
        db.session.execute(
            text(
                f"CREATE TABLE {MARKER} (version INTEGER, size VARCHAR(8), "
                "built_at TIMESTAMP, build_s FLOAT)"
            )
        )
        db.session.execute(
            text(f"INSERT INTO {MARKER} VALUES (:v, :s, :t, :b)"),
            {"v": scale_data.SEED_VERSION, "s": size, "t": now, "b": round(build_s, 1)},
        )
        db.session.commit()
        db.session.remove()
        db.engine.dispose()


# -------------------------------------------------------------- what to measure


@dataclass
class Targets:
    """Ids of the issue's pages in one database."""

    busy_class: int
    busy_session: int
    term_session: int | None
    teacher_busy: int | None
    programme: int | None
    booker: int  # the resident's own person
    bookable: list[tuple[int, int]]  # (activity, session) the resident may book


def find_targets(url: str) -> Targets:
    from sqlalchemy import text

    now = datetime.now(UTC).replace(tzinfo=None)
    live = "('confirmed', 'waitlisted', 'offered')"
    engine = _engine(url)
    with engine.connect() as conn:

        def one(sql, **params):
            return conn.execute(text(sql), {"now": now, **params}).scalar()

        teacher = one("SELECT id FROM \"user\" WHERE phone = '13900000001'")
        booker = one("SELECT person_id FROM \"user\" WHERE phone = '13800000001'")
        busiest = f"""(SELECT count(*) FROM booking b WHERE b.session_id = s.id
                       AND b.status IN {live}) DESC, s.starts_at"""
        targets = Targets(
            busy_class=one(
                "SELECT activity_id FROM booking GROUP BY activity_id "
                "ORDER BY count(*) DESC, activity_id LIMIT 1"
            ),
            busy_session=one(
                "SELECT s.id FROM activity_session s WHERE s.starts_at > :now "
                f"AND s.status = 'scheduled' ORDER BY {busiest} LIMIT 1"
            ),
            term_session=one(
                "SELECT s.id FROM activity_session s JOIN activity a ON a.id = s.activity_id "
                "WHERE a.teacher_id = :t AND a.enrolment_unit = 'series' "
                "AND s.starts_at > :now ORDER BY s.starts_at LIMIT 1",
                t=teacher,
            ),
            teacher_busy=one(
                "SELECT s.id FROM activity_session s JOIN activity a ON a.id = s.activity_id "
                f"WHERE a.teacher_id = :t AND s.starts_at > :now ORDER BY {busiest} LIMIT 1",
                t=teacher,
            ),
            programme=one("SELECT id FROM programme WHERE kind = 'holiday' ORDER BY id LIMIT 1"),
            booker=booker,
            bookable=[
                tuple(row)
                for row in conn.execute(
                    text(
                        "SELECT a.id, s.id FROM activity_session s "
                        "JOIN activity a ON a.id = s.activity_id "
                        "WHERE s.starts_at > :soon AND s.starts_at < :far "
                        "AND s.status = 'scheduled' AND s.taken < s.capacity "
                        "AND a.enrolment_unit = 'session' AND a.status = 'published' "
                        "AND a.audience IN ('all', 'elder') AND NOT EXISTS ("
                        "  SELECT 1 FROM programme p WHERE p.activity_id = a.id) "
                        "AND NOT EXISTS (SELECT 1 FROM booking b WHERE b.session_id = s.id "
                        f"  AND b.person_id = :p AND b.status IN {live}) "
                        "ORDER BY s.starts_at LIMIT 20"
                    ),
                    {"soon": now + timedelta(days=1), "far": now + timedelta(days=50), "p": booker},
                )
            ],
        )
    engine.dispose()
    return targets


def fixed_pages(t: Targets) -> list[tuple[str, str, str]]:
    """(role, label, url) of the issue's table."""
    pages = [
        ("resident", "/classes", "/classes"),
        ("kiosk", "/kiosk/", "/kiosk/"),
        ("resident", "/classes/<busy class>", f"/classes/{t.busy_class}"),
        ("staff", "/staff/sessions/<busy>", f"/staff/sessions/{t.busy_session}"),
        ("staff", "/staff/audit", "/staff/audit"),
        ("staff", "/welfare/hours", "/welfare/hours"),
    ]
    if t.programme:
        pages.append(("guardian", "/programmes/<id>", f"/programmes/{t.programme}"))
    if t.term_session:
        pages.append(("teacher", "/teach/sessions/<term>", f"/teach/sessions/{t.term_session}"))
    if t.teacher_busy:
        pages.append(("teacher", "/teach/sessions/<busy>", f"/teach/sessions/{t.teacher_busy}"))
    return pages


# ------------------------------------------------------------------ the client


@dataclass
class Visitor:
    role: str
    who: Resident
    homes: list[str] = field(default_factory=list)
    links: list[str] = field(default_factory=list)
    last: float = 0.0  # when it last sent a request (perf_counter)


async def get(port: int, visitor: Visitor, path: str):
    visitor.last = time.perf_counter()
    raw = build_request(port, "GET", path, cookies=visitor.who.cookie_header)
    answer = await send(port, raw, timeout=TIMEOUT_S)
    visitor.who.take_cookies(answer)
    return answer


async def log_in(port: int, role: str, phone: str, secret: str, where: str, homes) -> Visitor:
    """Logs in at `where`; the visitor's homes are where that leads and `homes`, and
    its links the same-site links those pages show."""
    visitor = Visitor(role, Resident(phone, []))
    answer = await get(port, visitor, where)
    token = csrf_from(answer.body)
    if answer.status != 200 or not token:
        raise RuntimeError(f"{role}: GET {where} answered {answer.status}")
    fields = {"who": phone, "pin": secret} if where.startswith("/kiosk") else {}
    form = {"csrf_token": token, "next": "", **(fields or {"phone": phone, "secret": secret})}
    raw = build_request(port, "POST", where, cookies=visitor.who.cookie_header, form=form)
    answer = await send(port, raw)
    visitor.who.take_cookies(answer)
    location = answer.header("Location") or ""
    if answer.status not in (302, 303) or location.endswith(where):
        raise RuntimeError(f"{role}: POST {where} answered {answer.status} → {location!r}")
    visitor.homes = [re.sub(r"^https?://[^/]+", "", location) or "/"]
    visitor.homes += [h for h in homes if h not in visitor.homes]
    for home in visitor.homes:
        page = await get(port, visitor, home)  # after login: the welcome message, once
        visitor.who.csrf = visitor.who.csrf or csrf_from(page.body) or token
        if page.status == 200:
            visitor.links += [u for u in same_site_links(page.body) if u not in visitor.links]
    return visitor


def same_site_links(body: bytes) -> list[str]:
    found = []
    for raw in HREF.findall(body):
        href = unescape(raw.decode("utf-8", "replace"))
        if not href.startswith("/") or href.startswith("//") or SKIP.match(href):
            continue
        if href not in found:
            found.append(href)
    return found


def pattern(url: str) -> str:
    return re.sub(r"\d+", "<id>", url)


def count_rows(body: bytes) -> int:
    return body.count(b"<tr") + body.count(b"<li")


async def measure_page(port: int, visitor: Visitor, url: str, args) -> dict:
    """Warm-up, then the timed requests: `--requests`, fewer for a slow page (its
    first answer took over SLOW_S: 5; over VERY_SLOW_S: 2, and one warm-up)."""
    took = 0.0
    for _ in range(args.warmup):
        t0 = time.perf_counter()
        answer = await get(port, visitor, url)
        took = max(took, time.perf_counter() - t0)
        if answer.status != 200 or took > VERY_SLOW_S:
            break
    if answer.status != 200:
        return {
            "status": answer.status,
            "url": url,
            "location": answer.header("Location"),
            "error": answer.error,
        }
    requests = 2 if took > VERY_SLOW_S else 5 if took > SLOW_S else args.requests
    times, sent = [], []
    for _ in range(requests):
        t0 = time.perf_counter()
        answer = await get(port, visitor, url)
        times.append((time.perf_counter() - t0) * 1000)
        sent.append(int(answer.header("X-Statements") or -1))
    return summarise(times, sent, answer, url, requests)


def summarise(times, sent, answer, url: str, requests: int) -> dict:
    return {
        "median_ms": round(statistics.median(times), 1),
        "p95_ms": round(percentile(times, 95), 1),
        "queries": max(sent),
        "rows": count_rows(answer.body),
        "status": answer.status,
        "requests": requests,
        "url": url,
    }


async def measure_booking(port: int, visitor: Visitor, t: Targets, url: str, args) -> dict:
    """POST /me/bookings on a session with free places, timed; each booking is
    cancelled again (not timed), so the same session serves every request."""

    engine = _engine(url)
    found = None
    for activity, session in t.bookable:
        page = await get(port, visitor, f"/classes/{activity}")
        visitor.who.csrf = csrf_from(page.body) or visitor.who.csrf
        answer = await book(port, visitor, t.booker, activity, session)
        if answer.header("X-Booking-Status") == "confirmed":
            found = (activity, session)
            await cancel(port, visitor, engine, t.booker, session)
            break
        await cancel(port, visitor, engine, t.booker, session)
    if found is None:
        engine.dispose()
        return {"status": 0, "error": "no session the resident could book"}
    times, sent = [], []
    for _ in range(args.requests):
        t0 = time.perf_counter()
        answer = await book(port, visitor, t.booker, *found)
        times.append((time.perf_counter() - t0) * 1000)
        sent.append(int(answer.header("X-Statements") or -1))
        if answer.header("X-Booking-Status") != "confirmed":
            engine.dispose()
            return {"status": answer.status, "error": answer.header("X-Booking-Status")}
        await cancel(port, visitor, engine, t.booker, found[1])
    engine.dispose()
    result = summarise(times, sent, answer, f"/me/bookings ({found[0]}, {found[1]})", args.requests)
    return result | {"rows": None}


async def book(port: int, visitor: Visitor, person: int, activity: int, session: int):
    raw = rush.booking_request(port, visitor.who, person, activity, session)
    answer = await send(port, raw)
    visitor.who.take_cookies(answer)
    return answer


async def cancel(port: int, visitor: Visitor, engine, person: int, session: int) -> None:
    from sqlalchemy import text

    with engine.connect() as conn:
        ids = conn.execute(
            text(
                "SELECT id FROM booking WHERE person_id = :p AND session_id = :s "
                "AND status IN ('confirmed', 'waitlisted', 'offered')"
            ),
            {"p": person, "s": session},
        ).scalars()
        ids = list(ids)
    for booking in ids:
        form = {"csrf_token": visitor.who.csrf, "confirmed": "y"}
        raw = build_request(
            port,
            "POST",
            f"/me/bookings/{booking}/cancel",
            cookies=visitor.who.cookie_header,
            form=form,
        )
        answer = await send(port, raw)
        visitor.who.take_cookies(answer)


async def measure_size(port: int, url: str, args) -> dict:
    targets = find_targets(url)
    visitors = {}
    for role, *login in ROLES:
        visitor = visitors[role] = await log_in(port, role, *login)
        log(f"  {role} logged in, homes {visitor.homes}, {len(visitor.links)} links")
    wanted = re.compile(args.pages) if args.pages else None
    plan = [(role, label, u) for role, label, u in fixed_pages(targets)]
    seen: dict[tuple[str, str], int] = {}
    for role, visitor in visitors.items():
        for link in [*visitor.homes, *visitor.links]:
            key = (role if PER_ROLE.match(link) else "", pattern(link))
            if seen.get(key, 0) < args.per_pattern:
                seen[key] = seen.get(key, 0) + 1
                label = pattern(link) + (f" #{seen[key]}" if seen[key] > 1 else "")
                plan.append((role, label, link))
    pages = {}
    for role, label, link in plan:
        key = f"{role} {label}"
        if key in pages or (wanted and not wanted.search(key)):
            continue
        if time.perf_counter() - visitors[role].last > IDLE_S:  # the kiosk's idle limit
            visitors[role] = await log_in(port, role, *LOGINS[role])
        pages[key] = await measure_page(port, visitors[role], link, args)
        log(f"  {key}: {_said(pages[key])}")
    key = "resident POST /me/bookings"
    if not wanted or wanted.search(key):
        pages[key] = await measure_booking(port, visitors["resident"], targets, url, args)
        log(f"  {key}: {_said(pages[key])}")
    return pages


def _said(result: dict) -> str:
    if "median_ms" not in result:
        return (
            f"status {result.get('status')} {result.get('location') or result.get('error') or ''}"
        )
    return (
        f"median {result['median_ms']} ms, p95 {result['p95_ms']} ms, "
        f"{result['queries']} statements, {result['rows']} rows"
    )


def serve_and_measure(args, size: str, info: dict, workdir: Path) -> dict:
    url = info["url"]
    port = rush.free_port()
    proc = rush.start_server(
        url, args.workers, port, workdir / f"gunicorn-{size}.log", entry="bench.scale_wsgi:app"
    )
    try:
        asyncio.run(rush.wait_ready(proc, port))
        log(f"{size}: gunicorn up on port {port} (pid {proc.pid})")
        return asyncio.run(measure_size(port, url, args))
    except BaseException:
        tail = (workdir / f"gunicorn-{size}.log").read_text(errors="replace").splitlines()[-30:]
        log("gunicorn log (tail):\n" + "\n".join(tail))
        raise
    finally:
        rush.stop_server(proc)


# ------------------------------------------------------------------- the summary


def summary(lines: dict[str, dict], db: str, run: int) -> dict:
    """The issue's targets, at the largest size measured (L, else M, else demo)."""
    order = [s for s in ("demo", "M", "L") if s in lines]
    big = lines[order[-1]]["pages"]
    mid = lines["M"]["pages"] if "M" in lines and order[-1] == "L" else {}
    pages, missed = {}, {}
    for key, at_big in big.items():
        misses = []
        if "median_ms" not in at_big:
            misses.append(f"answered {at_big.get('status')}")
            pages[key] = {"missed": misses}
            missed[key] = misses
            continue
        at_mid = mid.get(key, {})
        grows = (
            at_mid.get("rows") is not None
            and at_big.get("rows") is not None
            and at_big["rows"] > 1.3 * at_mid["rows"] + 2
        )
        ratio = None
        if at_mid.get("median_ms"):
            ratio = round(at_big["median_ms"] / at_mid["median_ms"], 2)
        limit_median, limit_p95 = (
            (TARGET_ROWS, TARGET_ROWS) if grows else (TARGET_MEDIAN, TARGET_P95)
        )
        if at_big["median_ms"] >= limit_median:
            misses.append(f"median {at_big['median_ms']} ms ≥ {limit_median}")
        if at_big["p95_ms"] >= limit_p95:
            misses.append(f"p95 {at_big['p95_ms']} ms ≥ {limit_p95}")
        if (
            ratio is not None
            and not grows
            and ratio > TARGET_RATIO
            and at_big["median_ms"] - at_mid["median_ms"] >= RATIO_FLOOR_MS
        ):
            misses.append(f"L/M {ratio} > {TARGET_RATIO}")
        most = max((lines[s]["pages"].get(key, {}).get("queries") or 0 for s in order), default=0)
        if most > TARGET_QUERIES:
            misses.append(f"{most} statements > {TARGET_QUERIES}")
        if at_mid.get("queries") and at_big["queries"] > at_mid["queries"]:
            misses.append(f"statements grow: {at_mid['queries']} at M, {at_big['queries']} at L")
        pages[key] = {"L/M": ratio, "rows_grow": grows, "missed": misses}
        if misses:
            missed[key] = misses
    return {
        "summary": True,
        "db": db,
        "run": run,
        "size": order[-1],
        "pages": pages,
        "missed": missed,
        "met": not missed,
    }


def _terminated(signum, _frame):
    raise SystemExit(128 + signum)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", default="sqlite", help="'sqlite' or a postgresql:// server URL")
    parser.add_argument("--sizes", default="demo,M,L", help="comma-separated: demo, M, L")
    parser.add_argument("--runs", type=int, default=1, help="measure everything this many times")
    parser.add_argument("--requests", type=int, default=30, help="timed requests per page")
    parser.add_argument("--warmup", type=int, default=2, help="untimed requests per page first")
    parser.add_argument("--pages", help="measure only pages whose '<role> <page>' matches")
    parser.add_argument("--per-pattern", type=int, default=1, help="links measured per route")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--rebuild", action="store_true", help="build the databases again")
    parser.add_argument("--build-only", action="store_true", help="build, measure nothing")
    args = parser.parse_args(argv)
    sizes = [s.strip() for s in args.sizes.split(",") if s.strip()]
    if not sizes or any(s not in scale_data.SIZES for s in sizes):
        parser.error(f"--sizes: some of {', '.join(scale_data.SIZES)}")
    if args.db == "sqlite":
        args.kind = "sqlite"
    elif args.db.startswith(("postgresql://", "postgres://")):
        args.kind = "postgresql"
        args.server = args.db.replace("postgres://", "postgresql://", 1)
    else:
        parser.error("--db must be 'sqlite' or a postgresql:// URL")
    if min(args.runs, args.requests, args.warmup, args.per_pattern, args.workers) < 1:
        parser.error("--runs, --requests, --warmup, --per-pattern and --workers must be ≥ 1")
    signal.signal(signal.SIGTERM, _terminated)

    built = {size: build(args, size) for size in sizes}
    if args.build_only:
        return 0
    failures = 0
    workdir = Path(tempfile.mkdtemp(prefix="zhaoxi-scale-"))
    for run in range(1, args.runs + 1):
        lines = {}
        for size in sizes:
            log(f"run {run}: measuring {size} on {args.kind}")
            pages = serve_and_measure(args, size, built[size], workdir)
            failures += sum(1 for p in pages.values() if p.get("status") not in (200, 302, 303))
            lines[size] = {
                "size": size,
                "db": args.kind,
                "run": run,
                "built": {k: v for k, v in built[size].items() if k != "url"},
                "rows": scale_data.table_counts(rush.make_app(built[size]["url"])),
                "load1": round(os.getloadavg()[0], 2),
                "pages": pages,
            }
            print(json.dumps(lines[size], ensure_ascii=False), flush=True)
        print(json.dumps(summary(lines, args.kind, run), ensure_ascii=False), flush=True)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
