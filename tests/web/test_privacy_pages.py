"""/me/data (a household's own copy, and asking for deletion) and /staff/privacy
(the retention preview, holds, confirming a deletion), through HTTP."""

from __future__ import annotations

import io
import json
import zipfile
from datetime import datetime, timedelta

import pytest
from openpyxl import load_workbook
from sqlalchemy import func, select

from app.extensions import db
from app.models import (
    AccessRecord,
    AuditEntry,
    DeletionRequest,
    DeletionStatus,
    Notice,
    Person,
    PickupPerson,
    PrivacyHold,
    Rating,
    RetentionPreview,
    RetentionPreviewPerson,
    Role,
    User,
)
from app.services.childcare.pickup_list import add_pickup_person
from tests.privacy_helpers import came, past_session, seed_history
from tests.programme_helpers import family
from tests.report_helpers import seed_october
from tests.web.test_query_counts import counted


def _unzip(response) -> tuple[dict, str]:
    archive = zipfile.ZipFile(io.BytesIO(response.data))
    assert sorted(archive.namelist()) == ["zhaoxi-data.json", "zhaoxi-data.xlsx"]
    data = json.loads(archive.read("zhaoxi-data.json"))
    book = load_workbook(io.BytesIO(archive.read("zhaoxi-data.xlsx")))
    cells = " ".join(
        str(value)
        for sheet in book.worksheets
        for row in sheet.iter_rows(values_only=True)
        for value in row
        if value is not None
    )
    return data, cells


def _two_families(make, now):
    """Mine (a guardian and a child with a pickup person, a class, a rating, a
    notice) and the neighbour's, with rows of every kind too."""
    mine, (kid,) = family(make, children=1)
    theirs = make.user(make.person(household=make.household(name="邻居家"), name="邻居王", age=40))
    their_kid = make.person(household=theirs.person.household, name="邻居娃", age=7)
    their_kid.care_notes = "邻居的药"
    activity = make.activity(title="绘画班")
    session = past_session(activity, now - timedelta(days=3))
    for person in (kid, their_kid, theirs.person):
        came(person, session)
        db.session.add(
            Rating(person_id=person.id, session_id=session.id, value="good", created_at=now)
        )
    add_pickup_person(kid, name="外婆", phone="13700000001", relation="外婆", by=mine, now=now)
    add_pickup_person(
        their_kid, name="邻居外婆", phone="13700000002", relation="外婆", by=theirs, now=now
    )
    kid.care_notes = "花生过敏"
    db.session.add(Notice(user_id=theirs.id, kind="promoted", params={"name": "邻居王"}))
    teacher = make.user(make.person(name="李老师", age=45), role=Role.TEACHER)
    for child in (kid, their_kid):  # the teacher's roll showed both children
        db.session.add(
            AccessRecord(
                viewer_id=teacher.id, role="teacher", person_id=child.id, page="roster", at=now
            )
        )
    make.commit()
    return mine, kid, theirs


def test_my_data_holds_my_household_and_nobody_elses(make, auth, client, now):
    mine, kid, _theirs = _two_families(make, now)
    auth.login(mine)
    page = client.get("/me/data")
    assert page.status_code == 200 and "/me/data/download" in page.get_data(as_text=True)
    response = client.get("/me/data/download")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "application/zip"
    assert "attachment" in response.headers["Content-Disposition"]
    data, cells = _unzip(response)
    assert {p["name"] for p in data["people"]} == {mine.person.name, kid.name}
    assert [p["care_notes"] for p in data["people"] if p["id"] == kid.id] == ["花生过敏"]
    assert [(row["person"], row["class"]) for row in data["bookings"]] == [(kid.name, "绘画班")]
    assert len(data["attendance"]) == 1 and len(data["ratings"]) == 1
    # The pickup list, without its codes; the guardian's own notice of adding grandma.
    assert [(row["name"], row["phone"]) for row in data["pickup_lists"]] == [
        ("外婆", "13700000001")
    ]
    assert "code" not in json.dumps(data["pickup_lists"])
    assert [row["kind"] for row in data["notices"]] == ["pickup_added"]
    # The child's consents (the factory records both) and who saw the child's data.
    assert sorted((row["child"], row["kind"]) for row in data["consents"]) == [
        (kid.name, "booking"),
        (kid.name, "care_notes"),
    ]
    assert [(r["child"], r["seen_by"], r["page"]) for r in data["access_records"]] == [
        (kid.name, "李老师", "roster")
    ]
    # Everything else held about the family is in it too (empty sections say so).
    for section in ("leave", "lottery_applications", "invitations", "suspensions", "links"):
        assert data[section] == [], section
    # Not a trace of the neighbours, in either file.
    everything = json.dumps(data, ensure_ascii=False) + cells
    for theirs in ("邻居王", "邻居娃", "邻居的药", "邻居外婆", "13700000002", "邻居家"):
        assert theirs not in everything
    for hashed in db.session.scalars(select(PickupPerson.code_hash)):  # nor a code's hash
        assert hashed not in everything


