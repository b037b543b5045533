"""The registry of periodic jobs, and each job's record of what it did.

Each area registers its jobs with `@job(name)`. The runner is app/jobs.py (`run_all`,
called by `flask run-jobs` from cron every minute, on one or many app instances at
once): like a view, it owns the transaction, one per job. A job therefore flushes and
never commits, and must be idempotent (conditional updates, "not yet done" checks),
so running twice, or on two machines at the same moment, changes nothing the second
time.

The record (`JobRun`, one row per job) counts the runs and failures, which /metrics
reads, and holds the minute of the last `flask run-jobs` that ran the job
(`claim_minute`): a run started later in the same minute on another instance skips it.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from sqlalchemy import or_, select, update

from app.database import add_if_new
from app.extensions import db
from app.models import JobRun

# name -> function(now) -> int (how many things it did). Areas add their jobs here.
JOBS: dict[str, Callable[[datetime], int]] = {}


def job(name: str):
    def register(func):
        JOBS[name] = func
        return func

    return register


def claim_minute(name: str, minute: datetime) -> bool:
    """Marks job `name` as run for `minute`; False when a run has done so already
    (on this instance or another). Call it under the job's lock (app/job_locks.py),
    in the job's transaction, so the mark stands only if the job's work does."""
    _ensure_record(name)
    claimed = db.session.execute(
        update(JobRun)
        .where(JobRun.name == name, or_(JobRun.minute.is_(None), JobRun.minute < minute))
        .values(minute=minute)
    )
    return claimed.rowcount == 1


def note_run(name: str, *, now: datetime, seconds: float) -> None:
    """Counts a completed run of job `name`, in the job's transaction."""
    _ensure_record(name)
    db.session.execute(
        update(JobRun)
        .where(JobRun.name == name)
        .values(runs=JobRun.runs + 1, last_run_at=now, last_seconds=seconds)
    )


def note_failure(name: str, error: BaseException, *, now: datetime) -> None:
    """Counts a failed run of job `name` (after the job's transaction rolled back)."""
    _ensure_record(name)
    db.session.execute(
        update(JobRun)
        .where(JobRun.name == name)
        .values(
            failures=JobRun.failures + 1,
            last_failure_at=now,
            last_error=type(error).__name__[:120],
        )
    )


def _ensure_record(name: str) -> None:
    # Read first: a failed insert every minute would fill the database's log.
    if db.session.scalar(select(JobRun.name).where(JobRun.name == name)) is None:
        add_if_new(JobRun(name=name))
