"""The `retention` job: how long the centre keeps what (issue 14).

A list of steps (`STEPS`), each a small function `(now, settings) -> int` (how many
rows it changed or deleted), every one a conditional UPDATE or DELETE, so a second
run finds nothing left to do. The periods are settings (config.py, "Retention
periods"):

- care notes: erased RETENTION_CARE_NOTES_DAYS after the person's last booked
  session (or, never booked, their registration);
- people: anonymised after RETENTION_INACTIVE_MONTHS without activity
  (activity.py says what counts; anonymise.py what goes), their household too
  when no member is left;
- outbox messages: deleted RETENTION_OUTBOX_DAYS after they were queued;
- login attempts: deleted RETENTION_LOGIN_ATTEMPTS_DAYS after the last wrong try;
- audit entries: deleted after RETENTION_AUDIT_YEARS.

People on hold (holds.py) keep their care notes and are not anonymised.
The job runs once a local day: later runs of the day return 0 at once. After its
run it stores the preview of the next one (preview.py), which the staff page reads.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import delete, select, union, update

from app.extensions import db
from app.models import (
    AccessRecord,
    Attendance,
    AuditEntry,
    Booking,
    BookingStatus,
    JobRun,
    LoginAttempt,
    LoginCap,
    LotteryApplication,
    OutboxMessage,
    Person,
    PrivacyHold,
    Session,
)
from app.services.jobs import job
from app.services.privacy.activity import due_for_anonymisation, months_before
from app.services.privacy.anonymise import anonymise_person
from app.services.privacy.preview import compute_preview
from app.timeutil import local_date

Step = Callable[[datetime, dict], int]


def _no_sync(statement) -> int:
    return db.session.execute(statement.execution_options(synchronize_session=False)).rowcount


def _held():
    return select(PrivacyHold.person_id)


def booked_since(moment: datetime):
    """Ids of people with a booked (not cancelled) session, a lottery application,
    or an attendance mark for a session ending at `moment` or later."""
    booked = Booking.status != BookingStatus.CANCELLED
    return union(
        select(Booking.person_id)
        .join(Session, Session.id == Booking.session_id)
        .where(booked, Session.ends_at >= moment),
        select(Booking.person_id)
        .join(Session, Session.activity_id == Booking.activity_id)
        .where(booked, Booking.session_id.is_(None), Session.ends_at >= moment),
        select(LotteryApplication.person_id)
        .join(Session, Session.id == LotteryApplication.session_id)
        .where(Session.ends_at >= moment),
        select(Attendance.person_id)
        .join(Session, Session.id == Attendance.session_id)
        .where(Session.ends_at >= moment),
    )


def erase_care_notes(now: datetime, settings) -> int:
    since = now - timedelta(days=settings["RETENTION_CARE_NOTES_DAYS"])
    return _no_sync(
        update(Person)
        .where(
            Person.care_notes.is_not(None),
            Person.created_at < since,
            Person.id.not_in(booked_since(since)),
            Person.id.not_in(_held()),
        )
        .values(care_notes=None)
    )


def anonymise_inactive(now: datetime, settings) -> int:
    return sum(
        anonymise_person(due.person, now=now, by=None, why="retention")
        for due in due_for_anonymisation(now, settings)
    )


def forget_outbox(now: datetime, settings) -> int:
    before = now - timedelta(days=settings["RETENTION_OUTBOX_DAYS"])
    return _no_sync(delete(OutboxMessage).where(OutboxMessage.created_at < before))


def forget_login_attempts(now: datetime, settings) -> int:
    days = settings["RETENTION_LOGIN_ATTEMPTS_DAYS"]
    before = now - timedelta(days=days)
    pairs = _no_sync(delete(LoginAttempt).where(LoginAttempt.last_failed_at < before))
    # A number on the desk's list of locked accounts stays until staff unlock it.
    caps = _no_sync(
        delete(LoginCap).where(LoginCap.day < local_date(before), LoginCap.flagged_at.is_(None))
    )
    return pairs + caps


def forget_audit(now: datetime, settings) -> int:
    before = months_before(now, 12 * settings["RETENTION_AUDIT_YEARS"])
    return _no_sync(delete(AuditEntry).where(AuditEntry.created_at < before))


def forget_access_records(now: datetime, settings) -> int:
    """Who saw a child's data is kept RETENTION_ACCESS_RECORDS_YEARS, then goes."""
    before = months_before(now, 12 * settings["RETENTION_ACCESS_RECORDS_YEARS"])
    return _no_sync(delete(AccessRecord).where(AccessRecord.at < before))


# The steps in order (care notes before anonymisation, which erases them anyway).
STEPS: list[tuple[str, Step]] = [
    ("care_notes", erase_care_notes),
    ("anonymised", anonymise_inactive),
    ("outbox", forget_outbox),
    ("login_attempts", forget_login_attempts),
    ("access_records", forget_access_records),
    ("audit", forget_audit),
]


def run_retention(now: datetime, settings=None) -> dict[str, int]:
    """Runs every step; returns what each did. Flushes, never commits."""
    settings = settings if settings is not None else current_app.config
    done = {name: step(now, settings) for name, step in STEPS}
    db.session.flush()
    return done


def ran_today(now: datetime) -> bool:
    last = db.session.scalar(select(JobRun.last_run_at).where(JobRun.name == "retention"))
    return last is not None and local_date(last) == local_date(now)


@job("retention")
def retention(now: datetime) -> int:
    """Once a local day: every step of `run_retention`, then the stored preview of
    the next run; how many rows the steps changed."""
    if ran_today(now):
        return 0
    changed = sum(run_retention(now).values())
    compute_preview(now, current_app.config)
    return changed
