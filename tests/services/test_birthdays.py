"""The month's birthdays and the party's invitations (集体生日会), without HTTP: who
is on a month's list (solar or lunar birthday), and the reserved window that lets
the invited book the party before it opens to everyone."""

from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from app.extensions import db
from app.models import (
    AuditEntry,
    BookingStatus,
    Channel,
    Notice,
    OutboxMessage,
    SessionInvitation,
)
from app.services.booking.book import book
from app.services.booking.eligibility import window_state
from app.services.booking.invitations import invitation_states, invite
from app.services.booking.targets import Target
from app.services.people.birthdays import (
    birthday_in_month,
    lunar_of,
    month_birthdays,
    set_lunar_birthday,
)
from app.services.refusals import NotBookable, WindowNotOpen
from tests.conftest import assert_seat_invariant


@pytest.fixture
def staff(make):
    return make.user(role="staff", age=40)


def _elder(make, born: date, *, lunar=False, name=None, household=None):
    person = make.person(household=household, birth_date=born, name=name)
    person.birthday_lunar = lunar
    db.session.flush()
    return person


def _names(rows):
    return [r.person.name for r in rows]


def test_the_month_lists_solar_birthdays_and_lunar_ones_on_this_years_date(make):
    _elder(make, date(1950, 12, 1), name="阳历老人")
    # Lunar 10/22 falls on 30 November in 2026: November's party, not December's.
    _elder(make, date(1950, 12, 1), lunar=True, name="农历十月")
    # Lunar 11/12 falls on 20 December in 2026.
    _elder(make, date(1950, 12, 20), lunar=True, name="农历冬月")
    # Born in January, lunar 12/17: 4 February 2026 (lunar year 2025).
    _elder(make, date(1955, 1, 10), lunar=True, name="农历腊月")
    _elder(make, date(1967, 12, 3), name="五十九岁")  # 59 in December 2026
    make.person(birth_date=date(2016, 12, 5), name="孩子")

    december = month_birthdays(2026, 12)
    assert _names(december) == ["阳历老人", "农历冬月"]
    assert december[1].birthday == date(2026, 12, 20)
    assert december[1].lunar.month == 11 and december[1].lunar.day == 12
    assert december[0].lunar is None and december[0].age == 76
    assert _names(month_birthdays(2026, 11)) == ["农历十月"]
    assert _names(month_birthdays(2026, 2)) == ["农历腊月"]
    assert _names(month_birthdays(2026, 1)) == []
    # In 2027 the same lunar date falls on 24 January.
    january = month_birthdays(2027, 1)
    assert _names(january) == ["农历腊月"] and january[0].birthday == date(2027, 1, 24)


def test_a_lunar_30th_in_a_short_month_is_kept_on_the_29th(make):
    person = _elder(make, date(1950, 1, 1), lunar=True)
    lunar = lunar_of(person.birth_date)
    assert (lunar.month, lunar.day) == (11, 13)
    from app.services.people.birthdays import Lunar, lunar_birthday_in

    # Lunar month 12 of 2026 has 29 days.
    assert lunar_birthday_in(2026, Lunar(12, 30)) == lunar_birthday_in(2026, Lunar(12, 29))


def test_an_anonymised_elder_is_on_no_birthday_list(make, now):
    """A deleted record keeps a birth year (1 January) for the figures: it must not
    turn up on January's party list, nor on a lunar month's."""
    from app.services.privacy.anonymise import anonymise_person

    gone = _elder(make, date(1950, 1, 1), lunar=True, name="已删除老人")
    kept = _elder(make, date(1950, 1, 15), name="一月老人")
    anonymise_person(gone, now=now, by=None, why="request")
    db.session.flush()
    db.session.refresh(gone)
    assert gone.birthday_lunar is False
    assert _names(month_birthdays(2027, 1)) == [kept.name]
    assert all(gone.id not in [r.person.id for r in month_birthdays(2027, m)] for m in range(1, 13))


