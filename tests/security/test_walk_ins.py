"""Teachers and walk-ins: a teacher reads a child's care notes and guardian phones
only for children booked on their own session (or added there by staff); the
walk-in search and the walk-in add admit only people the class is for, never staff
accounts, and never a child unless staff add them; walk-ins are audited and a
teacher can take one added by mistake off the roll."""

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from app.extensions import db
from app.models import (
    Attendance,
    AttendanceChange,
    Audience,
    AuditEntry,
    Booking,
    Channel,
    Household,
    Person,
    Role,
)
from app.services.attendance import leave as attendance_leave
from app.services.attendance import marking, walk_ins
from app.services.attendance import roster as attendance_roster
from app.services.booking.book import book
from app.services.booking.cancel import cancel_booking
from app.services.booking.targets import Target
from tests.conftest import assert_seat_invariant

HOUR = timedelta(hours=1)
DAY = timedelta(days=1)


def _counts() -> tuple[int, ...]:
    return tuple(
        db.session.scalar(select(func.count()).select_from(model))
        for model in (Attendance, AttendanceChange, AuditEntry, Person, Household, Booking)
    )


def _roster_page(client, session):
    return client.get(f"/teach/sessions/{session.id}")


def _found_names(client, session, q) -> str:
    return client.get(f"/teach/sessions/{session.id}", query_string={"q": q}).text


@pytest.fixture
def teacher(make):
    return make.user(role=Role.TEACHER, age=45)


@pytest.fixture
def staff(make):
    return make.user(role=Role.STAFF, age=40)


# --- the search ------------------------------------------------------------------------


def test_search_as_a_teacher_finds_only_who_the_class_admits(client, auth, make, teacher):
    """An elders' class (60+): the teacher finds the elder called 张, not the
    child, the 40-year-old, or the staff and admin accounts of the same name."""
    activity = make.activity(
        title="太极", start_in=HOUR, teacher_id=teacher.id, audience=Audience.ELDER
    )
    elder = make.person(name="张阿婆", age=72, phone="13811112222")
    make.person(name="张小明", age=9, care_notes="哮喘")
    make.person(name="张先生", age=40)
    make.user(make.person(name="张主任", age=65), role=Role.STAFF)
    make.user(make.person(name="张管理", age=66), role=Role.ADMIN)
    db.session.commit()
    session = activity.sessions[0]
    auth.login(teacher)
    page = _found_names(client, session, "张")  # one character: no search at all
    assert "张阿婆" not in page
    page = _found_names(client, session, "张阿")
    assert "张阿婆" in page and "2222" in page
    # Only the name and a phone tail: no full phone number, no member number.
    assert "13811112222" not in page and (elder.member_no or "ZX-none") not in page
    every = walk_ins.find_walk_ins(session, "张", by=teacher, now=make.now)
    assert every == []
    two = walk_ins.find_walk_ins(session, "张 ", by=teacher, now=make.now)
    assert two == []
    found = walk_ins.find_walk_ins(session, "13811", by=teacher, now=make.now)
    assert [c.person_id for c in found] == [elder.id]
    for q in ("张小", "张先", "张主", "张管"):
        assert walk_ins.find_walk_ins(session, q, by=teacher, now=make.now) == []
        page = _found_names(client, session, q)
        assert "张小明" not in page and "哮喘" not in page
        assert "张先生" not in page and "张主任" not in page and "张管理" not in page


def test_search_respects_the_age_range_and_never_shows_children_to_teachers(make, teacher, staff):
    """A children's class for ages 6–12: teachers find nobody (children are added by
    staff), staff find only the 6–12-year-olds; staff accounts never appear."""
    activity = make.activity(
        title="手工", start_in=HOUR, teacher_id=teacher.id,
        audience=Audience.CHILD, min_age=6, max_age=12,
    )  # fmt: skip
    session = activity.sessions[0]
    in_range = make.person(name="李小一", age=8)
    make.person(name="李小二", age=4)
    make.person(name="李小三", age=14)
    make.person(name="李奶奶", age=70)
    make.user(make.person(name="李老师", age=30), role=Role.STAFF)
    assert walk_ins.find_walk_ins(session, "李", by=staff, now=make.now) == []
    assert walk_ins.find_walk_ins(session, "李小", by=teacher, now=make.now) == []
    found = walk_ins.find_walk_ins(session, "李小", by=staff, now=make.now)
    assert [c.person_id for c in found] == [in_range.id]
    assert walk_ins.find_walk_ins(session, "李老", by=staff, now=make.now) == []


def test_search_shows_at_most_ten(make, teacher):
    activity = make.activity(start_in=HOUR, teacher_id=teacher.id)
    for i in range(14):
        make.person(name=f"王阿姨{i:02d}", age=70)
    found = walk_ins.find_walk_ins(activity.sessions[0], "王阿", by=teacher, now=make.now)
    assert len(found) == 10


# --- adding ----------------------------------------------------------------------------


