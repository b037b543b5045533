"""The retention job started twice at the same moment (two instances' timers, or a
run that got past the lock): each person is anonymised once, with one audit entry,
and every step's rows are changed or deleted once."""

from __future__ import annotations

from sqlalchemy import func, select

from app.extensions import db
from app.jobs import run_all
from app.models import (
    AuditEntry,
    OutboxMessage,
    Person,
    RetentionPreview,
    RetentionPreviewPerson,
)
from app.services.privacy.preview import compute_preview
from app.services.privacy.retention import run_retention
from tests.privacy_helpers import seed_history


def _anonymised() -> int:
    return db.session.scalar(
        select(func.count()).select_from(Person).where(Person.anonymised_at.is_not(None))
    )


def _entries() -> int:
    return db.session.scalar(
        select(func.count()).select_from(AuditEntry).where(AuditEntry.action == "privacy.anonymise")
    )


def _committed(call):
    """`call`, then its thread's commit: what a runner does with the job's work."""

    def run():
        done = call()
        db.session.commit()
        return done

    return run


def test_two_runners_at_once_run_the_retention_job_once(make, fire, now):
    seed_history(make)
    make.commit()
    results = fire([lambda: run_all(now, ["retention"]) for _ in range(2)])
    for result in results:
        assert not isinstance(result, BaseException), result
    done = sorted((r["retention"] for r in results), key=lambda d: d is None)
    # One ran (its lock), the other skipped it, or found it done today.
    assert done[0] == 7 and done[1] in (None, 0)  # the rows of test_privacy.py's first test
    assert (_anonymised(), _entries()) == (2, 2)


def _twice_at_once(fire, work) -> list:
    """`work` in two threads at once, each committing: both must finish."""
    results = fire([_committed(work)] * 2)
    for result in results:
        assert not isinstance(result, BaseException), result
    return results


def test_two_unguarded_runs_at_once_change_each_row_once(app, make, fire, now):
    """Even without the lock, every step is a conditional UPDATE or DELETE."""
    seed_history(make)
    make.commit()

    results = _twice_at_once(fire, lambda: run_retention(now, app.config))
    for step in ("care_notes", "anonymised", "outbox", "login_attempts", "audit"):
        assert sorted(result[step] for result in results)[0] == 0
    assert sum(result["anonymised"] for result in results) == 2
    assert (_anonymised(), _entries()) == (2, 2)
    assert db.session.scalar(select(func.count()).select_from(OutboxMessage)) == 1


def test_two_computations_of_the_preview_at_once_leave_one_whole_list(app, make, fire, now):
    """A double click on "compute again", or the click while the nightly job computes:
    both finish, and the stored list is one whole list (on PostgreSQL the second
    inserted beside the first's uncommitted rows and failed on the key)."""
    seed_history(make)
    make.commit()

    results = _twice_at_once(fire, lambda: compute_preview(now, app.config))
    stored = db.session.scalar(select(func.count()).select_from(RetentionPreviewPerson))
    assert stored == results[0] == results[1] > 0
    assert db.session.scalar(select(func.count()).select_from(RetentionPreview)) == 1
