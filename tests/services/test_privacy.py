"""The retention job (issue 14) on a seeded history, holds, and deletion by request,
called without HTTP. Reports of a past period add up the same before and after."""

from __future__ import annotations

import json
from dataclasses import asdict
from datetime import date, datetime, timedelta

import pytest
from sqlalchemy import delete, func, select

from app.extensions import db
from app.models import (
    AuditEntry,
    Booking,
    BookingStatus,
    DeletionRequest,
    DeletionStatus,
    HouseholdTag,
    LoginAttempt,
    OutboxMessage,
    Person,
    PrivacyHold,
    Role,
    User,
)
from app.services.people.residents import reset_pin
from app.services.privacy import holds, requests
from app.services.privacy.activity import due_for_anonymisation, months_before
from app.services.privacy.anonymise import household_pseudonym, pseudonym
from app.services.privacy.retention import run_retention
from app.services.refusals import NotAllowed, PrivacyRefused, ReasonRequired
from app.services.reports.base import CENTRE
from app.services.reports.period import month_period
from app.services.reports.report import build_report
from tests.conftest import assert_seat_invariant
from tests.privacy_helpers import seed_history
from tests.report_helpers import seed_october


@pytest.fixture
def history(make):
    world = seed_history(make)
    make.commit()
    return world


def _get(model, row_id):
    return db.session.get(model, row_id)


def test_the_retention_job_on_a_seeded_history(history, app, now):
    p, u = history.people, history.users
    done = run_retention(now)
    db.session.commit()
    assert done == {
        "care_notes": 1,  # 王小明: last class 14 September, more than 30 days ago
        "anonymised": 2,  # 张老汉 and 李奶奶, last here May 2024
        "outbox": 1,  # the message of 100 days ago
        "login_attempts": 1,  # the wrong try of 40 days ago (it had locked)
        "access_records": 1,  # who saw the sibling's data four years ago
        "audit": 1,  # the entry of January 2023
    }
    db.session.expire_all()
    old = _get(Person, p["old"].id)
    assert old.name == pseudonym(old.id) and old.name.startswith("居民 ")
    assert (old.phone, old.care_notes, old.member_no) == (None, None, None)
    assert old.birth_date == date(1950, 1, 1)  # the year stays
    assert old.anonymised_at == now
    account = _get(User, u["old"].id)
    assert not account.active and account.secret_hash == "" and account.phone.startswith("anon-")
    household = old.household
    assert household.name == household_pseudonym(household.id) and household.tag_names == []
    # She goes; her husband still comes: the household and its tags stay.
    assert _get(Person, p["she"].id).anonymised_at == now
    couple = _get(Person, p["he"].id)
    assert couple.name == "李爷爷" and couple.household.tag_names == ["高龄"]
    assert couple.household.anonymised_at is None
    # The child not seen since September keeps their name but not their care notes.
    assert (_get(Person, p["kid"].id).name, _get(Person, p["kid"].id).care_notes) == (
        "王小明",
        None,
    )
    assert _get(Person, p["sib"].id).care_notes == "哮喘"
    # Staff accounts are the desk's to close.
    assert _get(Person, p["teacher"].id).anonymised_at is None
    assert db.session.scalar(select(func.count()).select_from(OutboxMessage)) == 1
    assert list(db.session.scalars(select(LoginAttempt.phone))) == ["13787654321"]
    # Bookings and attendance stay, linked to the pseudonymised person.
    assert db.session.scalar(select(func.count()).where(Booking.person_id == old.id)) == 1


def test_an_anonymised_account_loses_its_calendar_address(history, now):
    """The calendar feed's address (issue 17) goes with the account: no row is left
    that a leaked URL could still find."""
    from app.models import CalendarFeed
    from app.services.calendar.feeds import feed_for_token, renew_feed, token_for

    old = db.session.get(User, history.users["old"].id)
    token = token_for(renew_feed(old, now=now - timedelta(days=800)))
    db.session.commit()
    run_retention(now)
    db.session.commit()
    assert feed_for_token(token) is None
    assert db.session.scalar(select(func.count()).select_from(CalendarFeed)) == 0


def test_a_second_run_does_nothing(history, now):
    run_retention(now)
    db.session.commit()
    assert set(run_retention(now).values()) == {0}


