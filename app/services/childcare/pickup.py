"""Handing a child over at the door: the code check, wrong-code locks and refusals."""

from __future__ import annotations

from datetime import date, datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import case, select, update

from app.database import add_if_new
from app.extensions import db
from app.models import (
    Attendance,
    Person,
    PickupAttempt,
    PickupLock,
    PickupPerson,
    Session,
    User,
)
from app.services import audit
from app.services.childcare.pickup_list import code_matches
from app.services.refusals import NotAllowed
from app.timeutil import local_date

MAX_WRONG_CODES = 5


REFUSALS = {
    "wrong_code": _l("The pickup code is wrong. The child stays with the teacher."),
    "not_listed": _l("This person is not on the child's pickup list. The child stays."),
    "not_today": _l("This person may collect the child on another day only. The child stays."),
    "not_here": _l("This child is not checked in, so there is nothing to check out."),
    "too_many": _l(
        "Too many wrong codes for this child today. Please call the front desk and the guardian."
    ),
}


# --- check-out -------------------------------------------------------------------


LOCK_LIFTED = "pickup_lock_lifted"


def _lock_row(child: Person, day: date) -> PickupLock:
    """The child's lock row for the local date, made (with no wrong codes) if new."""
    query = (
        select(PickupLock)
        .where(PickupLock.child_id == child.id, PickupLock.day == day)
        .execution_options(populate_existing=True)
    )
    lock = db.session.scalar(query)
    if lock is None:
        lock = PickupLock(child_id=child.id, day=day, wrong_codes=0)
        if not add_if_new(lock):  # made a moment ago by a concurrent wrong code
            lock = db.session.scalar(query)
    return lock


def _count_wrong_code(child: Person, now: datetime) -> bool:
    """Counts one wrong code for the child today, locking check-out at the limit.
    False when the lock was on already: nothing counted.

    One conditional UPDATE counts and locks, so wrong codes typed at once on several
    phones never count past the limit, even where nothing else serialises them."""
    lock = _lock_row(child, local_date(now))
    counted = db.session.execute(
        update(PickupLock)
        .where(PickupLock.id == lock.id, PickupLock.locked_at.is_(None))
        .values(
            wrong_codes=PickupLock.wrong_codes + 1,
            locked_at=case((PickupLock.wrong_codes + 1 >= MAX_WRONG_CODES, now), else_=None),
        )
        .execution_options(synchronize_session=False)
    ).rowcount
    db.session.expire(lock)
    return bool(counted)


def check_out(
    child: Person,
    session: Session,
    *,
    pickup_person_id: int | None,
    code: str,
    by: User,
    now: datetime,
) -> PickupAttempt:
    """Lets the child go with a listed person who gives the right code. Every attempt
    is logged; a refused one comes back with `ok` False and a `reason` (see
    REFUSALS) and the child stays checked in.

    Check-outs of one child are serialised on its attendance row (FOR UPDATE), so
    parallel wrong codes are counted one after another and no more than
    MAX_WRONG_CODES are tried; they are counted on the child's PickupLock row of the
    day, which alone says whether check-out is locked."""
    attendance = db.session.scalar(
        select(Attendance)
        .where(Attendance.session_id == session.id, Attendance.person_id == child.id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    pickup = db.session.get(PickupPerson, pickup_person_id) if pickup_person_id else None
    listed = pickup is not None and pickup.child_id == child.id
    attempt = PickupAttempt(
        session_id=session.id,
        child_id=child.id,
        attendance_id=attendance.id if attendance else None,
        pickup_person_id=pickup.id if listed else None,
        pickup_name=pickup.name if listed else None,
        ok=False,
        teacher_id=by.id,
        created_at=now,
    )
    if attendance is None or attendance.checked_in_at is None or attendance.checked_out_at:
        attempt.reason = "not_here"
    elif not listed:
        attempt.reason = "not_listed"
    elif pickup.valid_on is not None and pickup.valid_on != local_date(now):
        attempt.reason = "not_today"
    elif is_locked(child, now):
        attempt.reason = "too_many"
    elif not code_matches(pickup, code):
        # Letters, other scripts' digits, empty: a wrong code, logged and counted.
        attempt.reason = "wrong_code" if _count_wrong_code(child, now) else "too_many"
    else:
        changed = db.session.execute(
            update(Attendance)
            .where(Attendance.id == attendance.id, Attendance.checked_out_at.is_(None))
            .values(checked_out_at=now)
            .execution_options(synchronize_session=False)
        ).rowcount
        db.session.expire(attendance)
        attempt.ok = bool(changed)
        attempt.reason = None if changed else "not_here"
    db.session.add(attempt)
    db.session.flush()
    if not attempt.ok:
        audit.record(by, "pickup_refused", child, now, after={"reason": attempt.reason})
    return attempt


def check_out_or_refuse(
    child: Person,
    session: Session,
    *,
    pickup_person_id: int | None,
    code: str,
    by: User,
    now: datetime,
) -> PickupAttempt:
    """`check_out`, with a refused attempt raised as NotAllowed (403) carrying its
    sentence (`refusal_message`). The attempt is logged and audited before the raise:
    the caller commits on this refusal too (every try at the door is kept)."""
    attempt = check_out(
        child, session, pickup_person_id=pickup_person_id, code=code, by=by, now=now
    )
    if not attempt.ok:
        raise NotAllowed(refusal_message(attempt))
    return attempt


def is_locked(child: Person, now: datetime) -> bool:
    """Whether too many wrong codes today have locked the child's check-out."""
    return (
        db.session.scalar(
            select(PickupLock.id).where(
                PickupLock.child_id == child.id,
                PickupLock.day == local_date(now),
                PickupLock.locked_at.is_not(None),
            )
        )
        is not None
    )


def locked_children(attempts: list[PickupAttempt], now: datetime) -> list[Person]:
    """The children among today's refusals whose check-out is locked, in the order
    of their first refusal in `attempts`."""
    children = {attempt.child_id: attempt.child for attempt in attempts}
    locked = set(
        db.session.scalars(
            select(PickupLock.child_id).where(
                PickupLock.child_id.in_(children),
                PickupLock.day == local_date(now),
                PickupLock.locked_at.is_not(None),
            )
        )
    )
    return [child for child_id, child in children.items() if child_id in locked]


def lift_pickup_lock(child: Person, *, by: User, now: datetime, reason: str) -> None:
    """Staff, having checked who is at the door, let the code be tried again: the
    day's count starts afresh. The audit entry is the record; the door reads only
    the lock row. Raises NotAllowed for anyone but staff."""
    if not by.is_staff:
        raise NotAllowed()
    lock = _lock_row(child, local_date(now))
    lock.wrong_codes = 0
    lock.locked_at = None
    lock.lifted_at = now
    lock.lifted_by_id = by.id
    lock.lift_reason = reason
    audit.record(by, LOCK_LIFTED, child, now, reason=reason)
    db.session.flush()


def refusal_message(attempt: PickupAttempt) -> str:
    return str(REFUSALS.get(attempt.reason, REFUSALS["not_listed"]))
