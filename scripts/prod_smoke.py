"""`make prod-smoke`: the stack of deploy/ on this machine's loopback, under a rush.

    make prod-smoke                    # or: .venv/bin/python scripts/prod_smoke.py
    make prod-smoke FAULT=pg-restart   # PostgreSQL restarts mid-rush instead

What it starts, from the files in deploy/ rather than copies of them: Debian's nginx
(apt-get installs it when missing) with deploy/nginx/zhaoxi.conf, its ports, paths and
certificate moved onto loopback (TLS on a free port with a self-signed certificate made
by openssl, for 127.0.0.1); two gunicorn instances with the ExecStart and Environment
of deploy/systemd/zhaoxi@.service and the settings of deploy/zhaoxi.env.example; a new
database `zhaoxi_smoke_<pid>` on the PostgreSQL server at PG_URL (default
postgresql://postgres@127.0.0.1:5432/postgres), `flask db upgrade`, 400 residents; the
Redis server at REDIS_URL (default redis://127.0.0.1:6379/0), but its database number
SMOKE_REDIS_DB (default 14), emptied before and after: it is the smoke's own.

Then, with bench/rush.py's client (TLS to nginx, residents connecting from many
loopback addresses as from their homes):

1. the rush: every resident, logged in beforehand, presses "book" at once on a
   50-seat session, through nginx. When the 40th answer is in, one instance is
   killed with SIGKILL (FAULT=pg-restart: the PostgreSQL cluster is restarted with
   pg_ctlcluster instead). A resident answered 502/503/504 presses again once (after
   the Retry-After a 503 asks for); a second press answered "already booked" (409)
   counts as booked. The killed instance is then started again, as systemd would;
2. `flask run-jobs` from both instances' settings at once: each job must run once
   (the jobs' records in the job_run table, and each run's output);
3. 40 wrong PINs for one phone number, alternating between the two instances, each
   from another X-Forwarded-For address: the per-number limit (in Redis) must stop
   them after its 10 across both instances, each instance refusing some (429);
4. `flask backup`, `flask restore` into a new database, and the bookings compared,
   and the seat counters checked against the bookings there.

Progress and log tails go to stderr. The last stdout line is one JSON object:
instances, attempts, confirmed, waitlisted, overbooked, lost, errors,
rush_last_answer_s, jobs_ran_once, limits_shared, restore_ok (FAULT=pg-restart adds
fault and back_after_s, the seconds from the restart until /readyz answers 200
through nginx again). The exit status is 1 unless overbooked, lost and errors are 0
and the three flags are true (and, with the fault, back_after_s is under 5).

errors: residents whose last answer was neither a booking nor "already booked" on the
second press, plus a seat counter that disagrees with the bookings; lost: residents
told they were booked who hold no booking; overbooked: confirmed beyond the seats,
plus any person holding two live bookings. Everything it starts it stops by PID;
every request goes to 127.0.0.1. SMOKE_KEEP=1 keeps its directory (logs, configs).
"""

from __future__ import annotations

import asyncio
import json
import os
import pwd
import re
import shlex
import shutil
import signal
import ssl
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import psycopg

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from bench import rush  # noqa: E402  (the bench's client, residents and seeding)

USERS, SEATS = 400, 50
FAULT_AFTER_ANSWERS = 40
BAD_LOGINS = 40
PHONE_LIMIT = 10  # LOGIN_LIMITS_PER_PHONE, "10 per minute"
RETRIED = (502, 503, 504)
BACK_WITHIN_S = 5.0
DEPLOY = ROOT / "deploy"


def log(message: str) -> None:
    print(f"[smoke] {message}", file=sys.stderr, flush=True)


def run(argv: list[str], env: dict | None = None, out: Path | None = None) -> str:
    """Runs a command to its end; its output goes to `out` (and stderr on failure)."""
    done = subprocess.run(argv, cwd=ROOT, env=env, capture_output=True, text=True)
    if out is not None:
        out.write_text(done.stdout + done.stderr)
    if done.returncode != 0:
        raise RuntimeError(
            f"{' '.join(argv[:3])}… exited {done.returncode}:\n{done.stderr[-2000:]}"
        )
    return done.stdout


