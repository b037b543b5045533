"""Pages cost what they show (issue 18): each page below is read in a handful of
statements, and showing three times as many rows takes no more of them (no query
per row, "N+1"). The count is of statements sent to the database during the one
request, BEGIN included."""

from __future__ import annotations

from collections import Counter
from contextlib import contextmanager
from datetime import date, timedelta
from itertools import count

import pytest
from sqlalchemy import event, select
from sqlalchemy.orm import strategies

from app.extensions import db
from app.models import (
    Attendance,
    AttendanceStatus,
    Channel,
    Role,
    SessionHelper,
    WaitlistPolicy,
)
from app.services import audit
from app.services.attendance.leave import take_leave_on
from app.services.booking.book import book
from app.services.booking.cancel import cancel_booking
from app.services.booking.targets import Target
from app.services.childcare.pickup_list import add_pickup_person
from app.services.childcare.submissions import book_days
from tests.programme_helpers import afterschool, family, holiday, sessions
from tests.web.test_earlier_bookings import past_booking

LIMIT = 20
FEW = 2
_hours = count(1)
_minutes = count(1)
_days = count(1)


def _later() -> timedelta:
    """A start no other class of the test has, so nobody's bookings clash."""
    return timedelta(days=1, hours=2 * next(_hours))


@contextmanager
def counted():
    """The statements the engine runs inside the block: `with counted() as seen:`."""
    seen = []

    def before(conn, cursor, statement, parameters, context, executemany):
        seen.append(" ".join(statement.split())[:160])

    event.listen(db.engine, "before_cursor_execute", before)
    try:
        yield seen
    finally:
        event.remove(db.engine, "before_cursor_execute", before)


def statements(client, url: str) -> list[str]:
    with counted() as seen:
        response = client.get(url)
    assert response.status_code == 200, url
    return seen


def _repeated(seen: list[str]) -> list[str]:
    """The statements run more than once: where an N+1 shows."""
    return [sql for sql, n in Counter(seen).items() if n > 1]


def assert_flat(client, url: str, grow, few: int = FEW) -> None:
    """The page at `url` costs the same with `few` rows as after `grow(2 * few)` more
    (three times as many), and no more than LIMIT statements."""
    before = len(statements(client, url))
    grow(2 * few)
    db.session.commit()
    seen = statements(client, url)
    after = len(seen)
    assert after == before, f"{url}: {before} then {after}, repeated: {_repeated(seen)}"
    assert after <= LIMIT, f"{url}: {after} statements"


def assert_flat_classes(client, class_of) -> None:
    """The page of a class of `FEW` sessions (`class_of(n)` builds one) costs the
    same statements as one of three times as many, no more than LIMIT."""
    few = len(statements(client, f"/classes/{class_of(FEW).id}"))
    seen = statements(client, f"/classes/{class_of(3 * FEW).id}")
    assert len(seen) == few, f"{few} then {len(seen)}, repeated: {_repeated(seen)}"
    assert len(seen) <= LIMIT


def _booker(make):
    """A resident with an account of their own, who books for themselves."""
    return make.resident()


def _book_for_other(make, activity, now):
    """A daughter books for her mother (the list says who booked)."""
    mother = make.person(age=80)
    daughter = make.user(make.person(household=mother.household, age=50))
    return _book(daughter, activity, now, person=mother)


def _book(user, activity, now, person=None):
    target = Target.of(activity, None if activity.is_series else activity.sessions[0])
    return book(person or user.person, target, by=user, channel=Channel.PHONE, now=now)


@pytest.fixture
def staff(make, auth):
    user = make.user(role=Role.STAFF, age=40)
    make.commit()
    auth.login(user)
    return user


def test_the_staff_session_page_reads_each_booker_with_the_rest(make, client, staff, now):
    activity = make.activity(capacity=50)

    def grow(n):
        for _ in range(n):
            _book(_booker(make), activity, now)
            _book_for_other(make, activity, now)

    grow(FEW)
    make.commit()
    assert_flat(client, f"/staff/sessions/{activity.sessions[0].id}", grow)


