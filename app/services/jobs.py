"""The registry of periodic jobs: each area registers its jobs with `@job(name)`.

The runner is app/jobs.py (`run_all`, called by `flask run-jobs` from cron every
minute, on one or many app instances at once): like a view, it owns the transaction,
one per job. A job therefore flushes and never commits, and must be idempotent
(conditional updates, "not yet done" checks), so running twice, or on two machines at
the same moment, changes nothing the second time.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

# name -> function(now) -> int (how many things it did). Areas add their jobs here.
JOBS: dict[str, Callable[[datetime], int]] = {}


def job(name: str):
    def register(func):
        JOBS[name] = func
        return func

    return register
