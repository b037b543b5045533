"""Periodic jobs, run by `flask run-jobs` from cron every minute, on one or many
app instances at once.

Each job runs in its own transaction and must be idempotent (conditional updates,
"not yet done" checks), so running twice, or on two machines at the same moment,
changes nothing the second time. On PostgreSQL a transaction-level advisory lock
per job makes a concurrent second run skip the job instead of waiting; on SQLite
the write transaction (BEGIN IMMEDIATE) already serialises runs.
"""

from __future__ import annotations

import zlib
from collections.abc import Callable
from datetime import datetime

from sqlalchemy import text

from app.extensions import db

# name -> function(now) -> int (how many things it did). Areas add their jobs here.
JOBS: dict[str, Callable[[datetime], int]] = {}


def job(name: str):
    def register(func):
        JOBS[name] = func
        return func

    return register


def _try_lock(name: str) -> bool:
    if db.engine.dialect.name != "postgresql":
        return True
    key = zlib.crc32(f"zhaoxi-job:{name}".encode())
    return bool(db.session.scalar(text("SELECT pg_try_advisory_xact_lock(:k)"), {"k": key}))


def run_all(now: datetime, only: list[str] | None = None) -> dict[str, int | None]:
    """Runs every registered job once; returns what each did (None: skipped, locked)."""
    results: dict[str, int | None] = {}
    for name, func in JOBS.items():
        if only and name not in only:
            continue
        try:
            if not _try_lock(name):
                results[name] = None
                db.session.rollback()
                continue
            results[name] = func(now)
            db.session.commit()
        except Exception:
            db.session.rollback()
            raise
    return results