def test_the_list_flags_those_living_alone(make):
    alone = make.household(name="独居户", tags=("独居",))
    _elder(make, date(1948, 12, 8), household=alone, name="独居老人")
    _elder(make, date(1948, 12, 9), name="同住老人")
    rows = month_birthdays(2026, 12)
    assert [(r.person.name, r.lives_alone) for r in rows] == [
        ("独居老人", True),
        ("同住老人", False),
    ]


def test_the_desk_sets_the_lunar_flag_audited(make, now, staff):
    person = _elder(make, date(1950, 12, 1))
    assert birthday_in_month(person, 2026, 12) == date(2026, 12, 1)
    set_lunar_birthday(person, True, by=staff, now=now)
    assert birthday_in_month(person, 2026, 12) is None
    entry = db.session.scalar(
        select(AuditEntry).where(AuditEntry.action == "person.birthday_lunar")
    )
    assert entry.after == {"birthday_lunar": True} and entry.actor_id == staff.id


def _party(make, now):
    """The month's party: its booking opens to everyone in three days."""
    return make.activity(
        title="十二月集体生日会",
        category="event",
        audience="elder",
        capacity=30,
        start_in=timedelta(days=10),
        opens_at=now + timedelta(days=3),
    )


def test_invited_elders_book_before_the_window_opens_and_others_wait(make, now, staff):
    party = _party(make, now)
    session = party.sessions[0]
    invited = make.resident(age=76)
    other = make.resident(age=76)
    invite(session, [invited.person], by=staff, now=now)

    booking = book(
        invited.person, Target.of(party, session), by=invited, channel=Channel.PHONE, now=now
    )
    assert booking.status == BookingStatus.CONFIRMED
    with pytest.raises(WindowNotOpen):
        book(other.person, Target.of(party, session), by=other, channel=Channel.PHONE, now=now)
    assert other.person.id not in invitation_states(session, [other.person.id])
    # The invitation opens the window only for its own session.
    assert window_state(party, now).not_open
    # Once it opens, everyone may book.
    later = now + timedelta(days=3)
    late = book(other.person, Target.of(party, session), by=other, channel=Channel.PHONE, now=later)
    assert late.status == BookingStatus.CONFIRMED
    assert_seat_invariant()


def test_the_reserved_window_starts_at_the_invitation(make, now, staff):
    party = _party(make, now)
    session = party.sessions[0]
    elder = make.resident(age=80)
    invite(session, [elder.person], by=staff, now=now)
    earlier = now - timedelta(minutes=1)
    with pytest.raises(WindowNotOpen):
        book(elder.person, Target.of(party, session), by=elder, channel=Channel.PHONE, now=earlier)


def test_inviting_twice_does_not_invite_or_tell_twice(make, now, staff):
    party = _party(make, now)
    session = party.sessions[0]
    first, second = make.resident(age=70), make.resident(age=71)
    assert len(invite(session, [first.person], by=staff, now=now)) == 1
    new = invite(session, [first.person, second.person], by=staff, now=now)
    assert [i.person_id for i in new] == [second.person.id]
    count = db.session.scalar(select(func.count(SessionInvitation.id)))
    assert count == 2
    notices = db.session.scalars(select(Notice).where(Notice.kind == "birthday_invited")).all()
    assert sorted(n.user_id for n in notices) == sorted([first.id, second.id])
    assert (
        db.session.scalar(
            select(func.count(OutboxMessage.id)).where(OutboxMessage.kind == "birthday_invited")
        )
        == 2
    )
    audits = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "session.invite"))
    assert [a.after for a in audits] == [
        {"invited": [first.person.id], "already": 0},
        {"invited": [second.person.id], "already": 1},
    ]


def test_one_cannot_invite_to_a_cancelled_or_past_session(make, now, staff):
    party = _party(make, now)
    session = party.sessions[0]
    from app.services.schedule.sessions import cancel_session

    cancel_session(session, by=staff, now=now)
    with pytest.raises(NotBookable):
        invite(session, [make.resident().person], by=staff, now=now)
    assert db.session.scalar(select(func.count(SessionInvitation.id))) == 0
