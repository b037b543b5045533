"""A holiday submission is decided in one pass (claims.Decider) by exactly the
rules the pair-by-pair booking applies (`_decide_unit`, kept for after-school
terms): the same answers, seats, waiting lists and rows, on random programmes,
families and submissions (siblings together, whole weeks, day limits, full days,
no waiting list, clashes, suspensions, closed days, grades, staff at the desk)."""

from __future__ import annotations

import random
from datetime import datetime, timedelta

import pytest
from sqlalchemy import select

from app.extensions import db
from app.models import Booking, BookingStatus, Channel, Role, SessionStatus, Suspension
from app.services.booking.place import place_booking
from app.services.booking.targets import Target
from app.services.childcare import submissions
from app.services.childcare.programmes import close_day
from app.services.schedule.activities import create_activity
from app.services.schedule.sessions import add_session
from app.timeutil import from_local
from tests.conftest import assert_seat_invariant
from tests.programme_helpers import WINTER_START, family, holiday, sessions


def _scenario(make, now, rng):
    """A programme with some seats gone, families and the submissions they make."""
    staff = make.user(role=Role.STAFF, age=40)
    programme = holiday(
        make,
        staff=staff,
        capacity=rng.randint(1, 3),
        days=rng.choice((5, 10)),
        slots=rng.choice((("full",), ("morning", "afternoon"), ("full", "morning"))),
        weekly_blocks=rng.random() < 0.3,
        per_child_limit=rng.choice((None, None, 2, 4)),
        min_grade=1,
        max_grade=6,
        opens_at=now + (timedelta(hours=1) if rng.random() < 0.05 else -timedelta(hours=1)),
    )
    programme.activity.waitlist_enabled = rng.random() < 0.8
    if rng.random() < 0.2:
        close_day(programme, WINTER_START + timedelta(days=rng.randint(0, 4)), by=staff, now=now)
    slots = [s for s in sessions(programme)]
    families = []
    for _ in range(rng.randint(3, 6)):
        ages = tuple(rng.choice((6, 7, 8, 9, 10, 11, 4, 15)) for _ in range(3))
        guardian, kids = family(make, children=rng.randint(1, 3), ages=ages)
        families.append((guardian, kids))
    # Another class at the same time as one holiday morning, booked by some child.
    other = create_activity(now=now, title="书法班", capacity=5, category="calligraphy")
    day = WINTER_START + timedelta(days=rng.randint(0, 4))
    clash = add_session(
        other,
        from_local(datetime(day.year, day.month, day.day, 10)),
        from_local(datetime(day.year, day.month, day.day, 11)),
    )
    _, kids = rng.choice(families)
    desk = make.user(role="staff", age=40)  # weeks ahead: beyond a resident's horizon
    place_booking(rng.choice(kids), Target(other, clash), by=desk, channel=Channel.DESK, now=now)
    if rng.random() < 0.3:
        _, kids = rng.choice(families)
        db.session.add(
            Suspension(
                person_id=rng.choice(kids).id,
                starts_at=now - timedelta(days=1),
                ends_at=now + timedelta(days=9),
                strikes=3,
            )
        )
    submissions_ = []
    for _ in range(rng.randint(4, 8)):
        guardian, kids = rng.choice(families)
        chosen = rng.sample(kids, rng.randint(1, len(kids)))
        if programme.weekly_blocks and rng.random() < 0.7:
            days = slots[: 5 * len(programme.slot_times())]
        else:
            days = rng.sample(slots, rng.randint(1, len(slots)))
        pairs = [(kid, day) for kid in chosen for day in days]
        if rng.random() < 0.1:
            pairs.append(pairs[0])  # a pair named twice
        by = staff if rng.random() < 0.15 else guardian
        submissions_.append((pairs, rng.random() < 0.5, by))
    db.session.flush()
    return programme, submissions_


def _answers(programme, submissions_, now):
    """Every submission's answers, then each slot's seats and queue, and every row."""
    said = []
    for pairs, together, by in submissions_:
        outcomes = submissions.book_days(
            programme, pairs, together=together, by=by, channel=Channel.PHONE, now=now
        )
        said.append(
            [(o.person.id, o.session.id, o.status, o.position, o.message) for o in outcomes]
        )
    db.session.flush()
    slots = {s.id: s for s in sessions(programme)}
    for session in slots.values():
        db.session.refresh(session)
    seats = {sid: (s.taken, s.status) for sid, s in slots.items()}
    rows = db.session.execute(
        select(Booking.person_id, Booking.session_id, Booking.status, Booking.booked_by_id)
        .where(Booking.activity_id == programme.activity_id)
        .order_by(Booking.session_id, Booking.queued_at, Booking.id)
    ).all()
    assert_seat_invariant()
    return said, seats, [tuple(r) for r in rows]


@pytest.mark.parametrize("seed", range(24))
def test_one_pass_decides_exactly_as_pair_by_pair(make, now, en, monkeypatch, seed):
    rng = random.Random(seed)
    programme, submissions_ = _scenario(make, now, rng)
    with db.session.begin_nested() as savepoint:
        one_pass = _answers(programme, submissions_, now)
        savepoint.rollback()
    db.session.expire_all()
    monkeypatch.setattr(submissions, "decided_in_one_pass", lambda _programme: False)
    pair_by_pair = _answers(programme, submissions_, now)
    assert one_pass == pair_by_pair
    statuses = {status for said in one_pass[0] for _, _, status, _, _ in said}
    assert statuses <= {BookingStatus.CONFIRMED, BookingStatus.WAITLISTED, "refused"}
    assert all(
        status == SessionStatus.SCHEDULED or status == SessionStatus.CANCELLED
        for _, status in one_pass[1].values()
    )