# ------------------------------------------------------------ the files of deploy/


def unit(path: Path, instance: str, workdir: Path) -> tuple[list[str], dict[str, str]]:
    """A systemd unit's ExecStart (argv) and Environment= settings, moved here: the
    release to this checkout, %i to `instance`, /run/ into `workdir`."""

    def moved(value: str) -> str:
        value = value.replace("%i", instance).replace("/srv/zhaoxi/current", str(ROOT))
        return value.replace("/run/", f"{workdir}/run/")

    env: dict[str, str] = {}
    argv: list[str] = []
    for line in path.read_text().replace("\\\n", " ").splitlines():
        key, _, value = line.partition("=")
        if key == "Environment":
            name, _, setting = value.partition("=")
            env[name] = moved(setting)
        elif key == "ExecStart":
            argv = [moved(arg) for arg in shlex.split(value)]
    # systemd expands ${NAME} in ExecStart from the unit's environment.
    argv = [re.sub(r"\$\{(\w+)\}", lambda m: env[m.group(1)], arg) for arg in argv]
    return argv, env


def env_file(path: Path) -> dict[str, str]:
    settings = {}
    for line in path.read_text().splitlines():
        if line.strip() and not line.lstrip().startswith("#") and "=" in line:
            name, _, value = line.partition("=")
            settings[name.strip()] = value.strip().strip('"')
    return settings


def render_nginx(workdir: Path, ports: list[int], http_port: int, https_port: int) -> Path:
    """deploy/nginx/zhaoxi.conf on loopback, inside a main nginx.conf of our own."""
    site = (DEPLOY / "nginx" / "zhaoxi.conf").read_text()
    changes = [
        ("    listen [::]:80;\n", ""),
        ("    listen [::]:443 ssl http2;\n", ""),
        ("listen 80;", f"listen 127.0.0.1:{http_port};"),
        ("listen 443 ssl http2;", f"listen 127.0.0.1:{https_port} ssl http2;"),
        ("127.0.0.1:8001", f"127.0.0.1:{ports[0]}"),
        ("127.0.0.1:8002", f"127.0.0.1:{ports[1]}"),
        ("/etc/letsencrypt/live/zhaoxi.example.org/fullchain.pem", str(workdir / "cert.pem")),
        ("/etc/letsencrypt/live/zhaoxi.example.org/privkey.pem", str(workdir / "key.pem")),
        ("/var/log/nginx/", f"{workdir}/logs/"),
        ("/var/www/html", f"{workdir}/www"),
        ("/srv/zhaoxi/current/", f"{ROOT}/"),
    ]
    for old, new in changes:
        if old not in site:  # the site changed: this smoke must change with it
            raise RuntimeError(f"deploy/nginx/zhaoxi.conf no longer has {old.strip()!r}")
        site = site.replace(old, new)
    (workdir / "zhaoxi.conf").write_text(site)
    temp = workdir / "tmp"
    temp.mkdir()
    # As root, nginx's workers run as nobody (Debian's www-data is the system nginx's).
    user = "user nobody nogroup;" if os.geteuid() == 0 else ""
    if user:
        nobody = pwd.getpwnam("nobody")
        os.chown(temp, nobody.pw_uid, nobody.pw_gid)
        workdir.chmod(0o711)
    main = f"""{user}
worker_processes 2;
pid {workdir}/nginx.pid;
error_log {workdir}/logs/error.log warn;
events {{ worker_connections 2048; }}
http {{
    include /etc/nginx/mime.types;
    default_type application/octet-stream;
    sendfile on;
    client_body_temp_path {temp}/body;
    proxy_temp_path {temp}/proxy;
    fastcgi_temp_path {temp}/fastcgi;
    uwsgi_temp_path {temp}/uwsgi;
    scgi_temp_path {temp}/scgi;
    include {workdir}/zhaoxi.conf;
}}
"""
    (workdir / "nginx.conf").write_text(main)
    return workdir / "nginx.conf"