def test_the_teachers_roster_reads_each_person_with_the_rest(make, client, auth, now):
    teacher = make.user(role=Role.TEACHER, age=40)
    activity = make.activity(capacity=50, start_in=timedelta(hours=1), teacher_id=teacher.id)

    def grow(n):
        for _ in range(n):
            kid = make.person(age=8)
            parent = make.user(make.person(household=kid.household, age=38))
            _book(parent, activity, now, person=kid)
            _book(_booker(make), activity, now)

    grow(FEW)
    make.commit()
    auth.login(teacher)
    assert_flat(client, f"/teach/sessions/{activity.sessions[0].id}", grow)


def test_the_class_list_reads_teachers_and_queues_at_once(make, client, now):
    def grow(n):
        for _ in range(n):
            teacher = make.user(role=Role.TEACHER, age=40)
            activity = make.activity(
                capacity=1, teacher_id=teacher.id, sessions=2, start_in=_later()
            )
            _book(_booker(make), activity, now)
            _book(_booker(make), activity, now)  # waitlisted
            make.activity(series=True, sessions=2, teacher_id=teacher.id, start_in=_later())

    grow(FEW)
    make.commit()
    assert_flat(client, "/classes", grow)


def test_the_kiosk_start_screen_of_a_visitor_reads_the_week_at_once(make, client, now):
    visitor = make.resident()

    def grow(n):
        for _ in range(n):
            teacher = make.user(role=Role.TEACHER, age=40)
            activity = make.activity(capacity=1, teacher_id=teacher.id, start_in=_later())
            _book(_booker(make), activity, now)
            _book(visitor, activity, now)  # waitlisted

    grow(FEW)
    make.commit()
    client.post("/kiosk/login", data={"who": visitor.phone, "pin": "123456"})
    assert_flat(client, "/kiosk/", grow)


def test_a_programme_page_reads_its_days_at_once(make, client, auth):
    guardian, kids = family(make)
    make.commit()
    auth.login(guardian)
    made = {}

    def programme_of(days):
        made[days] = holiday(make, days=days, title=f"寒托班{days}")
        make.commit()
        return made[days]

    few = len(statements(client, f"/programmes/{programme_of(FEW).id}"))
    seen = statements(client, f"/programmes/{programme_of(3 * FEW).id}")
    assert len(seen) == few, f"{few} then {len(seen)}, repeated: {_repeated(seen)}"
    assert len(seen) <= LIMIT


def _mother_and_daughter(make):
    mother = make.person(age=80)
    return mother, make.user(make.person(household=mother.household, age=50))


def _class_and_term(make, mother, daughter, now):
    """The daughter books a class for her mother; the term class, for either, is returned."""
    _book(daughter, make.activity(capacity=5, start_in=_later()), now, person=mother)
    series = make.activity(series=True, sessions=2, capacity=5, start_in=_later())
    return series


def test_the_staff_person_page_reads_the_bookings_classes_at_once(make, client, staff, now):
    mother, daughter = _mother_and_daughter(make)

    def grow(n):
        for _ in range(n):
            _book(daughter, _class_and_term(make, mother, daughter, now), now, person=mother)
            past_booking(make, mother, days_ago=next(_hours))

    grow(FEW)
    make.commit()
    assert_flat(client, f"/staff/people/{mother.id}", grow)


def test_the_resident_search_reads_the_households_at_once(make, client, staff):
    def grow(n):
        for _ in range(n):
            household = make.household(name="王家")
            member = make.user(make.person(household=household, name="王阿姨", age=72))
            make.person(household=member.person.household, name="王小明", age=8)

    grow(FEW)
    make.commit()
    assert_flat(client, "/staff/residents?q=王", grow)


def _waitlisted_and_offered(make, person, by, now):
    """A full class `person` waits for, and one whose freed seat is offered to them."""
    full = make.activity(capacity=1, start_in=_later())
    _book(_booker(make), full, now)
    _book(by, full, now, person=person)
    offered = make.activity(capacity=1, start_in=_later(), waitlist_policy=WaitlistPolicy.OFFER)
    first = _booker(make)
    seated = _book(first, offered, now)
    _book(by, offered, now, person=person)
    cancel_booking(seated, by=first, now=now)


def _past_of(make, person, n):
    for _ in range(n):
        past_booking(make, person, days_ago=next(_hours), series=next(_hours) % 2 == 0)


def _grow_bookings(make, mother, daughter, now, n):
    """`n` more of each kind of row a family's list shows (a class and a term booked,
    waiting and offered places) and ten past bookings each, which it must not read."""
    for _ in range(n):
        _book(daughter, _class_and_term(make, mother, daughter, now), now)
        _waitlisted_and_offered(make, mother, daughter, now)
        _past_of(make, mother, 10)


