"""The stored preview of the next retention run (issue 18): whom it would anonymise
and when they were last active, computed by the daily `retention` job (after its
run) or by staff on demand, and read by the staff page, which would otherwise
compute every person's last activity over the whole history on each view.

The run itself never reads this: it computes live (activity.py), so nobody is
anonymised from a stale list. Reading filters out whoever was held, anonymised or
given a staff account since, so a hold shows at once."""

from __future__ import annotations

import zlib
from dataclasses import dataclass
from datetime import datetime, time, timedelta

from sqlalchemy import delete, func, insert, select, text
from sqlalchemy.orm import contains_eager

from app import database
from app.extensions import db
from app.models import Person, RetentionPreview, RetentionPreviewPerson
from app.services.privacy.activity import Due, due_ids, inactive_since, on_hold, staff_account
from app.services.transactions import commit_step
from app.timeutil import from_local, local_date

# The advisory lock's key on PostgreSQL, made as the jobs' keys are (app/job_locks.py).
_LOCK_KEY = zlib.crc32(b"zhaoxi:retention-preview")


def next_run_at(now: datetime) -> datetime:
    """When the next daily run is due after `now`: the start of the next local day
    (the job runs once a local day, in its first minute). The preview is of that run:
    computed as of now, right after a run, it would list nobody (that run has just
    anonymised everyone due now), and it would miss whoever crosses the line before
    the next one."""
    return from_local(datetime.combine(local_date(now) + timedelta(days=1), time()))


def compute_preview(now: datetime, settings) -> int:
    """Replaces the stored preview with whom the next run after `now` would anonymise
    (`next_run_at`); how many. Flushes, never commits: for the nightly job, whose
    transaction it joins. Two at once (a double click, the nightly job) take turns: on
    PostgreSQL a transaction-scoped advisory lock (the second would otherwise insert
    beside the first's uncommitted rows and fail on the key); SQLite's write
    transaction already excludes the other."""
    return _store(db.session.execute(due_ids(next_run_at(now), settings)).all(), now)


def compute_preview_aside(now: datetime, settings) -> int:
    """`compute_preview` for the desk's button: the whole history is read in a read
    transaction of its own, and only the list is written, in a short write
    transaction (the caller commits it). On SQLite a write transaction holds the whole
    database from its BEGIN, and at two years' size the read takes seconds: every
    booking would wait for it (as `people.login.log_in` keeps the hash check out)."""
    commit_step()  # whatever the request did before, it is done
    with database.read_only_transactions():
        rows = db.session.execute(due_ids(next_run_at(now), settings)).all()
        commit_step()  # ends the read transaction
    with database.write_transactions():
        return _store(rows, now)


def _store(rows, now: datetime) -> int:
    if db.engine.dialect.name == "postgresql":
        db.session.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": _LOCK_KEY})
    db.session.execute(delete(RetentionPreviewPerson))
    db.session.execute(delete(RetentionPreview))
    if rows:
        db.session.execute(
            insert(RetentionPreviewPerson),
            [{"person_id": person_id, "last_active": last} for person_id, last in rows],
        )
    db.session.add(RetentionPreview(computed_at=now))
    db.session.flush()
    return len(rows)


@dataclass
class StoredPreview:
    """The first `limit` people of the stored preview still due, how many in all,
    and when it was computed."""

    due: list[Due]
    count: int
    computed_at: datetime


def _still_due():
    return (
        Person.anonymised_at.is_(None),
        ~on_hold(RetentionPreviewPerson.person_id),
        ~staff_account(RetentionPreviewPerson.person_id),
    )


def stored_preview(limit: int) -> StoredPreview | None:
    """The stored preview (None: never computed), less whoever is no longer due."""
    computed_at = db.session.scalar(select(RetentionPreview.computed_at))
    if computed_at is None:
        return None
    rows = (
        select(RetentionPreviewPerson)
        .join(Person, Person.id == RetentionPreviewPerson.person_id)
        .where(*_still_due())
    )
    count = db.session.scalar(select(func.count()).select_from(rows.subquery()))
    first = db.session.scalars(
        rows.options(contains_eager(RetentionPreviewPerson.person))
        .order_by(RetentionPreviewPerson.last_active, RetentionPreviewPerson.person_id)
        .limit(limit)
    )
    return StoredPreview([Due(r.person, r.last_active) for r in first], count, computed_at)


def preview_inactive_since(preview: StoredPreview | None, now: datetime, settings) -> datetime:
    """The day the preview's people have had no activity since: counted from the run
    it is of (`next_run_at` its computation), or, never computed, from the next run."""
    return inactive_since(next_run_at(preview.computed_at if preview else now), settings)