# ---------------------------------------------------------------------- the stack


@dataclass
class Stack:
    workdir: Path
    db_url: str
    redis_url: str
    ports: list[int]
    https_port: int
    instances: dict[int, subprocess.Popen] = field(default_factory=dict)
    nginx: subprocess.Popen | None = None
    secret: str = field(default_factory=lambda: os.urandom(16).hex())

    def __post_init__(self) -> None:
        (self.workdir / "logs").mkdir(exist_ok=True)

    def settings(self, unit_name: str, instance: str = "") -> tuple[list[str], dict]:
        """The command and environment of `unit_name` (deploy/systemd), as systemd
        would run it with /etc/zhaoxi/zhaoxi.env, on the smoke's database and Redis."""
        argv, unit_env = unit(DEPLOY / "systemd" / unit_name, instance, self.workdir)
        env = {k: v for k, v in os.environ.items() if k not in ("FROZEN_NOW", "FLASK_APP")}
        env.update(env_file(DEPLOY / "zhaoxi.env.example"))
        env.update(
            DATABASE_URL=self.db_url,
            REDIS_URL=self.redis_url,
            SECRET_KEY=self.secret,  # one for all: a session works on every instance
            PICKUP_CODE_KEY="prod-smoke-pickup",
        )
        env.update(unit_env)
        return argv, env

    def start(self) -> None:
        """Empties the smoke's Redis database, then nginx and the two instances."""
        import redis

        redis.Redis.from_url(self.redis_url).flushdb()
        conf = render_nginx(self.workdir, self.ports, rush.free_port(), self.https_port)
        nginx = ["nginx", "-p", str(self.workdir), "-e", str(self.workdir / "logs" / "error.log"),
                 "-c", str(conf)]  # fmt: skip
        run([*nginx, "-t", "-q"])
        self.nginx = subprocess.Popen(
            [*nginx, "-g", "daemon off;"], stdin=subprocess.DEVNULL, start_new_session=True
        )
        for port in self.ports:
            self.start_instance(port)
        log(f"nginx (pid {self.nginx.pid}) on https://127.0.0.1:{self.https_port}, "
            f"instances on {self.ports}")  # fmt: skip

    def start_instance(self, port: int) -> None:
        argv, env = self.settings("zhaoxi@.service", str(port))
        metrics = Path(env["PROMETHEUS_MULTIPROC_DIR"])
        shutil.rmtree(metrics, ignore_errors=True)  # RuntimeDirectory: empty at start
        metrics.mkdir(parents=True)
        with open(self.workdir / "logs" / f"instance-{port}.log", "ab") as out:
            self.instances[port] = subprocess.Popen(
                argv,
                cwd=ROOT,
                env=env,
                stdout=out,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                start_new_session=True,  # its own process group: the instance, workers too
            )

    def kill_instance(self, port: int) -> None:
        """SIGKILL to the instance's master and workers (its process group)."""
        os.killpg(self.instances[port].pid, signal.SIGKILL)
        self.instances[port].wait()

    def flask(self, *args: str, env_extra: dict | None = None, out: str = "") -> str:
        _argv, env = self.settings("zhaoxi-jobs.service")
        env.update(env_extra or {})
        log_path = self.workdir / "logs" / out if out else None
        return run([str(ROOT / ".venv" / "bin" / "flask"), *args], env, log_path)

    def stop(self, show_logs: bool = False) -> None:
        """Stops what it started, by PID; empties the smoke's Redis database."""
        started = [*self.instances.values(), self.nginx]
        for proc in started:
            if proc is not None and proc.poll() is None:
                proc.send_signal(signal.SIGQUIT if proc is self.nginx else signal.SIGTERM)
        for proc in started:
            if proc is None:
                continue
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()
        if self.nginx is not None:
            import redis

            redis.Redis.from_url(self.redis_url).flushdb()
        for log_file in sorted((self.workdir / "logs").iterdir()) if show_logs else ():
            tail = log_file.read_text(errors="replace").splitlines()[-15:]
            log(f"{log_file.name} (tail):\n" + "\n".join(tail))