def test_my_bookings_reads_the_coming_at_once_and_never_the_past(make, client, auth, now):
    mother, daughter = _mother_and_daughter(make)

    def grow(n):
        _grow_bookings(make, mother, daughter, now, n)

    grow(FEW)
    make.commit()
    auth.login(daughter)
    assert_flat(client, "/me/bookings", grow)


def test_the_earlier_pages_read_one_page_at_once(make, client, auth, staff):
    elder = make.resident()

    def grow(n):
        _past_of(make, elder.person, n)

    grow(FEW)
    make.commit()
    assert_flat(client, f"/staff/people/{elder.person_id}/earlier", grow)
    auth.logout()
    auth.login(elder)
    assert_flat(client, "/me/bookings/earlier", grow)


def _held(make, teacher, now):
    """A session `teacher` ran last week, someone came to, with a helper."""
    activity = make.activity(teacher_id=teacher.id, start_in=-timedelta(days=7, hours=next(_hours)))
    session = activity.sessions[0]
    came = make.person()
    db.session.add(
        Attendance(
            session_id=session.id,
            person_id=came.id,
            status=AttendanceStatus.PRESENT,
            marked_at=session.starts_at,
        )
    )
    helper = make.user(age=60)
    db.session.add(SessionHelper(session_id=session.id, user_id=helper.id, created_at=now))
    return session


def test_the_volunteer_hours_are_summed_at_once(make, client, staff, now):
    def grow(n):
        for _ in range(n):
            teacher = make.user(role=Role.TEACHER, age=40)
            _held(make, teacher, now)
            _held(make, teacher, now)

    grow(FEW)
    make.commit()
    assert_flat(client, "/welfare/hours", grow)


def test_the_audit_log_names_its_subjects_at_once(make, client, staff, now):
    """Entries by several people about bookings, sessions and marks: named in a
    statement per kind of subject, not per entry; the action filter is no scan."""

    def grow(n):
        for _ in range(n):
            desk = make.user(role=Role.STAFF, age=40)
            booking = _book_for_other(make, make.activity(start_in=_later()), now)
            session = _held(make, desk, now)
            mark = db.session.scalar(select(Attendance).where(Attendance.session_id == session.id))
            audit.record(desk, "booking.cancel_on_behalf", booking, now)
            audit.record(desk, "session.move", session, now)
            audit.record(desk, "walk_in_added", mark, now)
            audit.record(desk, "person.create", booking.person, now)

    grow(FEW)
    make.commit()
    assert_flat(client, "/staff/audit", grow)


@pytest.mark.parametrize("full", [False, True], ids=["places", "full term"])
def test_a_term_class_page_reads_its_dates_seats_at_once(make, client, auth, now, full):
    """The dates listed with their seats; a full term's dates each with a card, here
    for a visitor whose household waits for every date (both of its people)."""
    visitor = make.resident()
    partner = make.person(household=visitor.person.household)
    make.commit()
    auth.login(visitor)

    def term_of(sessions):
        activity = make.activity(series=True, sessions=sessions, capacity=1, start_in=_later())
        if full:
            _book(_booker(make), activity, now)
            for date in activity.sessions:
                for person in (visitor.person, partner):
                    book(
                        person, Target(activity, date), by=visitor, channel=Channel.ONLINE, now=now
                    )
        make.commit()
        return activity

    assert_flat_classes(client, term_of)


@pytest.mark.parametrize("full", [False, True], ids=["places", "full"])
def test_a_class_page_reads_its_sessions_cards_at_once(make, client, auth, now, full):
    """A class booked session by session: a card for each coming session, with the
    visitor's household's bookings (here waiting on every full one, both people)
    read for all of them together, not per card."""
    visitor = make.resident()
    partner = make.person(household=visitor.person.household)
    make.commit()
    auth.login(visitor)

    def class_of(sessions):
        activity = make.activity(sessions=sessions, capacity=1, start_in=_later())
        for session in activity.sessions:
            target = Target(activity, session)
            if full:
                other = _booker(make)
                book(other.person, target, by=other, channel=Channel.PHONE, now=now)
            for person in (visitor.person, partner):
                book(person, target, by=visitor, channel=Channel.ONLINE, now=now)
        make.commit()
        return activity

    assert_flat_classes(client, class_of)


