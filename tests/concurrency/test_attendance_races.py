"""Races at the door: drop-ins for one freed seat, double check-ins, and two
no-show runs at once. Real threads, each with its own app context and DB session."""

from __future__ import annotations

import threading
from datetime import timedelta

from app.extensions import db
from app.jobs import run_all
from app.models import Attendance, AttendanceChange, Booking, Channel, Person, Session
from app.services.attendance import kiosk, leave
from app.services.booking.book import book
from app.services.booking.targets import Target
from app.services.refusals import Refusal
from tests.conftest import assert_seat_invariant

HOUR = timedelta(hours=1)


def _race(app, count, action):
    """Runs action(i) in `count` threads released together; returns their results."""
    barrier = threading.Barrier(count)
    results = [None] * count

    def worker(i):
        with app.app_context():
            barrier.wait()
            try:
                results[i] = action(i)
                db.session.commit()
            except Refusal as refusal:
                db.session.rollback()
                results[i] = refusal
            finally:
                db.session.remove()

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    return results


def test_one_leave_lets_exactly_one_drop_in_in(app, make, now):
    activity = make.activity(series=True, sessions=2, capacity=3, start_in=HOUR / 2)
    members = [make.resident() for _ in range(3)]
    enrolments = [
        book(u.person, Target.of(activity), by=u, channel=Channel.PHONE, now=now) for u in members
    ]
    today = activity.sessions[0]
    leave.take_leave(enrolments[0], today, by=members[0], now=now)
    walkers = [make.resident() for _ in range(6)]
    ids = [(w.id, w.person.id) for w in walkers]
    session_id = today.id
    db.session.commit()

    def drop_in(i):
        from app.models import User

        user = db.session.get(User, ids[i][0])
        return kiosk.kiosk_check_in(
            db.session.get(Person, ids[i][1]), db.session.get(Session, session_id), by=user, now=now
        )

    results = _race(app, len(ids), drop_in)
    assert sum(1 for r in results if isinstance(r, kiosk.CheckIn)) == 1
    assert all(isinstance(r, (kiosk.CheckIn, Refusal)) for r in results)
    db.session.expire_all()
    assert db.session.get(Session, session_id).taken == 1
    assert_seat_invariant()


def test_double_tap_check_in_records_one_mark(app, make, now):
    activity = make.activity(start_in=HOUR / 2)
    user = make.resident()
    book(user.person, Target.of(activity, activity.sessions[0]), by=user, channel="phone", now=now)
    user_id, person_id, session_id = user.id, user.person.id, activity.sessions[0].id
    db.session.commit()

    def check_in(_i):
        from app.models import User

        return kiosk.kiosk_check_in(
            db.session.get(Person, person_id),
            db.session.get(Session, session_id),
            by=db.session.get(User, user_id),
            now=now,
        )

    results = _race(app, 4, check_in)
    assert all(isinstance(r, kiosk.CheckIn) for r in results), results
    assert db.session.scalar(db.select(db.func.count(Attendance.id))) == 1
    assert db.session.scalar(db.select(db.func.count(AttendanceChange.id))) == 1


def test_two_no_show_runs_at_once_mark_each_person_once(app, make, now):
    users = [make.resident() for _ in range(5)]
    activity = make.activity(start_in=-timedelta(days=1))
    for u in users:
        book(
            u.person,
            Target.of(activity, activity.sessions[0]),
            by=u,
            channel="phone",
            now=now - timedelta(days=3),
        )
    db.session.commit()
    _race(app, 2, lambda _i: run_all(now))
    assert db.session.scalar(db.select(db.func.count(Attendance.id))) == 5
    assert db.session.scalar(db.select(db.func.count(AttendanceChange.id))) == 5
    assert db.session.scalar(db.select(db.func.count(Booking.id))) == 5