def test_the_preview_names_exactly_whom_the_job_anonymises(history, app, now):
    due = {d.person.id for d in due_for_anonymisation(now, app.config)}
    assert due == {history.people["old"].id, history.people["she"].id}
    run_retention(now)
    db.session.commit()
    done = set(db.session.scalars(select(Person.id).where(Person.anonymised_at.is_not(None))))
    assert done == due


def test_audit_entries_stay_readable_with_the_pseudonym(history, app, make, now):
    staff = make.user(role=Role.STAFF, age=40)
    reset_pin(
        history.users["old"],
        "135790",
        by=staff,
        now=now - timedelta(days=800),
        hash_method=app.config["PASSWORD_HASH_METHOD"],
    )
    make.commit()
    run_retention(now)
    db.session.commit()
    old = _get(Person, history.people["old"].id)
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "user.reset_pin"))
    assert entry.after == {"person": old.name}
    said = db.session.scalar(
        select(AuditEntry).where(
            AuditEntry.action == "privacy.anonymise", AuditEntry.subject_id == old.id
        )
    )
    assert said.after == {"pseudonym": old.name, "why": "retention"} and said.actor_id is None
    every = json.dumps([(e.before, e.after) for e in db.session.scalars(select(AuditEntry))])
    assert "张老汉" not in json.loads(json.dumps(every)) and "老张家" not in every


def test_a_login_is_activity(history, app, now):
    db.session.get(User, history.users["old"].id).last_login_at = now - timedelta(days=3)
    db.session.commit()
    due = {d.person.id for d in due_for_anonymisation(now, app.config)}
    assert history.people["old"].id not in due


def test_months_before_keeps_the_day_or_the_months_end():
    assert months_before(datetime(2026, 11, 23, 2), 24) == datetime(2024, 11, 23, 2)
    assert months_before(datetime(2026, 3, 31), 1) == datetime(2026, 2, 28)


# --- holds ---------------------------------------------------------------------------


def test_a_held_person_is_kept_until_released(history, app, make, now):
    staff = make.user(role=Role.STAFF, age=40)
    db.session.execute(delete(PrivacyHold))
    held = history.people["old"]
    with pytest.raises(ReasonRequired):
        holds.hold(held, "  ", by=staff, now=now)
    holds.hold(held, "家属投诉处理中", by=staff, now=now)
    db.session.commit()
    run_retention(now)
    db.session.commit()
    assert _get(Person, held.id).anonymised_at is None
    with pytest.raises(PrivacyRefused):
        holds.hold(_get(Person, held.id), "again", by=staff, now=now)
    holds.release(_get(Person, held.id), by=staff, now=now)
    db.session.commit()
    run_retention(now)
    db.session.commit()
    assert _get(Person, held.id).anonymised_at == now
    actions = list(
        db.session.scalars(
            select(AuditEntry.action)
            .where(AuditEntry.subject_type == "person", AuditEntry.subject_id == held.id)
            .order_by(AuditEntry.id)
        )
    )
    assert actions == ["privacy.hold", "privacy.release", "privacy.anonymise"]
    hold_entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "privacy.hold"))
    assert hold_entry.reason == "家属投诉处理中" and hold_entry.actor_id == staff.id


# --- deletion by request ---------------------------------------------------------------


def test_a_guardian_asks_and_the_desk_confirms(history, make, now):
    p, u = history.people, history.users
    staff = make.user(role=Role.STAFF, age=40)
    ahead = make.activity(capacity=1)
    waiting = make.resident()
    from app.models import Channel
    from app.services.booking.book import book
    from app.services.booking.targets import Target

    target = Target.of(ahead, ahead.sessions[0])
    mine = book(p["kid"], target, by=u["parent"], channel=Channel.PHONE, now=now)
    theirs = book(waiting.person, target, by=waiting, channel=Channel.PHONE, now=now)
    assert theirs.status == BookingStatus.WAITLISTED
    family = p["parent"].household
    asked = requests.request_deletion(family, by=u["parent"], now=now)
    assert requests.request_deletion(family, by=u["parent"], now=now).id == asked.id
    make.commit()
    assert requests.confirm_deletion(asked, by=staff, now=now) == 3
    db.session.commit()
    db.session.expire_all()
    assert all(
        person.anonymised_at == now for person in _get(Person, p["parent"].id).household.members
    )
    assert _get(Booking, mine.id).status == BookingStatus.CANCELLED
    assert _get(Booking, theirs.id).status == BookingStatus.CONFIRMED  # the seat went on
    assert_seat_invariant()
    assert _get(DeletionRequest, asked.id).status == DeletionStatus.CONFIRMED
    entry = db.session.scalar(
        select(AuditEntry).where(AuditEntry.action == "privacy.delete_request")
    )
    assert entry.actor_id == staff.id and entry.after == {"request": asked.id, "people": 3}
    assert not _get(User, u["parent"].id).active
    with pytest.raises(PrivacyRefused):  # done once: not again
        requests.confirm_deletion(_get(DeletionRequest, asked.id), by=staff, now=now)