def test_the_kiosks_bookings_read_the_coming_at_once(make, client, now):
    mother, daughter = _mother_and_daughter(make)

    def grow(n):
        _grow_bookings(make, mother, daughter, now, n)

    grow(FEW)
    make.commit()
    client.post("/kiosk/login", data={"who": daughter.phone, "pin": "123456"})
    assert_flat(client, "/kiosk/bookings", grow)


def _kiosk_login(client, user):
    client.post("/kiosk/login", data={"who": user.phone, "pin": "123456"})


def _today(make):
    """A short class later today, at a time no other class of the test has."""
    return make.activity(
        capacity=5, start_in=timedelta(minutes=15 * next(_minutes)), duration=timedelta(minutes=10)
    )


def _a_day_of(make, elder, partner, now):
    """Today's classes of a household: one the elder booked, a term the partner is
    enrolled for and takes leave from today, one the elder came to without booking,
    and one with seats the elder may drop in to."""
    _book(elder, _today(make), now)
    term = make.activity(
        series=True,
        capacity=5,
        start_in=timedelta(minutes=15 * next(_minutes)),
        duration=timedelta(minutes=10),
    )
    _book(elder, term, now, person=partner)
    take_leave_on(partner, term.sessions[0], by=elder, now=now)
    came = _today(make).sessions[0]
    db.session.add(
        Attendance(
            session_id=came.id,
            person_id=elder.person_id,
            status=AttendanceStatus.PRESENT,
            checked_in_at=now,
            marked_at=now,
        )
    )
    _today(make)


def test_the_kiosk_home_reads_the_households_day_at_once(make, client, now):
    elder = make.resident()
    partner = make.person(household=elder.person.household)

    def grow(n):
        for _ in range(n):
            _a_day_of(make, elder, partner, now)

    grow(FEW)
    make.commit()
    _kiosk_login(client, elder)
    assert_flat(client, "/kiosk/me", grow)


def _this_week(make, **fields):
    return make.activity(
        start_in=timedelta(days=1, hours=next(_days)), duration=timedelta(minutes=30), **fields
    )


def test_the_kiosk_class_list_reads_terms_and_dates_at_once(make, client, now):
    """Classes with seats, one the elder booked, a children's class (not listed), and
    a full term class whose dates are listed each with its seats and queue."""
    elder = make.resident()

    def grow(n):
        for _ in range(n):
            _this_week(make, teacher_id=make.user(role=Role.TEACHER, age=40).id)
            _book(elder, _this_week(make), now)
            _this_week(make, audience="child", max_age=12)
            full = _this_week(make, series=True, sessions=2, capacity=1, every=timedelta(days=1))
            _book(_booker(make), full, now)

    grow(FEW)
    make.commit()
    _kiosk_login(client, elder)
    assert_flat(client, "/kiosk/classes", grow)


def test_the_door_roster_reads_who_may_collect_at_once(make, client, staff, now):
    """Families' children on today's after-school roll, each with a grandmother who
    may collect them."""
    programme = afterschool(make)
    today = sessions(programme)[0]

    def grow(n):
        for _ in range(n):
            guardian, kids = family(make)
            book_days(programme, [(k, today) for k in kids], by=guardian, channel="phone", now=now)
            for kid in kids:
                add_pickup_person(
                    kid, name="外婆", phone="13700000001", relation="外婆", by=guardian, now=now
                )

    grow(FEW)
    make.commit()
    assert_flat(client, f"/door/sessions/{today.id}", grow)


def test_the_birthday_page_reads_the_month_at_once(make, client, staff, now, monkeypatch):
    """The month's elders, their tags and phones: the same statements for 2 and 6
    elders (each with a household of their own, some keeping the lunar birthday).
    A "select in" eager load reads 500 ids a statement, so a list of 2,000 took 4 per
    relation: the chunk made 2 here shows that without 2,000 elders."""
    monkeypatch.setattr(strategies._SelectInLoader, "_chunksize", 2)

    def grow(n):
        for i in range(n):
            household = make.household(tags=("独居",))
            elder = make.person(household=household, birth_date=date(1950, 12, 10 + i))
            elder.birthday_lunar = i % 2 == 1
            make.user(make.person(household=household, age=45))
            make.activity(start_in=_later())  # one more party to choose among

    grow(FEW)
    make.commit()
    assert_flat(client, "/staff/birthdays?month=2026-12", grow)
