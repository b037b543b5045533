"""One rule, one place, called directly: where several services answer the same
question, they answer it from one function. Each test fails if two drift apart."""

from datetime import date, timedelta

import pytest
from sqlalchemy import select

from app.extensions import db
from app.models import (
    Booking,
    BookingStatus,
    Channel,
    HouseholdLink,
    Leave,
    LinkStatus,
    Person,
    Role,
    Session,
)
from app.models.people import (
    ADULT_AGE,
    ELDER_AGE,
    acts_for_clause,
    acts_for_ids,
    adult_clause,
    aged_at_least,
    years_before,
)
from app.services.attendance import kiosk as attendance_kiosk
from app.services.attendance import leave as attendance_leave
from app.services.attendance import roster, walk_ins
from app.services.booking import catalogue
from app.services.booking.book import book
from app.services.booking.cancel import cancel_booking
from app.services.booking.place import insert_booking
from app.services.booking.targets import Target, booking_covers, covers_session
from app.services.childcare import door
from app.services.people.kiosk_visitor import KioskActor
from app.services.refusals import NotAllowed
from app.timeutil import local_date
from tests.conftest import assert_seat_invariant

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
    joined = set(db.session.execute(select(Booking.id, Session.id).join(Session, covers_session())))
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


# --- "may act for" -------------------------------------------------------------------


def _link(user, person, status, now):
    db.session.add(
        HouseholdLink(user_id=user.id, person_id=person.id, status=status, created_at=now)
    )


@pytest.fixture
def circle(make, now):
    """A resident `me` with a housemate, people linked to `me` by a confirmed, a
    pending and a revoked link, a stranger, and a staff member."""
    me = make.resident(age=45)
    housemate = make.person(household=me.person.household, age=75)
    linked, pending, revoked, stranger = (make.person(age=80) for _ in range(4))
    for person, status in (
        (linked, LinkStatus.CONFIRMED),
        (pending, LinkStatus.PENDING),
        (revoked, LinkStatus.REVOKED),
    ):
        _link(me, person, status, now)
    staff = make.user(role=Role.STAFF, age=40)
    db.session.flush()
    people = [me.person, housemate, linked, pending, revoked, stranger, staff.person]
    return me, staff, people


def test_the_predicate_its_sql_twin_its_list_and_the_kiosk_give_one_answer(circle):
    me, staff, people = circle
    for user in (me, staff):
        for household_only in (False, True):
            clause = acts_for_clause(user.is_staff, household_only=household_only)
            sql = set(db.session.scalars(select(Person.id).where(clause), user.actor_params()))
            python = {p.id for p in people if user.may_act_for(p, household_only=household_only)}
            assert sql & {p.id for p in people} == python, (user.role, household_only)
        kiosk = {p.id for p in people if KioskActor(user).may_act_for(p)}
        assert kiosk == {p.id for p in people if p.household_id == user.household_id}
    # The list a resident books for (cards, "my bookings"): exactly whom they may act for.
    listed = set(db.session.scalars(acts_for_ids(), me.actor_params()))
    assert listed == {p.id for p in people if me.may_act_for(p)}
    assert len(listed) == 3  # me, the housemate, the confirmed link


def test_a_linked_helper_takes_leave_as_they_cancel_and_nobody_else_does(make, now):
    """代办: a confirmed link lets the helper take leave (请假) for the elder, as it
    lets them cancel; another household, a pending link and the kiosk (household
    only) are refused with nothing written."""
    elder = make.resident(age=80)
    helper, stranger, asked = (make.resident(age=45) for _ in range(3))
    _link(helper, elder.person, LinkStatus.CONFIRMED, now)
    _link(asked, elder.person, LinkStatus.PENDING, now)
    term = make.activity(series=True, sessions=3)
    single = make.activity(sessions=1, start_in=timedelta(days=3))
    enrolment = book(elder.person, Target(term, None), by=elder, channel=Channel.PHONE, now=now)
    single_target = Target(single, single.sessions[0])
    drop = book(elder.person, single_target, by=elder, channel=Channel.PHONE, now=now)
    first, second, _ = term.sessions
    for refused in (stranger, asked, KioskActor(helper)):
        with pytest.raises(NotAllowed):
            attendance_leave.take_leave(enrolment, first, by=refused, now=now)
        with pytest.raises(NotAllowed):
            attendance_leave.take_leave_on(elder.person, second, by=refused, now=now)
        with pytest.raises(NotAllowed):
            cancel_booking(drop, by=refused, now=now)
    assert db.session.query(Leave).count() == 0
    assert drop.status == BookingStatus.CONFIRMED
    leave = attendance_leave.take_leave(enrolment, first, by=helper, now=now)
    assert (leave.person_id, leave.created_by_id) == (elder.person.id, helper.id)
    cancel_booking(drop, by=helper, now=now)
    assert drop.status == BookingStatus.CANCELLED
    assert_seat_invariant()