def test_who_cannot_download_a_household_copy(make, auth, client, app, now):
    teacher = make.user(role=Role.TEACHER, age=40)
    guardian, _kids = family(make, children=1)
    make.commit()
    assert client.get("/me/data/download").status_code == 302  # to the login
    auth.login(teacher)
    assert client.get("/me/data/download").status_code == 403
    assert client.get("/me/data").status_code == 403
    auth.logout()
    # At the kiosk: leaving the kiosk pages ends the visit, nothing is sent.
    client.post("/kiosk/login", data={"who": guardian.phone, "pin": "123456"})
    response = client.get("/me/data/download")
    assert response.status_code == 303 and response.headers["Location"].endswith("/kiosk/")
    assert response.headers.get("Content-Type", "").startswith("text/html")


def test_asking_needs_the_box_ticked_then_the_desk_confirms(make, auth, client, app, now):
    guardian, (kid,) = family(make, children=1)
    staff = make.user(role=Role.STAFF, age=40)
    make.commit()
    auth.login(guardian)
    refused = client.post("/me/data/delete", data={})
    assert refused.status_code == 422
    assert db.session.scalar(select(func.count()).select_from(DeletionRequest)) == 0
    asked = client.post("/me/data/delete", data={"understood": "y"})
    assert asked.status_code == 303
    request = db.session.scalar(select(DeletionRequest))
    assert request.status == DeletionStatus.PENDING and request.requested_by_id == guardian.id
    assert "/me/data/delete/withdraw" in client.get("/me/data").get_data(as_text=True)
    auth.logout()

    auth.login(staff)
    listed = client.get("/staff/privacy").get_data(as_text=True)
    assert f"/staff/privacy/requests/{request.id}" in listed
    check = client.get(f"/staff/privacy/requests/{request.id}").get_data(as_text=True)
    assert kid.name in check and f"/staff/privacy/requests/{request.id}/confirm" in check
    done = client.post(f"/staff/privacy/requests/{request.id}/confirm")
    assert done.status_code == 303
    db.session.expire_all()
    assert db.session.get(DeletionRequest, request.id).status == DeletionStatus.CONFIRMED
    people = db.session.scalars(select(Person).where(Person.household_id == kid.household_id))
    assert all(p.anonymised_at is not None and p.name.startswith("居民 ") for p in people)
    entry = db.session.scalar(
        select(AuditEntry).where(AuditEntry.action == "privacy.delete_request")
    )
    assert entry.actor_id == staff.id
    # The desk still opens the person's page and the audit log, with the pseudonym.
    shown = client.get(f"/staff/people/{kid.id}").get_data(as_text=True)
    assert db.session.get(Person, kid.id).name in shown
    log = client.get("/staff/audit").get_data(as_text=True)
    assert "家长家" not in log and db.session.get(Person, kid.id).name in log
    auth.logout()
    # The guardian's login is closed.
    again = client.post("/login", data={"phone": "13812345678", "secret": "123456"})
    assert again.status_code != 302