PLAIN = rush.Client()  # straight to an instance's port, as nginx talks to it


async def wait_ready(port: int, client: rush.Client = PLAIN, timeout: float = 60) -> None:
    raw = rush.build_request(port, "GET", "/readyz")
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        answer = await rush.send(port, raw, timeout=2, client=client)
        if answer.status == 200:
            return
        await asyncio.sleep(0.2)
    raise RuntimeError(f"nothing ready on port {port} after {timeout:.0f} s")


# ---------------------------------------------------------------------- the rush


@dataclass
class Rush:
    answers: dict[str, str] = field(default_factory=dict)  # phone -> final verdict
    first: int = 0  # first presses answered so far
    last_at: float = 0.0
    fault_at: float | None = None
    pressed_again: dict[str, int] = field(default_factory=dict)  # first answer -> second
    back_after_s: float | None = None


def verdict(answer: rush.Answer, second_press: bool) -> str:
    said = rush.booking_outcome(answer)
    if second_press and answer.status == 409:
        return "already booked"  # the first press went through before its answer was lost
    return said


async def rush_phase(stack: Stack, world, fault: str) -> Rush:
    port = stack.https_port
    result = Rush()
    trigger = asyncio.Event()
    start = time.perf_counter()

    async def press(resident: rush.Resident) -> None:
        raw = rush.booking_request(
            port, resident, resident.person_ids[0], world.rush_activity, world.rush_session
        )
        answer = await rush.send(port, raw, timeout=rush.RUSH_TIMEOUT)
        result.first += 1
        if result.first == FAULT_AFTER_ANSWERS:
            trigger.set()
        said = verdict(answer, second_press=False)
        if answer.status in RETRIED:
            first_status = answer.status
            # A person pressing again: at once after a gateway error, after the
            # Retry-After the app's 503 asks for.
            wait = answer.header("Retry-After")
            await asyncio.sleep(min(float(wait), 10) if wait and wait.isdigit() else 1.0)
            answer = await rush.send(port, raw, timeout=rush.RUSH_TIMEOUT)
            said = verdict(answer, second_press=True)
            key = f"{first_status} then {said}"
            result.pressed_again[key] = result.pressed_again.get(key, 0) + 1
        result.answers[resident.phone] = said
        result.last_at = time.perf_counter() - start

    async def strike() -> None:
        await trigger.wait()
        result.fault_at = time.perf_counter() - start
        if fault == "pg-restart":
            result.back_after_s = await restart_postgres(stack)
        else:
            stack.kill_instance(stack.ports[0])
        log(f"fault ({fault or 'SIGKILL ' + str(stack.ports[0])}) at {result.fault_at:.2f} s")

    striker = asyncio.create_task(strike())
    await asyncio.wait_for(
        asyncio.gather(*(press(r) for r in world.residents)), rush.RUSH_TIMEOUT + 20
    )
    await asyncio.wait_for(striker, 30)
    return result


def postgres_cluster(pg_url: str) -> tuple[str, str]:
    """The (version, name) of the local cluster listening on PG_URL's port."""
    port = str(urlsplit(pg_url).port or 5432)
    for line in run(["pg_lsclusters", "--no-header"]).splitlines():
        version, name, cluster_port, *_ = line.split()
        if cluster_port == port:
            return version, name
    raise RuntimeError(f"pg_lsclusters lists no cluster on port {port}")