# --- "is adult" ----------------------------------------------------------------------


def test_is_adult_in_python_and_in_sql_agree_on_every_birthday_edge(make):
    days = [date(2026, 11, 23), date(2027, 2, 28), date(2028, 2, 29), date(2028, 3, 1)]
    births = {None, date(2008, 2, 29), date(2010, 2, 28), date(2010, 3, 1)}
    for day in days:
        eighteen = years_before(day, ADULT_AGE)
        births |= {eighteen - DAY, eighteen, eighteen + DAY}
    people = [make.person(birth_date=b, age=None) for b in births]
    db.session.flush()
    ids = {p.id for p in people}
    for day in days:
        adults = set(db.session.scalars(select(Person.id).where(adult_clause(day)))) & ids
        assert adults == {p.id for p in people if p.is_adult_on(day)}, day
        assert {p.id for p in people if p.is_child_on(day)} == ids - adults
        for years in (ELDER_AGE, 6, 13):
            aged = set(db.session.scalars(select(Person.id).where(aged_at_least(day, years))))
            assert aged & ids == {p.id for p in people if (p.age_on(day) or -1) >= years}


def test_the_walk_in_search_hides_from_a_teacher_exactly_the_children(make):
    """A teacher may not add a child as a walk-in: the search's SQL and the rule
    checked on every add use the one "is adult" rule, to the day."""
    teacher = make.user(role=Role.TEACHER, age=40)
    activity = make.activity(start_in=timedelta(hours=1), teacher_id=teacher.id)
    session = activity.sessions[0]
    day = local_date(session.starts_at)
    eighteen = years_before(day, ADULT_AGE)
    people = [
        make.person(name=f"赵家{n}", birth_date=born, age=None)
        for n, born in enumerate([eighteen - DAY, eighteen, eighteen + DAY, None])
    ]
    found = {c.person_id for c in walk_ins.find_walk_ins(session, "赵家", by=teacher, now=make.now)}
    assert found == {p.id for p in people if p.is_adult_on(day)}
    assert len(found) == 3


# --- a child's guardians ---------------------------------------------------------------


def test_the_roll_the_door_and_the_pickup_list_name_the_same_guardians(make, now):
    """Guardians are the other adults of the child's household: the teacher's roll
    and the door ring the same numbers, and the pickup list lets exactly their
    active accounts manage it and tells exactly those of each change."""
    from app.models import Notice
    from app.services.childcare.pickup_list import add_pickup_person, may_manage_pickup
    from app.services.childcare.submissions import book_days
    from app.services.people.guardians import guardian_accounts, guardian_phones, guardians_of
    from tests.programme_helpers import afterschool, family, sessions

    teacher = make.user(role=Role.TEACHER, age=30)
    programme = afterschool(make, teacher=teacher)
    mother, (child,) = family(make, children=1, ages=(8,))
    household = child.household
    grandma = make.person(household=household, age=70, phone="13700000002")
    teen = make.user(make.person(household=household, age=17, phone="13700000003"))
    away = make.user(make.person(household=household, age=45, phone="13700000004"))
    away.active = False
    child.phone = "13700000005"
    make.resident(age=40)  # another household
    today = sessions(programme)[0]
    book_days(programme, [(child, today)], by=mother, channel="phone", now=now)
    db.session.flush()
    day = local_date(now)
    guardians = guardians_of([child], day)[child.id]
    assert {g.person.id for g in guardians} == {mother.person.id, grandma.id, away.person.id}
    phones = guardian_phones([child], day)[child.id]
    assert phones == ["13812345678", mother.phone, "13700000002", "13700000004"]
    (line,) = roster.roster(today, viewer=teacher)
    assert line.guardian_phones == phones
    door.check_in(child, today, by=teacher, now=today.starts_at)
    (late,) = door.who_is_here(today.ends_at + timedelta(hours=1))
    assert late.late
    assert late.guardian_phones == guardian_phones([child], local_date(today.ends_at))[child.id]
    accounts = guardian_accounts(child, day)
    assert accounts == [mother]
    for user in (mother, teen, away, make.resident(age=40)):
        assert may_manage_pickup(user, child, now) == (user in accounts)
    add_pickup_person(child, name="外婆", phone="13700000002", relation="外婆", by=mother, now=now)
    told = {n.user_id for n in db.session.query(Notice).filter_by(kind="pickup_added")}
    assert told == {u.id for u in accounts}


# --- household tags --------------------------------------------------------------------