def test_who_may_not_ask_or_confirm(history, make, now):
    p, u = history.people, history.users
    family = p["parent"].household
    neighbour = make.resident(age=40)
    with pytest.raises(NotAllowed):
        requests.request_deletion(family, by=neighbour, now=now)
    asked = requests.request_deletion(family, by=u["parent"], now=now)
    make.commit()
    with pytest.raises(NotAllowed):  # a resident cannot confirm, even their own
        requests.confirm_deletion(asked, by=u["parent"], now=now)
    teacher = history.users["teacher"]
    with pytest.raises(NotAllowed):
        requests.confirm_deletion(asked, by=teacher, now=now)
    requests.withdraw_request(asked, by=u["parent"], now=now)
    db.session.commit()
    staff = make.user(role=Role.STAFF, age=40)
    with pytest.raises(PrivacyRefused):  # withdrawn: nothing left to confirm
        requests.confirm_deletion(_get(DeletionRequest, asked.id), by=staff, now=now)
    db.session.rollback()
    assert _get(Person, p["parent"].id).anonymised_at is None


def test_a_deletion_waits_while_someone_is_held(history, make, now):
    p, u = history.people, history.users
    staff = make.user(role=Role.STAFF, age=40)
    holds.hold(p["kid"], "事故调查", by=staff, now=now)
    asked = requests.request_deletion(p["parent"].household, by=u["parent"], now=now)
    make.commit()
    with pytest.raises(PrivacyRefused):
        requests.confirm_deletion(asked, by=staff, now=now)
    db.session.rollback()
    assert _get(DeletionRequest, asked.id).status == DeletionStatus.PENDING
    assert db.session.scalar(select(func.count()).select_from(PrivacyHold)) == 2


# --- reports ------------------------------------------------------------------------


def _lines(report):
    return {name: [asdict(line) for line in rows] for name, rows in report.breakdowns.items()}


def test_a_past_months_report_adds_up_the_same_after_the_job(make, app):
    """人次 and 人数 are the same, and so is every breakdown by class, kind and month.
    Age bands: each visit is still in one band (the sum of visits is the same), but
    an anonymised person's age is counted from 1 January of their birth year, so a
    visit before their birthday may move up a band. Tags: an anonymised household
    has none left, so its visits move to "no tag"."""
    seed_october(make)
    make.commit()
    later = datetime(2029, 1, 10, 2)  # everyone seeded is more than 24 months quiet
    october = month_period(2026, 10)
    before = build_report(october, CENTRE, later)
    done = run_retention(later, app.config)
    db.session.commit()
    assert done["anonymised"] >= 8
    after = build_report(october, CENTRE, later)
    assert (after.figures.visits, after.figures.people) == (
        before.figures.visits,
        before.figures.people,
    )
    assert asdict(after.figures) == asdict(before.figures)
    lines_before, lines_after = _lines(before), _lines(after)
    for name in ("category", "activity", "audience", "month"):
        assert lines_after[name] == lines_before[name]
    for name in ("age_civil", "age_fine"):
        assert sum(line["visits"] for line in lines_after[name]) == after.figures.visits
    assert db.session.scalar(select(func.count()).select_from(HouseholdTag)) == 0


def test_a_removed_pickup_person_leaves_no_phone_nor_code(make, now):
    """Decided: at once on removal (the row goes; the door's log keeps the name only)."""
    from app.models import PickupPerson
    from app.services.childcare.pickup_list import add_pickup_person, remove_pickup_person
    from tests.programme_helpers import family

    guardian, (kid,) = family(make, children=1)
    listed = add_pickup_person(
        kid, name="外公", phone="13611112222", relation="外公", by=guardian, now=now
    )
    remove_pickup_person(listed, by=guardian, now=now)
    make.commit()
    assert db.session.scalar(select(func.count()).select_from(PickupPerson)) == 0
    every = json.dumps(
        [(e.before, e.after) for e in db.session.scalars(select(AuditEntry))], ensure_ascii=False
    )
    assert "13611112222" not in every