async def restart_postgres(stack: Stack) -> float:
    """Restarts the cluster; returns the seconds until /readyz is 200 through nginx."""
    version, name = postgres_cluster(os.environ.get("PG_URL", DEFAULT_PG))
    t0 = time.perf_counter()
    restart = await asyncio.create_subprocess_exec("pg_ctlcluster", version, name, "restart")
    if await restart.wait() != 0:
        raise RuntimeError(f"pg_ctlcluster {version} {name} restart failed")
    log(f"pg_ctlcluster {version} {name} restart took {time.perf_counter() - t0:.2f} s")
    raw = rush.build_request(stack.https_port, "GET", "/readyz")
    while time.perf_counter() - t0 < 60:
        if (await rush.send(stack.https_port, raw, timeout=5)).status == 200:
            return time.perf_counter() - t0
        await asyncio.sleep(0.1)
    raise RuntimeError("the site was not ready a minute after the restart")


def count(db_url: str, world, result: Rush) -> dict:
    """confirmed, waitlisted, overbooked, lost and errors from the database."""
    with psycopg.connect(db_url) as conn:
        live = {}
        for person_id, status in conn.execute(
            "SELECT person_id, status FROM booking WHERE session_id = %s "
            "AND status IN ('confirmed', 'waitlisted', 'offered')",
            (world.rush_session,),
        ):
            live.setdefault(person_id, []).append(status)
        taken, capacity = conn.execute(
            "SELECT taken, capacity FROM activity_session WHERE id = %s", (world.rush_session,)
        ).fetchone()
    statuses = [s for held in live.values() for s in held]
    confirmed, waitlisted = statuses.count("confirmed"), statuses.count("waitlisted")
    booked = ("confirmed", "waitlisted", "already booked")
    told = {r.person_ids[0] for r in world.residents if result.answers.get(r.phone) in booked}
    failed = [said for said in result.answers.values() if said not in booked]
    if failed:
        log(f"answers that were not a booking: {sorted(set(failed))}")
    mismatch = taken != confirmed + statuses.count("offered")
    if mismatch:
        log(
            f"SEAT COUNTER MISMATCH: taken {taken}, seats held {statuses.count('offered') + confirmed}"
        )
    return {
        "confirmed": confirmed,
        "waitlisted": waitlisted,
        "overbooked": max(0, confirmed - capacity) + sum(len(h) - 1 for h in live.values()),
        "lost": len(told - set(live)),
        "errors": len(failed) + (len(world.residents) - len(result.answers)) + int(mismatch),
    }


# ----------------------------------------------------------- jobs, limits, backup


def job_runs(db_url: str) -> dict[str, tuple[int, int]]:
    with psycopg.connect(db_url) as conn:
        return {n: (r, f) for n, r, f in conn.execute("SELECT name, runs, failures FROM job_run")}


def jobs_once(stack: Stack) -> bool:
    """`flask run-jobs` from both instances at once: every job ran once in all."""
    if time.localtime().tm_sec > 50:  # both runs in the same minute, as the timers start them
        time.sleep(61 - time.localtime().tm_sec)
    before = job_runs(stack.db_url)
    argv, env = stack.settings("zhaoxi-jobs.service")
    runners = []
    for port in stack.ports:
        with open(stack.workdir / "logs" / f"run-jobs-{port}.log", "w") as err:
            runners.append(
                subprocess.Popen(
                    argv, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=err, text=True
                )
            )
    outputs = [(proc.communicate(timeout=120)[0], proc.returncode) for proc in runners]
    after = job_runs(stack.db_url)
    ran: dict[str, int] = {}
    for stdout, _code in outputs:
        for line in stdout.splitlines():
            name, _, said = line.partition(": ")
            ran[name] = ran.get(name, 0) + (0 if said.startswith("skipped") else 1)
    deltas = {name: after[name][0] - before.get(name, (0, 0))[0] for name in after}
    failures = {name: after[name][1] - before.get(name, (0, 0))[1] for name in after}
    log(f"run-jobs twice at once: ran {ran}; job_run runs added {deltas}")
    return (
        all(code == 0 for _stdout, code in outputs)
        and bool(ran)
        and set(ran) == set(deltas)
        and all(n == 1 for n in ran.values())
        and all(n == 1 for n in deltas.values())
        and not any(failures.values())
    )


