"""What the periodic jobs have done: one row per job, shared by every instance."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import db


class JobRun(db.Model):
    """A job's record (app/jobs.py writes it, /metrics reads it): how many runs
    completed and how many failed, the last of each, and the minute of the last
    `flask run-jobs` that ran it. That minute lets the runs started on every instance
    at the same minute run the job on one of them only. Counts, not one row per run:
    the table stays as small as the list of jobs."""

    __tablename__ = "job_run"

    name: Mapped[str] = mapped_column(String(60), primary_key=True)
    minute: Mapped[datetime | None]
    runs: Mapped[int] = mapped_column(default=0)
    failures: Mapped[int] = mapped_column(default=0)
    last_run_at: Mapped[datetime | None]
    last_seconds: Mapped[float | None]
    last_failure_at: Mapped[datetime | None]
    # The exception's class only: its text may hold a name or a phone number.
    last_error: Mapped[str | None] = mapped_column(String(120))
