"""The planner's statistics: SQLite keeps none unless asked, and without them it
may scan a table an index would serve (issue 18). Gathered after every migration
(migrations/env.py) and once a day by the `optimize` job. PostgreSQL's autovacuum
keeps its own: there the job does nothing."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select

from app.extensions import db
from app.models import JobRun
from app.services.jobs import job
from app.timeutil import local_date

# Rows read per index: statistics good enough for the planner, in bounded time
# however large the tables grow (SQLite's own `PRAGMA optimize` uses such a limit).
ANALYSIS_LIMIT = 1000


def refresh_statistics() -> bool:
    """Gathers SQLite's statistics (`PRAGMA optimize`, then a sampled ANALYZE of
    every table: before SQLite 3.46 `optimize` alone looks only at tables this
    connection has read). False on a server, which needs none."""
    connection = db.session.connection()
    if connection.dialect.name != "sqlite":
        return False
    connection.exec_driver_sql("PRAGMA optimize")
    connection.exec_driver_sql(f"PRAGMA analysis_limit={ANALYSIS_LIMIT}")
    connection.exec_driver_sql("ANALYZE")
    return True


def _ran_today(now: datetime) -> bool:
    last = db.session.scalar(select(JobRun.last_run_at).where(JobRun.name == "optimize"))
    return last is not None and local_date(last) == local_date(now)


@job("optimize")
def optimize(now: datetime) -> int:
    """Once a local day: 1 when statistics were refreshed, else 0."""
    if _ran_today(now):
        return 0
    return int(refresh_statistics())