def test_every_household_tag_does_what_the_one_list_says_and_nothing_else(make, now):
    """The desk offers HOUSEHOLD_TAGS; a tag puts a household's elder on the welfare
    call list exactly when it means `welfare`, and draws its children first in the
    lottery exactly when it means `lottery_priority`."""
    from app.blueprints.staff.forms import HouseholdForm, TagsForm
    from app.models import HOUSEHOLD_TAGS, WelfareCall
    from app.services.booking.book import book
    from app.services.childcare.applications import apply_days
    from app.services.childcare.draw import run_draw
    from app.services.childcare.seed import seal_seed
    from app.services.welfare.calls import add_welfare_calls
    from app.services.welfare.no_shows import mark_no_shows
    from tests.programme_helpers import family, lottery, sessions

    with make.app.test_request_context():
        for form in (HouseholdForm(formdata=None), TagsForm(formdata=None)):
            assert [choice.value for choice in form.tags.choices] == list(HOUSEHOLD_TAGS)
    missed = make.activity(start_in=-3 * timedelta(hours=1), duration=timedelta(hours=1))
    programme = lottery(make, capacity=40, days=1)
    (day,) = sessions(programme)
    elders, guardians = {}, {}
    for tag in HOUSEHOLD_TAGS:
        elder = make.resident(age=70, household=make.household(tags=(tag,)))
        book(
            elder.person,
            Target.of(missed, missed.sessions[0]),
            by=elder,
            channel=Channel.PHONE,
            now=now - DAY,
        )
        elders[tag] = elder.person.id
        guardian, (kid,) = family(make, children=1, tags=(tag,))
        apply_days(programme, [(kid, day)], by=guardian, now=now)
        guardians[tag] = kid.household_id
    # Marks the unmarked elders absent, then lists the vulnerable ones.
    mark_no_shows(now)
    add_welfare_calls(now)
    called = set(db.session.scalars(select(WelfareCall.person_id)))
    assert called == {elders[t] for t, m in HOUSEHOLD_TAGS.items() if m.welfare}
    closed = programme.activity.closes_at + timedelta(minutes=1)
    seal_seed(programme, closed)
    report = run_draw(programme, by=make.user(role=Role.STAFF, age=40), now=closed)
    units = report["inputs"]["slots"][str(day.id)]["units"].values()
    drawn_first = {
        db.session.get(Person, unit["persons"][0]).household_id
        for unit in units
        if unit["priority"]
    }
    assert drawn_first == {guardians[t] for t, m in HOUSEHOLD_TAGS.items() if m.lottery_priority}


# --- names ---------------------------------------------------------------------------


def test_a_for_suffix_in_the_services_never_names_an_act_on_someones_behalf():
    """`_for` means "as this user may see it" (`card_for`, the loaders' `person_for`);
    acts on someone's behalf are named for the act (`on_behalf.book`,
    `attendance.leave.take_leave_on`). An act takes `by`: no `_for` function does."""
    import importlib
    import inspect
    import pkgutil

    import app.services

    checked = []
    for module_info in pkgutil.walk_packages(app.services.__path__, "app.services."):
        module = importlib.import_module(module_info.name)
        for name, function in inspect.getmembers(module, inspect.isfunction):
            if function.__module__ == module.__name__ and name.endswith("_for"):
                assert "by" not in inspect.signature(function).parameters, (
                    f"{module.__name__}.{name}"
                )
                checked.append(name)
    assert "card_for" in checked


def _card_figures(card):
    members = [(m.person.id, m.booking.id if m.booking else None, m.position) for m in card.members]
    return card.seats_left, card.waitlist_length, members


def test_a_term_dates_cards_read_together_agree_with_each_card_alone(make, now):
    """The class page reads its dates' cards at once (seats, queues, the viewer's
    people with their bookings and places in line); each must be the card of the
    date alone (`card_for`), taken leave and waiting lists included."""
    activity = make.activity(series=True, sessions=3, capacity=2)
    enrolled = [make.resident() for _ in range(2)]
    for user in enrolled:
        book(user.person, Target(activity, None), by=user, channel=Channel.ONLINE, now=now)
    first, second = activity.sessions[0], activity.sessions[1]
    attendance_leave.take_leave(
        db.session.scalar(select(Booking).where(Booking.person_id == enrolled[0].person_id)),
        first,
        by=enrolled[0],
        now=now,
    )
    viewer = make.resident()
    partner = make.person(household=viewer.person.household)
    someone = make.resident()
    book(someone.person, Target(activity, second), by=someone, channel=Channel.ONLINE, now=now)
    for day in (first, second):
        for person in (partner, viewer.person):
            book(person, Target(activity, day), by=viewer, channel=Channel.ONLINE, now=now)
    db.session.flush()
    term = catalogue.card_for(Target(activity, None), viewer)
    together = catalogue.date_cards(term, viewer, now)
    alone = [catalogue.card_for(Target(activity, s), viewer) for s in activity.sessions]
    assert [_card_figures(c) for c in together] == [_card_figures(c) for c in alone]
    assert {m.booking.status for c in together for m in c.members if m.booking} == {
        BookingStatus.CONFIRMED,
        BookingStatus.WAITLISTED,
    }