def test_the_desk_records_a_request_made_in_person_but_confirms_only_requests(make, auth, client):
    guardian, (kid,) = family(make, children=1)
    staff = make.user(role=Role.STAFF, age=40)
    make.commit()
    auth.login(staff)
    assert client.post("/staff/privacy/requests/987654/confirm").status_code == 404
    recorded = client.post("/staff/privacy/requests", data={"household_id": kid.household_id})
    assert recorded.status_code == 303
    request = db.session.scalar(select(DeletionRequest))
    assert recorded.headers["Location"].endswith(f"/staff/privacy/requests/{request.id}")
    assert request.requested_by_id == staff.id
    # Nothing is deleted until it is confirmed on the request's page.
    assert db.session.get(Person, kid.id).anonymised_at is None
    declined = client.post(f"/staff/privacy/requests/{request.id}/decline", data={})
    assert declined.status_code == 422
    declined = client.post(
        f"/staff/privacy/requests/{request.id}/decline", data={"reason": "家长改变主意"}
    )
    assert declined.status_code == 303
    db.session.expire_all()
    assert db.session.get(DeletionRequest, request.id).status == DeletionStatus.WITHDRAWN
    refused = client.post(f"/staff/privacy/requests/{request.id}/confirm")
    assert refused.status_code == 409
    assert db.session.get(Person, kid.id).anonymised_at is None


def test_staff_see_the_next_run_and_hold_someone_with_a_reason(make, auth, client, app):
    history = seed_history(make)
    staff = make.user(role=Role.STAFF, age=40)
    make.commit()
    auth.login(staff)
    fresh = client.get("/staff/privacy").get_data(as_text=True)
    assert "尚未计算" in fresh and "张老汉" not in fresh  # a fresh install: not computed yet
    computed = client.post("/staff/privacy/preview")
    assert computed.status_code == 303
    page = client.get("/staff/privacy").get_data(as_text=True)
    assert "张老汉" in page and "李奶奶" in page and "王小明" not in page
    assert "截至 11月23日 周一 10:00" in page  # when it was computed
    old = history.people["old"].id
    refused = client.post("/staff/privacy/holds", data={"person_id": old, "reason": ""})
    assert refused.status_code == 422
    assert db.session.scalar(select(PrivacyHold).where(PrivacyHold.person_id == old)) is None
    held = client.post("/staff/privacy/holds", data={"person_id": old, "reason": "家属投诉"})
    assert held.status_code == 303
    assert db.session.scalar(select(PrivacyHold.reason).where(PrivacyHold.person_id == old)) == (
        "家属投诉"
    )
    # Held: off the stored list at once (it shows among the held records instead).
    page = client.get("/staff/privacy").get_data(as_text=True)
    assert f'id="due-{old}"' not in page and f'id="hold-{old}"' in page
    released = client.post(f"/staff/privacy/holds/{old}/release")
    assert released.status_code == 303
    assert db.session.scalar(select(PrivacyHold).where(PrivacyHold.person_id == old)) is None


def test_the_nightly_job_stores_the_preview_the_page_reads(make, auth, client, app, runner):
    history = seed_history(make)
    staff = make.user(role=Role.STAFF, age=40)
    make.commit()
    # The run anonymises whoever is due now; the stored list is of the next run.
    app.config["FROZEN_NOW"] = datetime(2027, 6, 1, 2)
    result = runner.invoke(args=["run-jobs", "--only", "retention"])
    assert result.exit_code == 0
    stored = db.session.scalar(select(RetentionPreview.computed_at))
    assert stored == datetime(2027, 6, 1, 2)
    assert db.session.get(Person, history.people["old"].id).anonymised_at is not None
    auth.login(staff)
    page = client.get("/staff/privacy").get_data(as_text=True)
    assert "截至 6月1日" in page and "张老汉" not in page


def test_the_privacy_page_does_not_compute_everyones_activity(make, auth, client):
    seed_history(make)
    staff = make.user(role=Role.STAFF, age=40)
    make.commit()
    auth.login(staff)
    assert client.post("/staff/privacy/preview").status_code == 303
    with counted() as seen:
        page = client.get("/staff/privacy")
    assert page.status_code == 200 and "张老汉" in page.get_data(as_text=True)
    # (`counted` keeps a statement's first 160 characters: the history query's
    # subquery of everyone's moments shows there, its UNIONs come later.)
    assert not [sql for sql in seen if "moments" in sql], seen


def test_only_staff_compute_the_preview_and_only_with_the_form_token(make, auth, client, app):
    seed_history(make)
    teacher = make.user(role=Role.TEACHER, age=40)
    resident = make.resident()
    make.commit()
    for user in (teacher, resident):
        auth.login(user)
        assert client.post("/staff/privacy/preview").status_code in (403, 404)
        auth.logout()
    assert db.session.scalar(select(RetentionPreview)) is None
    staff = make.user(role=Role.STAFF, age=40)
    make.commit()
    auth.login(staff)
    app.config["WTF_CSRF_ENABLED"] = True
    assert client.post("/staff/privacy/preview").status_code == 400
    assert db.session.scalar(select(RetentionPreview)) is None


