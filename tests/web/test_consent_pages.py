"""Children's privacy through the client (issue 14): the notice, consent at the
desk and on My family, an access record per page view of a child's data (and none
without), who may see the lists, the breach form and the yearly workbook."""

from __future__ import annotations

import io
from datetime import timedelta

import pytest
from openpyxl import load_workbook
from sqlalchemy import func, select

from app.extensions import db
from app.models import AccessRecord, Audience, Booking, Breach, Consent, Role
from app.services.booking.book import book
from app.services.booking.targets import Target

HOUR = timedelta(hours=1)


def _count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def _records() -> list[AccessRecord]:
    return list(db.session.scalars(select(AccessRecord).order_by(AccessRecord.id)))


@pytest.fixture
def teacher(make):
    return make.user(role=Role.TEACHER, age=45)


@pytest.fixture
def staff(make):
    return make.user(role=Role.STAFF, age=40)


@pytest.fixture
def lesson(make, now, teacher):
    """A class in an hour taught by `teacher`: an elder and two children booked."""
    activity = make.activity(title="书法班", start_in=HOUR, teacher_id=teacher.id)
    elder = make.resident()
    parent = make.resident(age=38)
    household = parent.person.household
    kids = [
        make.person(household=household, age=9, care_notes="花生过敏"),
        make.person(household=household, age=7),
    ]
    target = Target.of(activity, activity.sessions[0])
    book(elder.person, target, by=elder, channel="phone", now=now)
    for kid in kids:
        book(kid, target, by=parent, channel="phone", now=now)
    db.session.commit()
    return {"session": activity.sessions[0], "parent": parent, "kids": kids, "elder": elder}


def test_the_notice_states_the_retention_settings_in_both_languages(client):
    zh = client.get("/privacy")
    assert zh.status_code == 200
    text = zh.get_data(as_text=True)
    assert "隐私" in text and "30" in text and "24" in text and "/me/data" in text
    en = client.get("/privacy?lang=en").get_data(as_text=True)
    assert "Privacy notice" in en and "30 days after the child's last booked session" in en
    assert "24 months" in en and "90 days" in en and "3 years" in en
    # Linked from every page's footer.
    assert 'href="/privacy"' in client.get("/classes").get_data(as_text=True)


def test_a_teachers_roster_writes_one_record_per_child_naming_the_teacher(
    client, auth, teacher, lesson
):
    auth.login(teacher)
    assert client.get(f"/teach/sessions/{lesson['session'].id}").status_code == 200
    records = _records()
    assert {r.person_id for r in records} == {k.id for k in lesson["kids"]}
    assert {(r.viewer_id, r.role, r.page) for r in records} == {(teacher.id, "teacher", "roster")}
    client.get(f"/teach/sessions/{lesson['session'].id}")
    assert _count(AccessRecord) == 4  # one per child per page view


def test_pages_without_childrens_data_write_no_record(client, auth, teacher, lesson, make):
    auth.login(teacher)
    assert client.get("/teach/").status_code == 200
    assert client.get("/classes").status_code == 200
    # A roll of elders only.
    elders_only = make.activity(title="太极", start_in=HOUR, teacher_id=teacher.id)
    db.session.commit()
    assert client.get(f"/teach/sessions/{elders_only.sessions[0].id}").status_code == 200
    assert _count(AccessRecord) == 0
    # A parent's own family page shows care notes, and is no access record.
    auth.logout()
    auth.login(lesson["parent"])
    assert "花生过敏" in client.get("/me/").get_data(as_text=True)
    assert _count(AccessRecord) == 0


def test_the_desk_person_page_of_a_child_is_recorded(client, auth, staff, lesson):
    auth.login(staff)
    kid = lesson["kids"][0]
    assert client.get(f"/staff/people/{kid.id}").status_code == 200
    (record,) = _records()
    assert (record.viewer_id, record.person_id, record.page) == (staff.id, kid.id, "person")
    client.get(f"/staff/people/{lesson['elder'].person.id}")
    assert _count(AccessRecord) == 1


def test_guardians_see_who_saw_their_children_and_no_one_elses(client, auth, teacher, lesson, make):
    auth.login(teacher)
    client.get(f"/teach/sessions/{lesson['session'].id}")
    auth.logout()
    auth.login(lesson["parent"])
    page = client.get("/me/privacy").get_data(as_text=True)
    assert teacher.person.name in page and lesson["kids"][0].name in page
    auth.logout()
    other = make.resident(age=40)
    db.session.commit()
    auth.login(other)
    page = client.get("/me/privacy").get_data(as_text=True)
    assert teacher.person.name not in page and lesson["kids"][0].name not in page


def test_staff_filter_the_access_records_and_teachers_may_not(client, auth, teacher, staff, lesson):
    auth.login(teacher)
    client.get(f"/teach/sessions/{lesson['session'].id}")
    assert client.get("/staff/privacy/access").status_code == 403
    assert client.get("/staff/privacy/annual.xlsx?year=2026").status_code == 403
    assert client.get("/staff/privacy/breaches").status_code == 403
    auth.logout()
    auth.login(staff)
    kid = lesson["kids"][1]
    page = client.get(f"/staff/privacy/access?child={kid.id}&viewer={teacher.id}")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert kid.name in text and lesson["kids"][0].name not in text.split("<tbody>")[1]
    assert client.get("/staff/privacy/access?since=2026-13-40").status_code == 422


