"""Children's privacy (issue 14): a guardian's consent per child before any
booking of a child under 14, care notes only with consent and erased when it is
withdrawn, access records written in one statement, and the yearly figures."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import event, func, select

from app.extensions import db
from app.models import (
    AccessRecord,
    Audience,
    AuditEntry,
    Booking,
    Channel,
    Consent,
    ConsentChannel,
    ConsentKind,
    Role,
)
from app.services.booking import on_behalf
from app.services.booking.book import book
from app.services.booking.targets import Target
from app.services.childcare.applications import apply_days
from app.services.childcare.submissions import book_days
from app.services.people.residents import register_member
from app.services.privacy import access, compliance, consent
from app.services.privacy.children import add_child
from app.services.refusals import DeskRefused, NoConsent, NotAllowed
from tests.programme_helpers import afterschool, lottery


@pytest.fixture
def family(make):
    """A parent with an account and a child of 9 with no consent on file."""
    household = make.household(name="林家")
    parent = make.user(make.person(household=household, age=38))
    child = make.person(household=household, age=9, consent=False)
    return parent, child


def _class(make):
    return make.activity(title="手工课", audience=Audience.CHILD)


def _count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def test_a_child_under_14_without_consent_cannot_be_booked_on_any_channel(make, family, now):
    parent, child = family
    activity = _class(make)
    target = Target.of(activity, activity.sessions[0])
    staff = make.user(role=Role.STAFF, age=40)
    with pytest.raises(NoConsent) as refused:
        book(child, target, by=parent, channel=Channel.PHONE, now=now)
    assert child.name in str(refused.value) and "14" in str(refused.value)
    with pytest.raises(NoConsent):
        on_behalf.book(child, target, by=staff, channel=Channel.DESK, now=now)
    childcare = afterschool(make)
    (outcome,) = book_days(
        childcare,
        [(child, childcare.slots[0].session)],
        by=parent,
        channel=Channel.PHONE,
        now=now,
    )
    assert outcome.status == "refused" and isinstance(outcome.refusal, NoConsent)
    drawn = lottery(make, days=1)
    (applied,) = apply_days(drawn, [(child, drawn.slots[0].session)], by=parent, now=now)
    assert applied.status == "refused" and isinstance(applied.refusal, NoConsent)
    assert _count(Booking) == 0


def test_with_the_guardians_consent_the_child_is_booked(make, family, now):
    parent, child = family
    given = consent.give_consent(
        child,
        [ConsentKind.BOOKING],
        guardian=parent.person,
        by=parent,
        channel=ConsentChannel.ONLINE,
        now=now,
    )
    (row,) = given
    assert (row.guardian_id, row.given_by_id, row.channel) == (
        parent.person.id,
        parent.id,
        "online",
    )
    assert row.notice_version == "2026-12"
    activity = _class(make)
    booking = book(
        child, Target.of(activity, activity.sessions[0]), by=parent, channel="phone", now=now
    )
    assert booking.status == "confirmed"


def test_children_of_14_and_adults_need_no_consent(make, now):
    household = make.household()
    parent = make.user(make.person(household=household, age=40))
    teen = make.person(household=household, birth_date=date(2012, 11, 23), consent=False)
    assert teen.age_at(now) == 14 and not consent.needs_consent(teen, now)
    activity = _class(make)
    book(teen, Target.of(activity, activity.sessions[0]), by=parent, channel="phone", now=now)
    assert _count(Consent) == 0


def test_withdrawing_care_notes_erases_them_and_keeps_the_history(make, family, now):
    parent, child = family
    consent.give_consent(
        child, list(ConsentKind), guardian=parent.person, by=parent, channel="online", now=now
    )
    child.care_notes = "花生过敏"
    later = now + timedelta(days=1)
    assert consent.withdraw_consent(
        child, "care_notes", guardian=parent.person, by=parent, channel="online", now=later
    )
    db.session.expire_all()
    assert child.care_notes is None
    rows = db.session.scalars(select(Consent).order_by(Consent.id)).all()
    assert len(rows) == 2
    notes = next(r for r in rows if r.kind == "care_notes")
    assert notes.withdrawn_at == later and notes.withdrawn_by_id == parent.id
    assert consent.consents_in_force([child.id])[child.id] == {"booking"}
    # Giving it again is a new row: the withdrawn one stays as history.
    consent.give_consent(
        child, ["care_notes"], guardian=parent.person, by=parent, channel="online", now=later
    )
    assert _count(Consent) == 3


def test_without_booking_consent_nothing_new_is_booked_but_bookings_stay(make, family, now):
    parent, child = family
    consent.give_consent(
        child, ["booking"], guardian=parent.person, by=parent, channel="online", now=now
    )
    first, second = _class(make), _class(make)
    kept = book(child, Target.of(first, first.sessions[0]), by=parent, channel="phone", now=now)
    consent.withdraw_consent(
        child, "booking", guardian=parent.person, by=parent, channel="online", now=now
    )
    with pytest.raises(NoConsent):
        book(child, Target.of(second, second.sessions[0]), by=parent, channel="phone", now=now)
    assert db.session.get(Booking, kept.id).status == "confirmed"


def test_only_a_guardian_of_the_household_gives_consent(make, family, now):
    parent, child = family
    stranger = make.resident(age=40)
    with pytest.raises(NotAllowed):
        consent.give_consent(
            child, ["booking"], guardian=stranger.person, by=stranger, channel="online", now=now
        )
    # Staff record it for a guardian of the household, not for a stranger.
    staff = make.user(role=Role.STAFF, age=40)
    with pytest.raises(NotAllowed):
        consent.give_consent(
            child, ["booking"], guardian=stranger.person, by=staff, channel="desk", now=now
        )
    assert _count(Consent) == 0


def test_care_notes_of_a_child_are_kept_only_with_consent(make, now):
    household = make.household()
    parent = make.person(household=household, age=36)
    staff = make.user(role=Role.STAFF, age=40)
    with pytest.raises(NoConsent):
        add_child(
            household,
            "小雨",
            birth_date=date(2017, 3, 1),
            by=staff,
            now=now,
            care_notes="花生过敏",
            guardian=parent,
            consents=["booking"],
        )
    child = add_child(
        household,
        "小雨",
        birth_date=date(2017, 3, 1),
        by=staff,
        now=now,
        care_notes="花生过敏",
        guardian=parent,
        consents=["booking", "care_notes"],
    )
    assert child.care_notes == "花生过敏" and child.phone is None
    assert {r.kind for r in db.session.scalars(select(Consent))} == {"booking", "care_notes"}
    assert {r.channel for r in db.session.scalars(select(Consent))} == {"desk"}


def test_the_member_form_does_not_take_a_child_under_14(make, now):
    """Minimisation: a child comes in with "Add a child" (no phone or PIN of their own)."""
    household = make.household()
    staff = make.user(role=Role.STAFF, age=40)
    with pytest.raises(DeskRefused):
        register_member(
            household,
            "小明",
            by=staff,
            now=now,
            hash_method="pbkdf2:sha256:1000",
            birth_date=date(2018, 1, 1),
            phone="13912345678",
        )


def test_a_roll_of_children_is_recorded_in_one_statement(make, now):
    teacher = make.user(role=Role.TEACHER, age=45)
    household = make.household()
    children = [make.person(household=household, age=8) for _ in range(30)]
    elder = make.person(age=70)
    statements = []

    def count(*_args):
        statements.append(1)

    ids = access.children_of([*children, elder], now)
    assert elder.id not in ids and len(ids) == 30
    event.listen(db.engine, "before_cursor_execute", count)
    try:
        written = access.record_views(teacher, ids, access.Page.ROSTER, now=now)
    finally:
        event.remove(db.engine, "before_cursor_execute", count)
    assert written == 30 and len(statements) == 1
    # A guardian looking at their own child's page leaves no record.
    parent = make.user(make.person(household=household, age=40))
    assert access.record_views(parent, ids, access.Page.PICKUP, now=now) == 0
    assert _count(AccessRecord) == 30


def test_the_years_figures(make, now):
    staff = make.user(role=Role.STAFF, age=40)
    teacher = make.user(role=Role.TEACHER, age=45)
    household = make.household()
    parent = make.user(make.person(household=household, age=38))
    child = make.person(household=household, age=9)  # both consents, from the factory
    consent.withdraw_consent(
        child, "care_notes", guardian=parent.person, by=parent, channel="online", now=now
    )
    access.record_views(teacher, [child.id], "roster", now=now)
    access.record_views(staff, [child.id], "person", now=now)
    db.session.add(AuditEntry(action="privacy.anonymise", subject_type="person", created_at=now))
    compliance.record_breach(now.date(), "名单遗失", "家长, 2026-11-23", by=staff, now=now)
    figures = compliance.year_figures(2026)
    assert figures.children == 1
    assert figures.consents_given == {"booking": 1, "care_notes": 1}
    assert figures.consents_withdrawn == {"care_notes": 1}
    assert figures.access_by_role == {"teacher": 1, "staff": 1}
    assert figures.deletions == {"privacy.delete_request": 0, "privacy.anonymise": 1}
    assert len(figures.breaches) == 1
    assert compliance.year_figures(2025).breaches == []
