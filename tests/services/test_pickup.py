"""Safe pickup: the authorised list and codes, check-in (single and batch),
check-out only with a listed person's code, late pickups and who is here."""

from datetime import timedelta

import pytest
from sqlalchemy import delete, select

from app.extensions import db
from app.models import Attendance, AuditEntry, PickupAttempt, PickupLock, PickupPerson, Role
from app.services.childcare.door import (
    batch_check_in,
    check_in,
    check_in_group,
    refused_attempts,
    who_is_here,
)
from app.services.childcare.pickup import (
    MAX_WRONG_CODES,
    check_out,
    check_out_or_refuse,
    is_locked,
    lift_pickup_lock,
    locked_children,
    refusal_message,
)
from app.services.childcare.pickup_list import (
    add_pickup_person,
    may_manage_pickup,
    pickup_list,
    remove_pickup_person,
)
from app.services.childcare.submissions import book_days
from app.services.refusals import (
    AlreadyCheckedIn,
    BadPickupDay,
    NotAllowed,
    NotBookedHere,
    Refusal,
)
from tests.programme_helpers import afterschool, family, holiday, sessions


@pytest.fixture
def setup(make, now):
    teacher = make.user(role=Role.TEACHER, age=30)
    programme = afterschool(make, teacher=teacher)
    guardian, kids = family(make)
    today = sessions(programme)[0]
    book_days(programme, [(k, today) for k in kids], by=guardian, channel="phone", now=now)
    grandma = add_pickup_person(
        kids[0], name="外婆", phone="13700000001", relation="外婆", by=guardian, now=now
    )
    return teacher, programme, guardian, kids, today, grandma


def test_codes_are_four_digits_stored_hashed_and_only_the_household_manages_the_list(
    make, now, setup
):
    _, _, guardian, kids, _, grandma = setup
    assert len(grandma.issued_code) == 4 and grandma.issued_code.isdigit()
    assert grandma.code_hash != grandma.issued_code and len(grandma.code_hash) == 64
    stranger = make.resident(age=40)
    with pytest.raises(NotAllowed):
        add_pickup_person(kids[0], name="x", phone="1", relation="x", by=stranger, now=now)
    with pytest.raises(NotAllowed):
        remove_pickup_person(grandma, by=stranger, now=now)
    remove_pickup_person(grandma, by=guardian, now=now)
    assert pickup_list(kids[0], now) == []
    assert db.session.query(PickupPerson).count() == 0  # deleted, not kept


def test_afterschool_is_a_term_enrolment_per_child(setup):
    _, programme, _, kids, today, _ = setup
    assert programme.activity.taken == 2
    assert today.taken == 0


def test_batch_check_in_checks_the_group_in_and_reports_the_rest(make, now, setup):
    teacher, _, _, kids, today, _ = setup
    _, (not_booked,) = family(make, children=1)
    later = today.starts_at + timedelta(minutes=5)
    results = batch_check_in(today, kids + [not_booked], by=teacher, now=later)
    assert [r.ok for r in results] == [True, True, False]
    assert db.session.query(Attendance).filter(Attendance.checked_in_at.isnot(None)).count() == 2
    with pytest.raises(AlreadyCheckedIn):
        check_in(kids[0], today, by=teacher, now=later)
    with pytest.raises(NotBookedHere):
        check_in(not_booked, today, by=teacher, now=later)


def test_the_door_form_refuses_a_group_of_which_no_child_went_in(make, now, setup):
    teacher, _, _, kids, today, _ = setup
    later = today.starts_at + timedelta(minutes=5)
    assert [r.ok for r in check_in_group(today, kids[:1], by=teacher, now=later)] == [True]
    with pytest.raises(Refusal) as refused:
        check_in_group(today, kids[:1], by=teacher, now=later)
    assert str(refused.value) == str(AlreadyCheckedIn()) and refused.value.http_status == 409
    both = check_in_group(today, kids, by=teacher, now=later)  # one of two is enough
    assert [r.ok for r in both] == [False, True]