def test_a_guardian_agrees_online_and_the_child_can_then_be_booked(client, auth, make):
    parent = make.resident(age=38)
    child = make.person(household=parent.person.household, age=8, consent=False)
    activity = make.activity(title="手工课", audience=Audience.CHILD)
    db.session.commit()
    auth.login(parent)
    form = {
        "person_id": child.id,
        "activity_id": activity.id,
        "session_id": activity.sessions[0].id,
    }
    refused = client.post("/me/bookings", data=form)
    assert refused.status_code == 409 and "14" in refused.get_data(as_text=True)
    family = client.get("/me/").get_data(as_text=True)
    assert f"/me/children/{child.id}/consent" in family
    given = client.post(f"/me/children/{child.id}/consent", data={"consents": ["booking"]})
    assert given.status_code == 303
    row = db.session.scalar(select(Consent))
    assert (row.channel, row.guardian_id, row.kind) == ("online", parent.person.id, "booking")
    assert client.post("/me/bookings", data=form).status_code == 303
    assert _count(Booking) == 1


def test_another_household_cannot_give_or_withdraw_consent(client, auth, make):
    parent = make.resident(age=38)
    child = make.person(household=parent.person.household, age=8, consent=False)
    other = make.resident(age=40)
    db.session.commit()
    auth.login(other)
    assert (
        client.post(f"/me/children/{child.id}/consent", data={"consents": ["booking"]})
    ).status_code == 404
    assert (
        client.post(f"/me/children/{child.id}/consent/withdraw", data={"kind": "booking"})
    ).status_code == 404
    assert _count(Consent) == 0


def test_the_desk_sees_consent_and_withdrawing_erases_care_notes(client, auth, staff, make):
    parent = make.resident(age=38)
    child = make.person(household=parent.person.household, age=8, care_notes="哮喘")
    db.session.commit()
    auth.login(staff)
    page = client.get(f"/staff/people/{child.id}?lang=en").get_data(as_text=True)
    assert "Guardian consent" in page and "哮喘" in page
    response = client.post(
        f"/staff/people/{child.id}/consent/withdraw",
        data={"guardian": parent.person.id, "kind": "care_notes"},
    )
    assert response.status_code == 303
    db.session.expire_all()
    assert child.care_notes is None
    assert "哮喘" not in client.get(f"/staff/people/{child.id}").get_data(as_text=True)


def test_the_child_form_keeps_only_what_a_child_needs(app):
    """Minimisation: name, birth date, care notes (with consent), and the guardian's
    consent; no phone, ID number or photo (grade comes from the birth date)."""
    from app.blueprints.staff.privacy_forms import ChildForm

    with app.test_request_context():
        names = {field.name for field in ChildForm(meta={"csrf": False})}
    assert names == {"name", "birth_date", "care_notes", "agreed_by", "agreed_to"}


def test_a_breach_is_recorded_and_the_yearly_workbook_counts(client, auth, staff, make, now):
    make.person(age=9)
    db.session.commit()
    auth.login(staff)
    assert client.post("/staff/privacy/breaches", data={}).status_code == 422
    assert _count(Breach) == 0
    response = client.post(
        "/staff/privacy/breaches",
        data={"happened_on": "2026-11-20", "what": "=签到表遗失", "who_was_told": "+家长"},
    )
    assert response.status_code == 303
    workbook = client.get("/staff/privacy/annual.xlsx?year=2026")
    assert workbook.status_code == 200
    book = load_workbook(io.BytesIO(workbook.data))
    values = {row[0]: row[1] for row in book.worksheets[0].iter_rows(values_only=True)}
    assert 1 in values.values()  # one child's record, one breach
    assert book.worksheets[1].max_row == 2
    # Typed text never runs as a formula in the spreadsheet.
    assert [c.value for c in book.worksheets[1][2]][1:] == ["'=签到表遗失", "'+家长"]
    assert client.get("/staff/privacy/annual.xlsx?year=99999").status_code == 422


def test_the_door_records_each_child_and_a_refused_teacher_writes_nothing(
    make, now, app, auth, client
):
    from app.services.childcare.pickup_list import add_pickup_person
    from app.services.childcare.submissions import book_days
    from tests.programme_helpers import afterschool, family, sessions

    teacher = make.user(role=Role.TEACHER, age=30)
    programme = afterschool(make, teacher=teacher)
    guardian, kids = family(make)
    today = sessions(programme)[0]
    book_days(programme, [(k, today) for k in kids], by=guardian, channel="phone", now=now)
    add_pickup_person(
        kids[0], name="外婆", phone="13700000001", relation="外婆", by=guardian, now=now
    )
    other = make.user(role=Role.TEACHER, age=31)
    make.commit()
    app.config["FROZEN_NOW"] = today.starts_at + timedelta(minutes=5)
    auth.login(other)
    assert client.get(f"/door/sessions/{today.id}").status_code == 403
    assert _count(AccessRecord) == 0
    auth.logout()
    auth.login(teacher)
    assert client.get(f"/door/sessions/{today.id}").status_code == 200
    records = _records()
    assert {r.person_id for r in records} == {k.id for k in kids}
    assert {(r.viewer_id, r.page) for r in records} == {(teacher.id, "door")}