async def limits_shared(stack: Stack, phone: str) -> bool:
    """Wrong PINs for one number, alternating instances and addresses: the limit per
    number (Redis) stops them after PHONE_LIMIT in all, and both instances refuse."""
    visitors = {}
    for port in stack.ports:
        visitor = rush.Resident(phone=phone, person_ids=[])
        answer = await rush.send(port, rush.build_request(port, "GET", "/login"), client=PLAIN)
        visitor.take_cookies(answer)
        visitor.csrf = rush.csrf_from(answer.body) or ""
        visitors[port] = visitor
    statuses: dict[int, list[int]] = {port: [] for port in stack.ports}
    for i in range(BAD_LOGINS):
        port = stack.ports[i % 2]
        visitor = visitors[port]
        form = {"csrf_token": visitor.csrf, "phone": phone, "secret": "000000", "next": ""}
        raw = rush.build_request(
            port,
            "POST",
            "/login",
            cookies=visitor.cookie_header,
            form=form,
            extra=(f"X-Forwarded-For: 198.51.100.{i + 1}",),
        )
        statuses[port].append((await rush.send(port, raw, client=PLAIN)).status)
    through = sum(1 for answers in statuses.values() for s in answers if s != 429)
    log(f"wrong PINs: answered {statuses}; {through} reached the PIN check")
    return through <= PHONE_LIMIT and all(429 in answers for answers in statuses.values())


BOOKING_COLUMNS = "id, person_id, session_id, activity_id, status, household_id"


def restore_ok(stack: Stack, restored_url: str) -> bool:
    """Backup, restore into `restored_url` (empty), and compare."""
    dump = stack.workdir / "smoke.dump"
    stack.flask("backup", str(dump), out="backup.log")
    stack.flask("restore", str(dump), env_extra={"DATABASE_URL": restored_url}, out="restore.log")
    query = f"SELECT {BOOKING_COLUMNS} FROM booking ORDER BY id"
    with psycopg.connect(stack.db_url) as live, psycopg.connect(restored_url) as copy:
        same = live.execute(query).fetchall() == copy.execute(query).fetchall()
        count_ = copy.execute("SELECT count(*) FROM booking").fetchone()[0]
        off = copy.execute(
            "SELECT s.id FROM activity_session s WHERE s.taken > s.capacity OR s.taken <> "
            "(SELECT count(*) FROM booking b WHERE b.session_id = s.id "
            "AND b.status IN ('confirmed', 'offered'))"
        ).fetchall()
    log(f"restored {count_} bookings: same as the live database {same}; seat counters off {off}")
    return same and count_ > 0 and not off


# ------------------------------------------------------------------------- main

DEFAULT_PG = "postgresql://postgres@127.0.0.1:5432/postgres"


def ensure_nginx() -> None:
    if shutil.which("nginx"):
        return
    log("installing nginx (apt)")
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    run(["apt-get", "update", "-qq"], env)
    run(["apt-get", "install", "-y", "-qq", "nginx"], env)


def certificate(workdir: Path) -> ssl.SSLContext:
    """A self-signed certificate for 127.0.0.1, and a client context trusting it."""
    run(
        ["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
         "-nodes", "-days", "1", "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1",
         "-keyout", str(workdir / "key.pem"), "-out", str(workdir / "cert.pem")]
    )  # fmt: skip
    return ssl.create_default_context(cafile=str(workdir / "cert.pem"))


def redis_for_smoke(url: str) -> str:
    """REDIS_URL's server with the smoke's own database number."""
    own = "/" + os.environ.get("SMOKE_REDIS_DB", "14")
    return urlunsplit(urlsplit(url)._replace(path=own))