def test_a_refused_check_out_is_raised_with_its_sentence_after_being_logged(now, setup):
    teacher, _, _, kids, today, grandma = setup
    at = today.starts_at + timedelta(minutes=1)
    check_in(kids[0], today, by=teacher, now=at)
    wrong = "0000" if grandma.issued_code != "0000" else "1111"
    with pytest.raises(NotAllowed) as refused:
        check_out_or_refuse(
            kids[0], today, pickup_person_id=grandma.id, code=wrong, by=teacher, now=at
        )
    assert str(refused.value) == refusal_message(PickupAttempt(reason="wrong_code"))
    assert refused.value.http_status == 403
    assert db.session.query(PickupAttempt).filter_by(reason="wrong_code").count() == 1
    done = check_out_or_refuse(
        kids[0], today, pickup_person_id=grandma.id, code=grandma.issued_code, by=teacher, now=at
    )
    assert done.ok and done.pickup_name == "外婆"


def test_check_out_needs_a_listed_person_with_the_right_code(make, now, setup):
    teacher, _, _, kids, today, grandma = setup
    child = kids[0]
    at = today.starts_at + timedelta(minutes=1)
    check_in(child, today, by=teacher, now=at)
    wrong = "0000" if grandma.issued_code != "0000" else "1111"
    refused = check_out(child, today, pickup_person_id=grandma.id, code=wrong, by=teacher, now=at)
    assert not refused.ok and refused.reason == "wrong_code"
    unlisted = check_out(
        child, today, pickup_person_id=None, code=grandma.issued_code, by=teacher, now=at
    )
    assert unlisted.reason == "not_listed"
    # Another child's pickup person is not on this child's list.
    other = add_pickup_person(
        kids[1], name="爸爸", phone="1", relation="父亲", by=setup[2], now=now
    )
    assert (
        check_out(
            child, today, pickup_person_id=other.id, code=other.issued_code, by=teacher, now=at
        ).reason
        == "not_listed"
    )
    attendance = db.session.query(Attendance).filter_by(person_id=child.id).one()
    assert attendance.checked_out_at is None
    ok = check_out(
        child, today, pickup_person_id=grandma.id, code=grandma.issued_code, by=teacher, now=at
    )
    assert ok.ok
    db.session.refresh(attendance)
    assert attendance.checked_out_at == at
    # Every attempt is logged; refusals are audited and listed for staff.
    assert db.session.query(PickupAttempt).count() == 4
    assert db.session.query(AuditEntry).filter_by(action="pickup_refused").count() == 3
    assert len(refused_attempts(at)) == 3
    again = check_out(
        child, today, pickup_person_id=grandma.id, code=grandma.issued_code, by=teacher, now=at
    )
    assert again.reason == "not_here"


def test_a_removed_person_can_no_longer_pick_up(setup, now):
    teacher, _, guardian, kids, today, grandma = setup
    check_in(kids[0], today, by=teacher, now=now)
    grandma_id, code = grandma.id, grandma.issued_code
    remove_pickup_person(grandma, by=guardian, now=now)
    attempt = check_out(kids[0], today, pickup_person_id=grandma_id, code=code, by=teacher, now=now)
    assert attempt.reason == "not_listed"


def _wrong_code(person: PickupPerson) -> str:
    return "0000" if person.issued_code != "0000" else "1111"


def _lock_out(child, session, person, teacher, now) -> None:
    """Types MAX_WRONG_CODES wrong codes for `person` collecting `child`."""
    for _ in range(MAX_WRONG_CODES):
        check_out(
            child,
            session,
            pickup_person_id=person.id,
            code=_wrong_code(person),
            by=teacher,
            now=now,
        )


