"""The opening rush on holiday childcare, with real threads on the suite's database
(a SQLite file, or PostgreSQL with TEST_DATABASE_URL): overlapping multi-slot,
multi-child submissions released together never overbook a slot, every submission
gets its answer, a double submission gets one place per child and slot, the
per-child limit holds, and fifty households naming their days in opposite orders
never deadlock and are told the waiting-list places they hold."""

from __future__ import annotations

import random
import threading

from sqlalchemy import func, select

from app.database import read_only_transactions
from app.extensions import db
from app.models import LIVE_STATUSES, Booking, BookingStatus, Channel, Person, Programme, User
from app.services.childcare.programmes import sessions_by_id
from app.services.childcare.submissions import book_days
from tests.conftest import assert_seat_invariant
from tests.programme_helpers import family, holiday, sessions


def _rush(app, jobs):
    """Runs each job(programme_id, ...) in its own thread, app context and DB session,
    all released at once; returns (results, errors)."""
    db.session.commit()  # the test's own session must not hold SQLite's write lock
    barrier = threading.Barrier(len(jobs))
    results, errors = [None] * len(jobs), []

    def run(index, guardian_id, person_ids, session_ids, together, programme_id):
        with app.app_context():
            try:
                # Load with a read transaction and end it before the barrier: on
                # SQLite a write transaction would hold the lock while others wait.
                with read_only_transactions():
                    programme = db.session.get(Programme, programme_id)
                    guardian = db.session.get(User, guardian_id)
                    people = [db.session.get(Person, pid) for pid in person_ids]
                    slots = sessions_by_id(programme, session_ids)
                    pairs = [(p, slots[sid]) for p in people for sid in session_ids]
                    db.session.commit()
                barrier.wait(timeout=30)
                outcomes = book_days(
                    programme,
                    pairs,
                    together=together,
                    by=guardian,
                    channel=Channel.PHONE,
                    now=app.config["FROZEN_NOW"],
                )
                db.session.commit()
                results[index] = [
                    (o.status, o.message, o.person.id, o.session.id, o.position) for o in outcomes
                ]
            except Exception as error:  # noqa: BLE001 - reported to the main thread
                db.session.rollback()
                errors.append(repr(error))
            finally:
                db.session.remove()

    threads = [threading.Thread(target=run, args=(i, *job)) for i, job in enumerate(jobs)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    return results, errors


def _confirmed_per_session(programme):
    return dict(
        db.session.execute(
            select(Booking.session_id, func.count(Booking.id))
            .where(
                Booking.activity_id == programme.activity_id,
                Booking.status == BookingStatus.CONFIRMED,
            )
            .group_by(Booking.session_id)
        ).all()
    )


def _rush_answered(app, jobs):
    """`_rush`, and every submission answered with one outcome per (child, day), each
    a seat or a place in line."""
    results, errors = _rush(app, jobs)
    assert errors == []
    assert all(r is not None for r in results), "every submission gets its answer"
    for (_, kids, days, _, _), outcomes in zip(jobs, results, strict=True):
        assert len(outcomes) == len(kids) * len(days)
        assert {o[0] for o in outcomes} <= {"confirmed", "waitlisted"}
    return results


def test_overlapping_multi_slot_submissions_never_overbook(app, make):
    programme = holiday(make, capacity=8, days=5)
    slot_ids = [s.id for s in sessions(programme)]
    rng = random.Random(4)
    jobs = []
    for _ in range(24):
        guardian, kids = family(make, children=rng.choice((1, 2)))
        days = sorted(rng.sample(slot_ids, 3))
        jobs.append((guardian.id, [k.id for k in kids], days, rng.random() < 0.5, programme.id))
    make.commit()
    _rush_answered(app, jobs)
    db.session.expire_all()
    for session in sessions(programme):
        assert session.taken <= session.capacity
    assert max(_confirmed_per_session(programme).values()) == 8
    assert_seat_invariant()


def test_a_double_submission_gets_one_place_per_child_and_slot(app, make):
    programme = holiday(make, capacity=40, days=5)
    guardian, kids = family(make)
    days = [s.id for s in sessions(programme)]
    make.commit()
    job = (guardian.id, [k.id for k in kids], days, True, programme.id)
    results, errors = _rush(app, [job] * 4)
    assert errors == []
    db.session.expire_all()
    live = db.session.scalar(
        select(func.count(Booking.id)).where(
            Booking.household_id == kids[0].household_id, Booking.status.in_(LIVE_STATUSES)
        )
    )
    assert live == len(kids) * len(days)
    refusals = sum(1 for r in results for o in r if o[0] == "refused")
    assert refusals == 3 * len(kids) * len(days)
    assert_seat_invariant()


def test_the_per_child_limit_holds_under_concurrent_submissions(app, make):
    """Two submissions for one child on days that do not overlap: only the child's
    lock (on a database server; SQLite's write lock holds everything) makes the
    second count the first's days before deciding its own."""
    programme = holiday(make, capacity=40, days=5, per_child_limit=3)
    guardian, (kid,) = family(make, children=1)
    ids = [s.id for s in sessions(programme)]
    make.commit()
    jobs = [
        (guardian.id, [kid.id], ids[:3], False, programme.id),
        (guardian.id, [kid.id], ids[3:], False, programme.id),
    ]
    results, errors = _rush(app, jobs)
    assert errors == []
    # Five days asked for, three allowed: whichever ran first, two were refused.
    refused = [line for outcomes in results for line in outcomes if line[0] == "refused"]
    assert len(refused) == 2, results
    db.session.expire_all()
    live = db.session.scalar(
        select(func.count(Booking.id)).where(
            Booking.person_id == kid.id, Booking.status.in_(LIVE_STATUSES)
        )
    )
    assert live == 3
    assert_seat_invariant()


def test_fifty_households_naming_overlapping_days_in_opposite_orders_never_deadlock(app, make):
    """Half the households tick their days from the first, half from the last, so
    their slots overlap in opposite orders: the slots are locked in id order, so
    PostgreSQL never deadlocks, every submission is answered, no slot is overbooked,
    and the waiting-list places each household was told are the places it holds."""
    programme = holiday(make, capacity=10, days=10)
    slot_ids = [s.id for s in sessions(programme)]
    rng = random.Random(15)
    jobs = []
    for n in range(50):
        guardian, kids = family(make, children=rng.choice((1, 2)))
        first = rng.randrange(len(slot_ids) - 4)
        days = slot_ids[first : first + rng.randint(3, 5)]
        if n % 2:
            days = days[::-1]
        jobs.append((guardian.id, [k.id for k in kids], days, len(kids) > 1, programme.id))
    make.commit()
    results = _rush_answered(app, jobs)
    db.session.expire_all()
    assert max(_confirmed_per_session(programme).values()) == 10
    assert all(n <= 10 for n in _confirmed_per_session(programme).values())
    live = db.session.execute(
        select(Booking.person_id, Booking.session_id, func.count(Booking.id))
        .where(Booking.activity_id == programme.activity_id, Booking.status.in_(LIVE_STATUSES))
        .group_by(Booking.person_id, Booking.session_id)
    ).all()
    assert all(n == 1 for _, _, n in live), "one live booking per child and slot"
    assert_seat_invariant()
    # Each slot's queue, in order, is exactly the places the submissions were told.
    told = {}
    for outcomes in results:
        for status, _message, person_id, session_id, position in outcomes:
            if status == "waitlisted":
                told[(session_id, position)] = person_id
    for session_id in slot_ids:
        queue = db.session.scalars(
            select(Booking.person_id)
            .where(Booking.session_id == session_id, Booking.status == BookingStatus.WAITLISTED)
            .order_by(Booking.queued_at, Booking.id)
        ).all()
        assert [told[(session_id, place)] for place in range(1, len(queue) + 1)] == queue
