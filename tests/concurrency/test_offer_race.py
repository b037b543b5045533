"""Offer expiry racing a resident's accept and a second `run-jobs`: never overbooked.

Real threads, each with its own app context and database session, released
together by a barrier. Runs on the suite's database (SQLite file or PostgreSQL).
"""

from __future__ import annotations

import threading
import time
from datetime import timedelta

from sqlalchemy import select

from app.extensions import db
from app.jobs import run_all
from app.models import Booking, BookingStatus, Channel, OfferCall, User, WaitlistPolicy
from app.services.booking.book import book
from app.services.booking.cancel import cancel_booking
from app.services.booking.offers import accept_offer
from app.services.booking.targets import Target
from app.services.refusals import OfferGone
from tests.conftest import assert_seat_invariant

# (accept waits, jobs wait) after the barrier, per round: varies who gets there first.
DELAYS = ((0, 0.1), (0, 0.02), (0, 0.005), (0, 0), (0.005, 0), (0.05, 0))


def _setup(make, now):
    activity = make.activity(capacity=1, waitlist_policy=WaitlistPolicy.OFFER)
    target = Target.of(activity, activity.sessions[0])
    users = [make.resident() for _ in range(3)]
    bookings = [book(u.person, target, by=u, channel=Channel.PHONE, now=now) for u in users]
    cancel_booking(bookings[0], by=users[0], now=now)
    offered = bookings[1]
    assert offered.status == BookingStatus.OFFERED
    ids = offered.id, users[1].id, offered.offer_expires_at, bookings[2].id
    db.session.commit()
    # End this thread's transaction too: on SQLite an open one holds the write lock.
    db.session.close()
    return ids


def _race(app, offered_id, user_id, deadline, accept_delay, jobs_delay):
    barrier = threading.Barrier(3, timeout=30)
    outcomes, errors = [], []

    def run_jobs():
        with app.app_context():
            try:
                barrier.wait()
                time.sleep(jobs_delay)
                run_all(deadline + timedelta(seconds=1), only=["expire-offers"])
                outcomes.append("jobs")
            except Exception as error:  # pragma: no cover - reported below
                errors.append(error)
            finally:
                db.session.remove()

    def accept():
        with app.app_context():
            try:
                booking = db.session.get(Booking, offered_id)
                user = db.session.get(User, user_id)
                # End the read transaction: on SQLite it would hold the write lock.
                db.session.commit()
                barrier.wait()
                time.sleep(accept_delay)
                try:
                    accept_offer(booking, by=user, now=deadline - timedelta(seconds=1))
                    db.session.commit()
                    outcomes.append("accepted")
                except OfferGone:
                    db.session.rollback()
                    outcomes.append("too late")
            except Exception as error:  # pragma: no cover - reported below
                errors.append(error)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=f) for f in (run_jobs, run_jobs, accept)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(90)
    assert not any(t.is_alive() for t in threads), "a thread is stuck"
    assert not errors, errors
    return outcomes


def test_expiry_twice_at_once_and_an_accept_never_overbook(app, make, now):
    seen = set()
    for accept_delay, jobs_delay in DELAYS:
        offered_id, user_id, deadline, next_id = _setup(make, now)
        outcomes = _race(app, offered_id, user_id, deadline, accept_delay, jobs_delay)
        db.session.expire_all()
        offered = db.session.get(Booking, offered_id)
        following = db.session.get(Booking, next_id)
        calls = db.session.scalars(
            select(OfferCall).where(OfferCall.booking_id == offered_id)
        ).all()
        seen.add("accepted" if "accepted" in outcomes else "expired")
        if "accepted" in outcomes:
            assert offered.status == BookingStatus.CONFIRMED
            assert following.status == BookingStatus.WAITLISTED
            assert calls == []
        else:
            assert offered.status == BookingStatus.CANCELLED
            assert following.status == BookingStatus.OFFERED
            assert len(calls) == 1
        assert_seat_invariant()