def test_teacher_posting_a_child_or_an_outsider_is_refused_like_a_missing_id(
    client, auth, make, teacher
):
    """A child into an elders' class, an elder into a children's class, a staff
    account, a child into an all-ages class, an id that does not exist: all 404, and
    nothing is written."""
    elders = make.activity(start_in=HOUR, teacher_id=teacher.id, audience=Audience.ELDER)
    kids = make.activity(start_in=HOUR, teacher_id=teacher.id, audience=Audience.CHILD)
    everyone = make.activity(start_in=HOUR, teacher_id=teacher.id)
    child = make.person(name="小明", age=9, care_notes="花生过敏")
    elder = make.person(name="王大爷", age=75)
    boss = make.user(make.person(name="主任", age=50), role=Role.STAFF)
    db.session.commit()
    before = _counts()
    auth.login(teacher)
    cases = [
        (elders, child.id),
        (kids, elder.id),
        (kids, child.id),
        (everyone, child.id),
        (everyone, boss.person.id),
        (elders, 10**9),
    ]
    for activity, person_id in cases:
        response = client.post(
            f"/teach/sessions/{activity.sessions[0].id}/walk-ins", data={"person_id": person_id}
        )
        assert response.status_code == 404, (activity.audience, person_id)
        assert "小明" not in response.text and "花生过敏" not in response.text
    assert _counts() == before


def test_another_teacher_cannot_add_to_or_read_this_roster(client, auth, make, teacher):
    activity = make.activity(start_in=HOUR, teacher_id=teacher.id)
    session = activity.sessions[0]
    parent = make.resident(age=38)
    child = make.person(household=parent.person.household, age=9, care_notes="花生过敏")
    elder = make.person(name="王大爷", age=75)
    book(child, Target.of(activity, session), by=parent, channel=Channel.PHONE, now=make.now)
    other = make.user(role=Role.TEACHER, age=50)
    db.session.commit()
    before = _counts()
    auth.login(other)
    page = _roster_page(client, session)
    assert page.status_code == 403 and "花生过敏" not in page.text
    added = client.post(f"/teach/sessions/{session.id}/walk-ins", data={"person_id": elder.id})
    assert added.status_code == 403
    found = _found_names(client, session, "王大")
    assert "王大爷" not in found
    assert _counts() == before


# --- what the roster shows ------------------------------------------------------------


def test_care_notes_only_for_children_booked_on_this_session(client, auth, make, teacher, now):
    """A child whose booking was cancelled (leave taken, so still listed as excused)
    and a child booked on another session: neither's notes nor guardian phone are on
    the teacher's roster; the booked child's are."""
    activity = make.activity(start_in=HOUR, sessions=2, teacher_id=teacher.id)
    first, second = activity.sessions
    parent_a, parent_b, parent_c = make.resident(age=38), make.resident(age=39), make.resident(40)
    booked = make.person(household=parent_a.person.household, age=9, care_notes="花生过敏")
    cancelled = make.person(household=parent_b.person.household, age=8, care_notes="乳糖不耐")
    elsewhere = make.person(household=parent_c.person.household, age=7, care_notes="癫痫")
    book(booked, Target.of(activity, first), by=parent_a, channel=Channel.PHONE, now=now)
    gone = book(cancelled, Target.of(activity, first), by=parent_b, channel=Channel.PHONE, now=now)
    book(elsewhere, Target.of(activity, second), by=parent_c, channel=Channel.PHONE, now=now)
    attendance_leave.take_leave(
        gone, first, by=parent_b, now=now
    )  # cancels the one-session booking
    db.session.commit()
    auth.login(teacher)
    text = _roster_page(client, first).text
    assert "花生过敏" in text and parent_a.phone in text
    assert cancelled.name in text  # listed as on leave…
    assert "乳糖不耐" not in text and parent_b.phone not in text  # …but nothing private
    assert "癫痫" not in text and parent_c.phone not in text
    # The htmx fragment after a mark says the same.
    fragment = client.post(
        f"/teach/sessions/{first.id}/all-present", headers={"HX-Request": "true"}
    )
    assert fragment.status_code == 200 and "花生过敏" in fragment.text
    assert "乳糖不耐" not in fragment.text and "癫痫" not in fragment.text


def test_cancelled_booking_after_check_in_hides_the_notes(client, auth, make, teacher, now):
    """A child marked present, then the guardian cancelled: the line stays (a mark
    exists) but the teacher no longer sees the notes; staff still do."""
    activity = make.activity(start_in=HOUR, teacher_id=teacher.id)
    session = activity.sessions[0]
    parent = make.resident(age=38)
    child = make.person(household=parent.person.household, age=9, care_notes="花生过敏")
    booking = book(child, Target.of(activity, session), by=parent, channel=Channel.PHONE, now=now)
    marking.mark_attendance(session, child, "present", by=teacher, now=now)
    cancel_booking(booking, by=parent, now=now)
    db.session.commit()
    (line,) = attendance_roster.roster(session, viewer=teacher)
    assert line.is_walk_in and line.care_notes is None and line.guardian_phones == []
    auth.login(teacher)
    text = _roster_page(client, session).text
    assert child.name in text and "花生过敏" not in text and parent.phone not in text


