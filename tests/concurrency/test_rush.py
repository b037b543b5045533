"""No seat is ever sold twice, whatever arrives at the same moment.

Runs on a SQLite file by default and on PostgreSQL with TEST_DATABASE_URL (CI).
"""

from __future__ import annotations

from sqlalchemy import select

from app.extensions import db
from app.models import Activity, Booking, BookingStatus, Channel, Person, Session, User
from app.services.booking.book import book
from app.services.booking.cancel import cancel_booking
from app.services.booking.targets import Target
from app.services.booking.waitlist import waitlist_position
from app.services.refusals import AlreadyBooked, Refusal
from tests.conftest import assert_seat_invariant


def _booker(user_id: int, person_id: int, activity_id: int, session_id: int | None, now):
    def call():
        user = db.session.get(User, user_id)
        person = db.session.get(Person, person_id)
        activity = db.session.get(Activity, activity_id)
        session = db.session.get(Session, session_id) if session_id else None
        booking = book(
            person, Target.of(activity, session), by=user, channel=Channel.PHONE, now=now
        )
        db.session.commit()
        return booking.id, booking.status

    return call


def _residents(make, n):
    users = [make.resident() for _ in range(n)]
    make.commit()
    return users


def _statuses(activity_id):
    return list(
        db.session.scalars(select(Booking.status).where(Booking.activity_id == activity_id))
    )


def test_rush_on_the_last_seats_confirms_exactly_capacity(make, now, fire):
    activity = make.activity(capacity=10)
    session_id = activity.sessions[0].id
    users = _residents(make, 48)
    results = fire([_booker(u.id, u.person_id, activity.id, session_id, now) for u in users])
    errors = [r for r in results if isinstance(r, BaseException)]
    assert errors == []
    statuses = _statuses(activity.id)
    assert statuses.count("confirmed") == 10 and statuses.count("waitlisted") == 38
    assert db.session.get(Session, session_id).taken == 10
    # The queue is the order in which bookings were written, with no gaps.
    waiting = sorted((bid for bid, status in results if status == "waitlisted"))
    positions = [waitlist_position(db.session.get(Booking, bid)) for bid in waiting]
    assert positions == list(range(1, 39))
    assert_seat_invariant()


def test_rush_on_a_term_class_counts_on_the_activity(make, now, fire):
    activity = make.activity(capacity=6, series=True, sessions=4)
    users = _residents(make, 30)
    results = fire([_booker(u.id, u.person_id, activity.id, None, now) for u in users])
    assert not [r for r in results if isinstance(r, BaseException)]
    assert _statuses(activity.id).count("confirmed") == 6
    assert db.session.get(Activity, activity.id).taken == 6
    assert_seat_invariant()


def test_one_person_pressing_book_many_times_gets_one_booking(make, now, fire):
    activity = make.activity(capacity=5)
    (user,) = _residents(make, 1)
    session_id = activity.sessions[0].id
    results = fire(
        [_booker(user.id, user.person_id, activity.id, session_id, now) for _ in range(12)]
    )
    successes = [r for r in results if not isinstance(r, BaseException)]
    assert len(successes) == 1
    assert all(isinstance(r, AlreadyBooked) for r in results if isinstance(r, BaseException))
    assert _statuses(activity.id) == ["confirmed"]
    assert_seat_invariant()


def test_cancellations_racing_new_bookings_keep_the_count_true(make, now, fire):
    activity = make.activity(capacity=5)
    session_id = activity.sessions[0].id
    holders = _residents(make, 5)
    waiting = _residents(make, 5)
    newcomers = _residents(make, 15)
    target = Target.of(activity, activity.sessions[0])
    held = [book(u.person, target, by=u, channel=Channel.PHONE, now=now).id for u in holders]
    queued = [book(u.person, target, by=u, channel=Channel.PHONE, now=now).id for u in waiting]
    make.commit()

    def canceller(user_id, booking_id):
        def call():
            booking = db.session.get(Booking, booking_id)
            promoted = cancel_booking(booking, by=db.session.get(User, user_id), now=now)
            db.session.commit()
            return [b.id for b in promoted]

        return call

    calls = [canceller(u.id, b) for u, b in zip(holders, held, strict=True)]
    calls += [_booker(u.id, u.person_id, activity.id, session_id, now) for u in newcomers]
    results = fire(calls)
    assert not [r for r in results if isinstance(r, BaseException) and not isinstance(r, Refusal)]
    # Every freed seat went to the queue in order, before any newcomer.
    promoted = sorted(bid for r in results[:5] for bid in r)
    assert promoted == sorted(queued)
    confirmed = db.session.scalars(
        select(Booking.id).where(
            Booking.session_id == session_id, Booking.status == BookingStatus.CONFIRMED
        )
    ).all()
    assert sorted(confirmed) == sorted(queued)
    assert_seat_invariant()


def test_rush_through_the_web_form(app, make, fire):
    """The whole request path: form, login, service, commit."""
    activity = make.activity(capacity=4)
    activity_id, session_id = activity.id, activity.sessions[0].id
    users = _residents(make, 24)
    clients = []
    for user in users:
        client = app.test_client()
        assert (
            client.post("/login", data={"phone": user.phone, "secret": "123456"}).status_code == 302
        )
        # Plain values only: worker threads must not touch the test's ORM objects.
        clients.append((client, user.person_id))

    def press(client, person_id):
        def call():
            response = client.post(
                "/me/bookings",
                data={"person_id": person_id, "activity_id": activity_id, "session_id": session_id},
                headers={"HX-Request": "true"},
            )
            return response.status_code, response.headers.get("X-Booking-Status")

        return call

    results = fire([press(c, p) for c, p in clients])
    assert sorted(results) == sorted([(200, "confirmed")] * 4 + [(200, "waitlisted")] * 20)
    assert db.session.get(Session, session_id).taken == 4
    assert_seat_invariant()
