"""The job runner, an entry point like a view: `flask run-jobs` (cron, every minute)
calls `run_all`, which runs each registered job in its own transaction and commits it.

Importing this module registers every area's jobs (`app.services.jobs.job`), so
`run_all` always sees all of them. On PostgreSQL a transaction-level advisory lock per
job makes a concurrent second run skip the job instead of waiting; on SQLite the write
transaction (BEGIN IMMEDIATE) already serialises runs.
"""

from __future__ import annotations

import zlib
from datetime import datetime

from sqlalchemy import text

import app.services.booking.offers  # noqa: F401  (expire-offers)
import app.services.childcare.pickup_list  # noqa: F401  (forget-expired-pickups)
import app.services.childcare.seed  # noqa: F401  (lottery_seeds)
import app.services.messaging.outbox  # noqa: F401  (send-outbox)
import app.services.messaging.reminders  # noqa: F401  (queue-reminders)
import app.services.people.login  # noqa: F401  (forget-login-failures)
import app.services.welfare.no_shows  # noqa: F401  (no-shows, suspensions, welfare calls)
from app.extensions import db
from app.services import jobs as registry


def _try_lock(name: str) -> bool:
    if db.engine.dialect.name != "postgresql":
        return True
    key = zlib.crc32(f"zhaoxi-job:{name}".encode())
    return bool(db.session.scalar(text("SELECT pg_try_advisory_xact_lock(:k)"), {"k": key}))


def run_all(now: datetime, only: list[str] | None = None) -> dict[str, int | None]:
    """Runs every registered job once, committing after each; returns what each did
    (None: skipped, another run holds its lock). A job that fails is rolled back and
    its error raised; the jobs before it stay committed."""
    results: dict[str, int | None] = {}
    for name, func in registry.JOBS.items():
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
