"""One date of a term class freed by leave, grabbed at once online (the class page's
card) and at the kiosk (join and check in), by people who include one on the term's
own waiting list: exactly one gets the seat, the seat counts stay true."""

from __future__ import annotations

from datetime import timedelta

from app.extensions import db
from app.models import Booking, BookingStatus, Channel, Person, Session, User
from app.services.attendance import kiosk, leave
from app.services.booking.book import book, book_on_card
from app.services.booking.place import Subjects
from app.services.booking.targets import Target
from app.services.refusals import Full
from tests.conftest import assert_seat_invariant

HOUR = timedelta(hours=1)


def test_a_freed_date_goes_to_exactly_one_of_those_grabbing_it(app, make, now, fire):
    activity = make.activity(series=True, sessions=2, capacity=1, start_in=HOUR / 2)
    holder = make.resident()
    enrolment = book(holder.person, Target.of(activity), by=holder, channel=Channel.PHONE, now=now)
    people = [make.resident() for _ in range(4)]
    # The first is on the term's waiting list: that is no clash with the date.
    book(people[0].person, Target.of(activity), by=people[0], channel=Channel.PHONE, now=now)
    today = activity.sessions[0]
    leave.take_leave(enrolment, today, by=holder, now=now)
    ids = [(u.id, u.person.id) for u in people]
    activity_id, session_id = activity.id, today.id

    def online(i):
        def call():
            user, person = db.session.get(User, ids[i][0]), db.session.get(Person, ids[i][1])
            session = db.session.get(Session, session_id)
            subjects = Subjects(session.activity, session, person, None)
            booked = book_on_card(subjects, by=user, now=now, read_card=False)
            db.session.commit()
            return booked.booking.status

        return call

    def at_kiosk(i):
        def call():
            user, person = db.session.get(User, ids[i][0]), db.session.get(Person, ids[i][1])
            kiosk.kiosk_check_in(person, db.session.get(Session, session_id), by=user, now=now)
            db.session.commit()
            return BookingStatus.CONFIRMED

        return call

    results = fire([online(0), online(1), at_kiosk(2), at_kiosk(3)])
    # One seat: one confirmed; online the others wait for that date, at the kiosk
    # they are told it is full.
    assert results.count(BookingStatus.CONFIRMED) == 1, results
    assert all(r in (BookingStatus.CONFIRMED, BookingStatus.WAITLISTED) for r in results[:2]), (
        results
    )
    assert all(r == BookingStatus.CONFIRMED or isinstance(r, Full) for r in results[2:]), results
    db.session.expire_all()
    assert db.session.get(Session, session_id).taken == 1
    confirmed = db.session.query(Booking).filter_by(session_id=session_id, status="confirmed")
    assert confirmed.count() == 1
    assert db.session.get(Booking, enrolment.id).activity_id == activity_id
    assert_seat_invariant()