async def exercise(stack: Stack, world, fault: str) -> dict:
    """Logs every resident in through nginx, then the rush and the wrong PINs."""
    for port in stack.ports:
        await wait_ready(port)
    await wait_ready(stack.https_port, rush.CLIENT)
    t0 = time.perf_counter()
    gate = asyncio.Semaphore(32)
    page = f"/classes/{world.rush_activity}"

    async def one(resident):
        async with gate:
            return await rush.log_in(stack.https_port, resident, page)

    problems = [p for p in await asyncio.gather(*(one(r) for r in world.residents)) if p]
    if problems:
        raise RuntimeError(f"{len(problems)} logins failed, e.g. {problems[0]}")
    log(f"{USERS} residents logged in through nginx ({time.perf_counter() - t0:.1f} s)")
    result = await rush_phase(stack, world, fault)
    log(f"rush: last answer after {result.last_at:.2f} s; pressed again: {result.pressed_again}")
    if not fault:  # systemd's Restart=on-failure brings the killed instance back
        stack.start_instance(stack.ports[0])
        await wait_ready(stack.ports[0])
    counted = count(stack.db_url, world, result)
    counted["limits_shared"] = await limits_shared(stack, world.residents[-1].phone)
    counted["rush_last_answer_s"] = round(result.last_at, 3)
    if fault:
        back = result.back_after_s
        counted.update(fault=fault, back_after_s=round(back, 2) if back is not None else None)
    return counted


KEYS = ("instances", "attempts", "confirmed", "waitlisted", "overbooked", "lost", "errors",
        "rush_last_answer_s", "jobs_ran_once", "limits_shared", "restore_ok")  # fmt: skip


def main() -> int:
    fault = os.environ.get("FAULT", "")
    if fault not in ("", "pg-restart"):
        sys.exit(f"FAULT={fault}: the only fault is pg-restart")
    signal.signal(signal.SIGTERM, lambda signum, _frame: sys.exit(128 + signum))
    started = time.perf_counter()
    pg_server = os.environ.get("PG_URL", DEFAULT_PG).replace("+psycopg", "")
    names = [f"zhaoxi_smoke_{os.getpid()}", f"zhaoxi_smoke_{os.getpid()}_restored"]
    workdir = Path(tempfile.mkdtemp(prefix="zhaoxi-smoke-"))
    stack = Stack(
        workdir,
        db_url=rush.with_database(pg_server, names[0]),
        redis_url=redis_for_smoke(os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0")),
        ports=[rush.free_port(), rush.free_port()],
        https_port=rush.free_port(),
    )
    ok = False
    try:
        ensure_nginx()
        rush.CLIENT = rush.Client(
            tls=certificate(workdir),
            origin="https://127.0.0.1",  # the site on its usual port, as nginx passes $host
            sources=tuple(f"127.0.{n // 250 + 1}.{n % 250 + 1}" for n in range(500)),
        )
        restored_url = [rush.create_pg_database(pg_server, name) for name in names][1]
        stack.flask("db", "upgrade", out="db-upgrade.log")
        world = rush.seed(rush.make_app(stack.db_url), USERS, SEATS, 1)
        log(f"database {names[0]}: migrated, {USERS} residents, a {SEATS}-seat session")
        stack.start()
        result = {"instances": 2, "attempts": USERS, **asyncio.run(exercise(stack, world, fault))}
        result["jobs_ran_once"] = jobs_once(stack)
        result["restore_ok"] = restore_ok(stack, restored_url)
        result = {key: result[key] for key in KEYS + tuple(k for k in result if k not in KEYS)}
        ok = (
            result["overbooked"] == result["lost"] == result["errors"] == 0
            and result["jobs_ran_once"]
            and result["limits_shared"]
            and result["restore_ok"]
            and (not fault or (result["back_after_s"] or 99) < BACK_WITHIN_S)
        )
    finally:
        stack.stop(show_logs=not ok)
        for name in names:
            try:
                rush.drop_pg_database(pg_server, name)
            except Exception as error:  # report, but do not hide the real error
                log(f"could not drop database {name}: {error}")
        if os.environ.get("SMOKE_KEEP"):
            log(f"kept {workdir}")
        else:
            shutil.rmtree(workdir, ignore_errors=True)
    log(f"done in {time.perf_counter() - started:.1f} s")
    print(json.dumps(result), flush=True)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
