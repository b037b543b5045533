"""The job runner, an entry point like a view: `flask run-jobs` (cron, every minute)
calls `run_all`, which runs each registered job in its own transaction and commits it.

Importing this module registers every area's jobs (`app.services.jobs.job`), so
`run_all` always sees all of them.

Run once across instances: every instance's timer starts `flask run-jobs` at the
same minute. A job runs under its lock (app/job_locks.py: Redis when REDIS_URL is
set, else a PostgreSQL advisory lock, else a file lock beside the SQLite database),
so a runner that finds it taken skips it; and, given the minute (`flask run-jobs`
gives it), a runner arriving after the holder has finished finds the job's record
marked for that minute and skips it too. Jobs are idempotent besides, so a run that
got through anyway would find nothing left to do. Each run and failure is counted in
the job's record (`JobRun`), which /metrics reads.
"""

from __future__ import annotations

import time
from datetime import datetime

from flask import current_app

import app.services.booking.offers  # noqa: F401  (expire-offers)
import app.services.childcare.pickup_list  # noqa: F401  (forget-expired-pickups)
import app.services.childcare.seed  # noqa: F401  (lottery_seeds)
import app.services.messaging.outbox  # noqa: F401  (send-outbox)
import app.services.messaging.reminders  # noqa: F401  (queue-reminders)
import app.services.people.login  # noqa: F401  (forget-login-failures)
import app.services.privacy.retention  # noqa: F401  (retention)
import app.services.statistics  # noqa: F401  (optimize)
import app.services.welfare.no_shows  # noqa: F401  (no-shows, suspensions, welfare calls)
from app.extensions import db
from app.job_locks import JobLock, job_lock
from app.services import jobs as registry

# The order a run takes, so that what one job queues the next finds in the same run:
# offers expire and no-shows are marked (which suspends, and queues notices and the
# welfare calls) before reminders are queued, and the outbox sends last. Jobs not named
# here (a test's own) run after these, in the order they were registered.
ORDER = (
    "forget-login-failures",
    "lottery_seeds",
    "expire-offers",
    "no_shows",
    "queue-reminders",
    "forget-expired-pickups",
    "retention",
    "optimize",
    "send-outbox",
)


def run_all(
    now: datetime, only: list[str] | None = None, *, minute: datetime | None = None
) -> dict[str, int | None]:
    """Runs every registered job once, committing after each; returns what each did
    (None: skipped, another run holds its lock or, given `minute`, has run it for that
    minute). A job that fails is rolled back, counted, and its error raised; the jobs
    before it stay committed."""
    lock = job_lock(current_app.config.get("REDIS_URL"))
    results: dict[str, int | None] = {}
    names = [n for n in ORDER if n in registry.JOBS]
    names += [n for n in registry.JOBS if n not in ORDER]
    for name in names:
        if not only or name in only:
            results[name] = _run_one(name, registry.JOBS[name], now, minute, lock)
    return results


def _run_one(name, func, now: datetime, minute: datetime | None, lock: JobLock) -> int | None:
    with lock(name) as held:
        try:
            if not held or (minute is not None and not registry.claim_minute(name, minute)):
                db.session.rollback()
                return None
            started = time.perf_counter()
            did = func(now)
            registry.note_run(name, now=now, seconds=time.perf_counter() - started)
            db.session.commit()
            return did
        except Exception as error:
            db.session.rollback()
            _count_failure(name, error, now)
            raise


def _count_failure(name: str, error: Exception, now: datetime) -> None:
    try:
        registry.note_failure(name, error, now=now)
        db.session.commit()
    except Exception:
        # The database may be why the job failed: the job's own error is the news.
        db.session.rollback()
