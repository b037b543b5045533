"""One rule, one place, called directly: where several services answer the same
question, they answer it from one function. Each test fails if two drift apart."""

from datetime import timedelta

from sqlalchemy import select

from app.extensions import db
from app.models import Booking, BookingStatus, Channel, Role, Session
from app.services.attendance import kiosk as attendance_kiosk
from app.services.attendance import roster
from app.services.booking.place import insert_booking
from app.services.booking.targets import Target, booking_covers, covers_session
from app.services.childcare import door

DAY = timedelta(days=1)

# --- "a booking covers this session" ------------------------------------------------


def _booking(make, activity, session=None, *, confirmed=True, at=None, household=None):
    person = make.person(household=household)
    by = make.user(role=Role.STAFF, age=40)
    return insert_booking(
        person,
        Target(activity, session),
        confirmed=confirmed,
        channel=Channel.DESK,
        by=by,
        now=at or make.now,
    )


def test_every_roll_and_the_leave_rule_agree_on_which_bookings_cover_a_session(make, now):
    term = make.activity(series=True, sessions=2, start_in=-2 * DAY, every=3 * DAY)
    single = make.activity(sessions=2, start_in=DAY)
    past, coming = term.sessions
    bookings = [
        _booking(make, term),  # enrolled for the term before either date
        _booking(make, term, past),  # a drop-in on the past date only
        _booking(make, term, confirmed=False),  # waiting for the term
        _booking(make, term, at=past.ends_at + DAY),  # enrolled after the past date
        _booking(make, single, single.sessions[0]),
        _booking(make, single, single.sessions[1]),
    ]
    cancelled = _booking(make, single, single.sessions[0])
    cancelled.status = BookingStatus.CANCELLED
    bookings.append(cancelled)
    db.session.flush()
    sessions = [past, coming, *single.sessions]
    # The SQL clause (as a join and bound to one session) and its Python twin.
    joined = set(
        db.session.execute(select(Booking.id, Session.id).join(Session, covers_session()))
    )
    assert joined == {(b.id, s.id) for b in bookings for s in sessions if booking_covers(b, s)}
    for session in sessions:
        bound = set(db.session.scalars(select(Booking.id).where(covers_session(session))))
        assert bound == {b.id for b in bookings if booking_covers(b, session)}
        # Who holds a place on the roll: confirmed, covering, and (for a term) enrolled
        # before the session ended. The teacher's roll, one person's booking, the
        # kiosk and the door give that same answer.
        expected = {
            b.person_id
            for b in bookings
            if b.status == BookingStatus.CONFIRMED
            and booking_covers(b, session)
            and (b.session_id is not None or b.confirmed_at < session.ends_at)
        }
        assert {b.person_id for b in roster.covering_bookings(session)} == expected
        lines = {line.person.id for line in roster.roster(session) if not line.is_walk_in}
        assert lines == expected
        assert {child.id for child, _ in door.roster(session)} == expected
        for booking in bookings:
            found = roster.covering_booking(session, booking.person)
            assert (found is not None) == (booking.person_id in expected)
    late = bookings[3]
    assert late.person_id not in {b.person_id for b in roster.covering_bookings(past)}
    assert roster.covering_booking(coming, late.person) is late


def test_the_kiosk_lists_what_the_roll_lists(make, now):
    household = make.household()
    user = make.user(make.person(household=household, age=70))
    today = make.activity(series=True, sessions=1, start_in=timedelta(hours=1))
    _booking(make, today, household=household)
    _booking(make, today, confirmed=False, household=household)
    db.session.flush()
    booked, _ = attendance_kiosk.kiosk_today(user, now)
    (session,) = today.sessions
    on_roll = {b.person_id for b in roster.covering_bookings(session)}
    assert {e.person.id for e in booked if e.booking is not None} == on_roll
    assert len(on_roll) == 1