def test_too_many_wrong_codes_lock_check_out(setup, now):
    teacher, _, _, kids, today, grandma = setup
    check_in(kids[0], today, by=teacher, now=now)
    _lock_out(kids[0], today, grandma, teacher, now)
    locked = check_out(
        kids[0], today, pickup_person_id=grandma.id, code=grandma.issued_code, by=teacher, now=now
    )
    assert locked.reason == "too_many"


def test_only_staff_lift_a_pickup_lock_and_codes_count_afresh(make, setup, now):
    teacher, _, _, kids, today, grandma = setup
    check_in(kids[0], today, by=teacher, now=now)
    _lock_out(kids[0], today, grandma, teacher, now)
    assert locked_children(refused_attempts(now), now) == [kids[0]]
    with pytest.raises(NotAllowed):
        lift_pickup_lock(kids[0], by=teacher, now=now, reason="grandma is here")
    staff = make.user(role=Role.STAFF, age=40)
    later = now + timedelta(minutes=5)
    lift_pickup_lock(kids[0], by=staff, now=later, reason="外婆本人，看过身份证")
    assert locked_children(refused_attempts(later), later) == []
    # One more wrong code does not lock again at once; the right code lets her go.
    check_out(
        kids[0],
        today,
        pickup_person_id=grandma.id,
        code=_wrong_code(grandma),
        by=teacher,
        now=later,
    )
    done = check_out(
        kids[0], today, pickup_person_id=grandma.id, code=grandma.issued_code, by=teacher, now=later
    )
    assert done.ok
    entry = db.session.query(AuditEntry).filter_by(action="pickup_lock_lifted").one()
    assert entry.actor_id == staff.id and entry.reason == "外婆本人，看过身份证"


def test_the_lock_is_its_own_state_so_thinning_the_logs_changes_nothing(make, setup, now):
    """Retention may delete audit entries and attempts: a locked child stays locked,
    and a lifted lock stays lifted."""
    teacher, _, _, kids, today, grandma = setup
    for kid in kids:
        check_in(kid, today, by=teacher, now=now)
    _lock_out(kids[0], today, grandma, teacher, now)
    staff = make.user(role=Role.STAFF, age=40)
    lifted = kids[1]
    grandpa = add_pickup_person(
        lifted, name="外公", phone="13700000002", relation="外公", by=setup[2], now=now
    )
    _lock_out(lifted, today, grandpa, teacher, now)
    lift_pickup_lock(lifted, by=staff, now=now, reason="外公本人")
    db.session.execute(delete(AuditEntry))
    db.session.execute(delete(PickupAttempt))
    db.session.expire_all()

    still = check_out(
        kids[0], today, pickup_person_id=grandma.id, code=grandma.issued_code, by=teacher, now=now
    )
    assert still.reason == "too_many"
    gone = check_out(
        lifted, today, pickup_person_id=grandpa.id, code=grandpa.issued_code, by=teacher, now=now
    )
    assert gone.ok
    lock = db.session.scalars(select(PickupLock).order_by(PickupLock.child_id)).all()
    assert [(row.child_id, row.wrong_codes, row.locked_at is not None) for row in lock] == [
        (kids[0].id, MAX_WRONG_CODES, True),
        (lifted.id, 0, False),
    ]
    assert lock[1].lifted_by_id == staff.id and lock[1].lift_reason == "外公本人"


def test_wrong_codes_count_per_local_day(setup, now):
    teacher, _, _, kids, today, grandma = setup
    check_in(kids[0], today, by=teacher, now=now)
    _lock_out(kids[0], today, grandma, teacher, now)
    tomorrow = now + timedelta(days=1)
    assert locked_children(refused_attempts(now), now) == [kids[0]]
    assert not is_locked(kids[0], tomorrow)