def test_the_report_of_a_past_year_counts_the_same_after_the_job(make, auth, client, app, runner):
    seed_october(make)
    staff = make.user(role=Role.STAFF, age=40)
    make.commit()
    app.config["FROZEN_NOW"] = datetime(2029, 1, 10, 2)
    auth.login(staff)
    url = "/staff/reports/csv/summary.csv?kind=year&year=2026"
    before = client.get(url)
    assert before.status_code == 200
    result = runner.invoke(args=["run-jobs", "--only", "retention"])
    assert result.exit_code == 0 and "retention: " in result.output
    assert (
        db.session.scalar(
            select(func.count()).select_from(Person).where(Person.anonymised_at.is_not(None))
        )
        >= 8
    )
    auth.login(staff)
    after = client.get(url)
    assert after.get_data(as_text=True) == before.get_data(as_text=True)
    assert db.session.get(User, staff.id).active  # staff are not anonymised


def test_a_login_is_noted_once_a_day_as_activity(make, auth, client, app, now):
    resident = make.resident()
    make.commit()
    assert resident.last_login_at is None
    auth.login(resident)
    assert db.session.get(User, resident.id).last_login_at == now
    auth.logout()
    app.config["FROZEN_NOW"] = now + timedelta(hours=1)
    auth.login(resident)
    db.session.expire_all()
    assert db.session.get(User, resident.id).last_login_at == now  # same day: not rewritten


def test_after_the_nightly_run_the_preview_lists_who_the_next_run_will_anonymise(
    make, auth, client, app, runner
):
    """The run anonymises everyone due at its moment, so a preview computed as of
    that moment would list nobody. It is of the next run (the start of the next local
    day): whoever crosses the line before then is listed today, while staff can still
    hold the record."""
    seed_history(make)
    staff = make.user(role=Role.STAFF, age=40)
    # Last here on 1 June 2025 at 20:00 in the centre (12:00 UTC): on 1 June 2027 at
    # 10:00 local, 24 months have not passed yet; at the next local midnight they have.
    household = make.household(name="赵家")
    crossing = make.person(household=household, name="赵奶奶", age=80)
    household.created_at = crossing.created_at = datetime(2025, 6, 1, 12)
    make.commit()
    app.config["FROZEN_NOW"] = datetime(2027, 6, 1, 2)
    assert runner.invoke(args=["run-jobs", "--only", "retention"]).exit_code == 0
    assert db.session.get(Person, crossing.id).anonymised_at is None
    assert db.session.get(RetentionPreviewPerson, crossing.id) is not None
    auth.login(staff)
    page = client.get("/staff/privacy").get_data(as_text=True)
    assert f'id="due-{crossing.id}"' in page and "赵奶奶" in page


def test_computing_the_preview_at_the_desk_reads_the_history_outside_the_write_lock(
    make, auth, client
):
    """On SQLite a write transaction holds the whole database from its BEGIN, and at two
    years' size reading everyone's last activity takes seconds: the button reads it in a
    deferred transaction of its own, and only the list's writes take the write lock."""
    if db.engine.dialect.name != "sqlite":
        pytest.skip("a server's reads lock nothing")
    seed_history(make)
    staff = make.user(role=Role.STAFF, age=40)
    make.commit()
    auth.login(staff)
    with counted() as seen:
        assert client.post("/staff/privacy/preview").status_code == 303
    history = next(i for i, sql in enumerate(seen) if "max(moments.at)" in sql)
    began = [sql for sql in seen[:history] if sql.startswith("BEGIN")][-1]
    assert began == "BEGIN", seen[: history + 1]
    stored = next(i for i, sql in enumerate(seen) if sql.startswith("INSERT INTO retention"))
    assert [sql for sql in seen[history:stored] if sql.startswith("BEGIN")] == [
        "BEGIN IMMEDIATE"
    ], seen
    assert db.session.scalar(select(func.count()).select_from(RetentionPreviewPerson)) > 0