def test_staff_add_a_child_walk_in_audited_and_the_teacher_sees_the_notes(
    client, auth, make, teacher, staff
):
    """Staff decided the child is in the class: the teacher in the room sees the
    notes and the guardian phone."""
    activity = make.activity(start_in=HOUR, teacher_id=teacher.id, audience=Audience.CHILD)
    session = activity.sessions[0]
    parent = make.resident(age=38)
    child = make.person(
        name="小红", household=parent.person.household, age=9, care_notes="花生过敏"
    )
    db.session.commit()
    auth.login(staff)
    assert "小红" in _found_names(client, session, "小红")
    added = client.post(f"/teach/sessions/{session.id}/walk-ins", data={"person_id": child.id})
    assert added.status_code == 303
    mark = db.session.scalar(select(Attendance).where(Attendance.person_id == child.id))
    assert mark.status == "present" and mark.booking_id is None
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "walk_in_added"))
    assert entry.actor_id == staff.id and entry.subject_id == mark.id
    assert entry.after == {"session_id": session.id, "person_id": child.id}
    auth.logout()
    auth.login(teacher)
    text = _roster_page(client, session).text
    assert "花生过敏" in text and parent.phone in text


# --- removing --------------------------------------------------------------------------


def test_teacher_removes_a_walk_in_added_by_mistake(client, auth, make, teacher):
    activity = make.activity(start_in=HOUR, teacher_id=teacher.id, capacity=2)
    session = activity.sessions[0]
    booked = make.resident()
    book(booked.person, Target.of(activity, session), by=booked, channel=Channel.PHONE,
         now=make.now)  # fmt: skip
    wrong = make.person(name="王阿姨", age=70, phone="13800001111")
    db.session.commit()
    auth.login(teacher)
    added = client.post(f"/teach/sessions/{session.id}/walk-ins", data={"person_id": wrong.id})
    assert added.status_code == 303
    remove_url = f"/teach/sessions/{session.id}/walk-ins/{wrong.id}/remove"
    assert remove_url in _roster_page(client, session).text
    taken = session.taken
    removed = client.post(remove_url)
    assert removed.status_code == 303
    assert db.session.scalar(select(Attendance).where(Attendance.person_id == wrong.id)) is None
    actions = list(db.session.scalars(select(AuditEntry.action).order_by(AuditEntry.id)))
    assert actions == ["walk_in_added", "walk_in_removed"]
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "walk_in_removed"))
    assert entry.actor_id == teacher.id and entry.before["person_id"] == wrong.id
    db.session.refresh(session)
    assert session.taken == taken == 1
    assert_seat_invariant()
    # Someone with a booking is not a walk-in: removing them is refused, nothing written.
    before = _counts()
    refused = client.post(f"/teach/sessions/{session.id}/walk-ins/{booked.person.id}/remove")
    assert refused.status_code == 404
    again = client.post(f"/teach/sessions/{session.id}/walk-ins/{wrong.id}/remove")
    assert again.status_code == 404
    assert _counts() == before


def test_removing_a_walk_in_after_the_correction_period_is_refused(client, auth, make, teacher):
    activity = make.activity(start_in=-10 * DAY, teacher_id=teacher.id)
    session = activity.sessions[0]
    walker = make.person(name="王阿姨", age=70)
    staff = make.user(role=Role.STAFF, age=40)
    walk_ins.add_walk_in(session, walker, by=staff, now=make.now)
    db.session.commit()
    before = _counts()
    auth.login(teacher)
    refused = client.post(f"/teach/sessions/{session.id}/walk-ins/{walker.id}/remove")
    assert refused.status_code == 409
    assert _counts() == before


def test_another_teacher_cannot_remove_a_walk_in(client, auth, make, teacher):
    activity = make.activity(start_in=HOUR, teacher_id=teacher.id)
    session = activity.sessions[0]
    walker = make.person(name="王阿姨", age=70)
    walk_ins.add_walk_in(session, walker, by=teacher, now=make.now)
    other = make.user(role=Role.TEACHER, age=50)
    db.session.commit()
    before = _counts()
    auth.login(other)
    refused = client.post(f"/teach/sessions/{session.id}/walk-ins/{walker.id}/remove")
    assert refused.status_code == 403
    assert _counts() == before


def test_a_teacher_cannot_register_a_new_child_into_a_childrens_class(client, auth, make, teacher):
    activity = make.activity(start_in=HOUR, teacher_id=teacher.id, audience=Audience.CHILD)
    db.session.commit()
    before = _counts()
    auth.login(teacher)
    response = client.post(
        f"/teach/sessions/{activity.sessions[0].id}/walk-ins/new", data={"name": "陌生孩子"}
    )
    assert response.status_code == 403
    assert _counts() == before


def test_registering_a_new_walk_in_is_audited(make, teacher):
    activity = make.activity(start_in=HOUR, teacher_id=teacher.id)
    mark = walk_ins.register_walk_in(activity.sessions[0], "李大爷", None, by=teacher, now=make.now)
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "walk_in_registered"))
    assert entry.actor_id == teacher.id and entry.subject_id == mark.id