def test_who_is_here_and_late_pickups(make, now, setup):
    teacher, _, guardian, kids, today, grandma = setup
    check_in(kids[0], today, by=teacher, now=today.starts_at)
    check_in(kids[1], today, by=teacher, now=today.starts_at)
    check_out(kids[1], today, pickup_person_id=None, code="", by=teacher, now=today.starts_at)
    here = who_is_here(today.starts_at)
    assert {h.child.id for h in here} == {kids[0].id, kids[1].id}
    assert not any(h.late for h in here)
    after_grace = today.ends_at + timedelta(minutes=16)
    late = [h for h in who_is_here(after_grace) if h.late]
    # The refused check-out left kids[1] here too: both are late, with phones.
    assert {h.child.id for h in late} == {kids[0].id, kids[1].id}
    assert all("13812345678" in h.guardian_phones for h in late)
    # A teacher of another programme sees none of these children.
    stranger = make.user(role=Role.TEACHER, age=30)
    assert who_is_here(after_grace, stranger) == []
    assert len(who_is_here(after_grace, teacher)) == 2


def test_holiday_day_slot_check_in_needs_a_booking_on_that_day(make, now):
    teacher = make.user(role=Role.TEACHER, age=30)
    programme = holiday(make, teacher_id=teacher.id)
    guardian, (kid,) = family(make, children=1)
    monday, tuesday = sessions(programme)[:2]
    book_days(programme, [(kid, monday)], by=guardian, channel="phone", now=now)
    check_in(kid, monday, by=teacher, now=monday.starts_at)
    with pytest.raises(NotBookedHere):
        check_in(kid, tuesday, by=teacher, now=tuesday.starts_at)


def test_who_counts_as_guardian_and_child(make, now):
    """Adults 18+ on the centre's date; an account holder without a birth date counts
    as an adult (the desk opens accounts in person); a person without a birth date is
    no child, so has no pickup list."""
    guardian, (kid,) = family(make, children=1)
    household = guardian.person.household
    no_birth_date = make.user(make.person(household=household, age=None))
    teen = make.user(make.person(household=household, age=17))
    undated_kid = make.person(household=household, age=None)
    stranger = make.user(role=Role.STAFF, age=40)
    assert may_manage_pickup(guardian, kid, now)
    assert may_manage_pickup(no_birth_date, kid, now)
    assert not may_manage_pickup(teen, kid, now)
    assert not may_manage_pickup(stranger, kid, now)
    assert not may_manage_pickup(guardian, undated_kid, now)
    assert not may_manage_pickup(guardian, guardian.person, now)
    with pytest.raises(BadPickupDay):
        add_pickup_person(
            kid,
            name="x",
            phone="1",
            relation="x",
            by=guardian,
            now=now,
            valid_on=now.date() - timedelta(days=1),
        )


def test_expired_one_day_people_are_never_listed_and_the_job_deletes_them(setup, now):
    from app.jobs import run_all

    _, _, guardian, kids, _, _ = setup
    tomorrow = now.date() + timedelta(days=1)
    add_pickup_person(
        kids[0], name="爷爷", phone="1", relation="爷爷", by=guardian, now=now, valid_on=tomorrow
    )
    assert [p.name for p in pickup_list(kids[0], now, today_only=True)] == ["外婆"]
    assert [p.name for p in pickup_list(kids[0], now)] == ["外婆", "爷爷"]
    tomorrow_noon = now + timedelta(days=1)
    assert [p.name for p in pickup_list(kids[0], tomorrow_noon, today_only=True)] == [
        "外婆",
        "爷爷",
    ]
    later = now + timedelta(days=3)
    # Past its day, 爷爷 is on no list even before the job has run.
    assert [p.name for p in pickup_list(kids[0], later)] == ["外婆"]
    assert db.session.query(PickupPerson).count() == 2
    assert run_all(later, only=["forget-expired-pickups"]) == {"forget-expired-pickups": 1}
    assert [p.name for p in db.session.query(PickupPerson)] == ["外婆"]
    assert run_all(later, only=["forget-expired-pickups"]) == {"forget-expired-pickups": 0}
