"""At the door (issue 10): a teacher names only children on the slot's own roster.
Any other id (another household's child, a staff member, a child booked elsewhere)
answers exactly like a missing one: 404, no name, nothing written. Templates get
finished values; migrations import no app code."""

from __future__ import annotations

import ast
import re
from datetime import timedelta
from pathlib import Path

import pytest
from flask import render_template
from sqlalchemy import func, select

from app.extensions import db
from app.jobs import run_all
from app.models import Attendance, AuditEntry, PickupAttempt, PickupPerson, Role
from app.services.childcare import door as childcare_door
from app.services.childcare import pickup_list
from app.services.childcare.pickup_list import add_pickup_person
from app.services.childcare.submissions import book_days
from app.timeutil import local_date
from tests.programme_helpers import afterschool, family, sessions

MISSING = 987_654_321
# Per-request values: the CSRF token, and the request id on error pages.
CSRF = re.compile(
    r'name="csrf_token"[^>]*value="[^"]*"|"X-CSRFToken": "[^"]*"|<span class="request-id">[^<]*</span>'
)
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def door(make, now, app):
    """The teacher of today's after-school slot, two children booked on it (one with
    care notes), and outsiders: another family's child booked in another group
    the same day, and a staff member."""
    teacher = make.user(role=Role.TEACHER, age=30)
    programme = afterschool(make, teacher=teacher)
    guardian, kids = family(make)
    kids[0].care_notes = "花生过敏"
    today = sessions(programme)[0]
    book_days(programme, [(k, today) for k in kids], by=guardian, channel="phone", now=now)
    other_guardian, (theirs,) = family(make, children=1)
    theirs.name = "别家孩子"
    elsewhere = afterschool(make)  # another group: the same days, another roster
    book_days(
        elsewhere, [(theirs, sessions(elsewhere)[0])], by=other_guardian, channel="phone", now=now
    )
    grandma = add_pickup_person(
        kids[0], name="外婆", phone="13700000001", relation="外婆", by=guardian, now=now
    )
    their_grandpa = add_pickup_person(
        theirs, name="别家爷爷", phone="13700000002", relation="爷爷", by=other_guardian, now=now
    )
    staff = make.user(make.person(name="前台小王", age=40), role=Role.STAFF)
    make.commit()
    app.config["FROZEN_NOW"] = today.starts_at + timedelta(minutes=5)
    return {
        "teacher": teacher,
        "kids": kids,
        "today": today,
        "grandma": grandma,
        "theirs": theirs,
        "their_grandpa": their_grandpa,
        "staff": staff,
        "guardian": guardian,
    }


def _body(response) -> str:
    return CSRF.sub("", response.get_data(as_text=True))


OUTSIDERS = ["other household's child", "staff member"]


def _outsider(door, kind):
    return door["theirs"] if kind == OUTSIDERS[0] else door["staff"].person


@pytest.mark.parametrize("kind", OUTSIDERS)
@pytest.mark.parametrize("htmx", [False, True])
def test_check_in_of_someone_not_on_the_roster_answers_like_a_missing_id(
    door, auth, client, snapshot, kind, htmx
):
    outsider = _outsider(door, kind)
    auth.login(door["teacher"])
    client.get("/door/")  # the welcome message is shown once
    url = f"/door/sessions/{door['today'].id}/check-in?lang=en"
    headers = {"HX-Request": "true"} if htmx else {}
    before = snapshot()
    theirs = client.post(url, data={"person_id": [str(outsider.id)]}, headers=headers)
    missing = client.post(url, data={"person_id": [str(MISSING)]}, headers=headers)
    assert theirs.status_code == missing.status_code == 404
    assert _body(theirs) == _body(missing)
    assert outsider.name not in theirs.get_data(as_text=True)
    assert snapshot() == before


def test_one_outsider_in_a_batch_refuses_the_whole_batch_before_anything_is_written(
    door, auth, client, snapshot
):
    auth.login(door["teacher"])
    before = snapshot()
    ids = [str(door["kids"][0].id), str(door["theirs"].id)]
    response = client.post(f"/door/sessions/{door['today'].id}/check-in", data={"person_id": ids})
    assert response.status_code == 404
    assert door["theirs"].name not in response.get_data(as_text=True)
    assert snapshot() == before
    assert db.session.scalar(select(func.count(Attendance.id))) == 0


@pytest.mark.parametrize("kind", OUTSIDERS)
def test_check_out_of_someone_not_on_the_roster_writes_no_attempt(
    door, auth, client, snapshot, kind
):
    outsider = _outsider(door, kind)
    auth.login(door["teacher"])
    client.get("/door/")  # the welcome message is shown once
    url = f"/door/sessions/{door['today'].id}/check-out?lang=en"

    def post(person_id):
        form = {
            "person_id": person_id,
            "pickup_person_id": door["their_grandpa"].id,
            "code": "0000",
        }
        return client.post(url, data=form)

    before = snapshot()
    theirs, missing = post(outsider.id), post(MISSING)
    assert theirs.status_code == missing.status_code == 404
    assert _body(theirs) == _body(missing)
    assert outsider.name not in theirs.get_data(as_text=True)
    assert snapshot() == before  # no PickupAttempt, no pickup_refused audit row


def test_a_refused_check_out_of_a_child_on_the_roster_is_still_logged(door, auth, client):
    auth.login(door["teacher"])
    kid, today = door["kids"][0], door["today"]
    client.post(f"/door/sessions/{today.id}/check-in", data={"person_id": [str(kid.id)]})
    response = client.post(
        f"/door/sessions/{today.id}/check-out?lang=en",
        data={"person_id": kid.id, "pickup_person_id": door["grandma"].id, "code": "abcd"},
    )
    assert response.status_code == 403
    assert db.session.scalar(select(PickupAttempt.reason)) == "wrong_code"
    assert db.session.scalar(
        select(func.count(AuditEntry.id)).where(AuditEntry.action == "pickup_refused")
    )


# --- finished values for the templates ---------------------------------------------


def test_the_door_roster_shows_care_notes_the_service_passes_and_nothing_else(
    door, auth, client, app
):
    auth.login(door["teacher"])
    page = client.get(f"/door/sessions/{door['today'].id}").get_data(as_text=True)
    assert "花生过敏" in page  # the slot's teacher may read them (the teach roster's rule)
    with app.test_request_context("/"):
        lines = childcare_door.door_roster(door["today"], door["teacher"], app.config["FROZEN_NOW"])
        assert [line.care_notes for line in lines if line.child == door["kids"][0]] == ["花生过敏"]
        without = childcare_door.door_roster(door["today"], None, app.config["FROZEN_NOW"])
        assert all(line.care_notes is None for line in without)
        html = render_template(
            "door/_roster.html",
            session=door["today"],
            rows=without,
            message=None,
            message_kind="info",
            results=[],
        )
    assert "花生过敏" not in html  # the template reads no child's own care notes


def test_an_expired_one_day_person_is_on_no_page_and_the_job_deletes_them(
    door, auth, client, make, app
):
    kid, guardian = door["kids"][0], door["guardian"]
    today = app.config["FROZEN_NOW"]
    yesterday = local_date(today) - timedelta(days=1)
    db.session.add(
        PickupPerson(
            child_id=kid.id,
            name="昨天的舅舅",
            phone="13700000003",
            relation="舅舅",
            code_hash=pickup_list.hash_code("1234"),
            valid_on=yesterday,
            created_at=today - timedelta(days=2),
        )
    )
    make.commit()
    expired_id = db.session.scalar(select(PickupPerson.id).where(PickupPerson.name == "昨天的舅舅"))
    auth.login(guardian)
    page = client.get(f"/programmes/children/{kid.id}/pickup?lang=en").get_data(as_text=True)
    assert "昨天的舅舅" not in page and "外婆" in page
    assert client.post(f"/programmes/pickup/{expired_id}/new-code").status_code == 404
    assert run_all(today, only=["forget-expired-pickups"]) == {"forget-expired-pickups": 1}
    assert db.session.get(PickupPerson, expired_id) is None


def test_the_pickup_page_offers_a_new_code_only_where_the_service_says_so(door, app):
    with app.test_request_context("/?lang=en"):
        from app.blueprints.programmes.forms import PickupPersonForm
        from app.forms import EmptyForm

        moment = app.config["FROZEN_NOW"]
        lines = pickup_list.pickup_page_list(door["kids"][0], moment)
        assert [(line.person.name, line.every_day, line.may_renew) for line in lines] == [
            ("外婆", True, True)
        ]
        lines[0].may_renew = False
        html = render_template(
            "programmes/pickup.html",
            child=door["kids"][0],
            people=lines,
            today=local_date(moment),
            form=PickupPersonForm(formdata=None),
            button_form=EmptyForm(),
            issued=None,
            max_day=local_date(moment),
        )
    assert "/new-code" not in html and "外婆" in html


# --- a refreshed code page adds nobody twice ---------------------------------------


def test_refreshing_the_code_page_adds_nobody_twice(door, auth, client, snapshot):
    from tests.conftest import PIN

    kid = door["kids"][0]
    auth.login(door["guardian"])
    url = f"/programmes/children/{kid.id}/pickup?lang=en"
    grandpa = {"name": "外公", "phone": "13700000009", "relation": "外公", "secret": PIN}
    first = client.post(url, data=grandpa)
    assert first.status_code == 200 and 'class="code"' in first.get_data(as_text=True)
    before = snapshot()
    for again in (grandpa, grandpa | {"phone": "１３７０００００００９"}):  # full-width digits
        refreshed = client.post(url, data=again)
        html = refreshed.get_data(as_text=True)
        assert refreshed.status_code == 409
        assert "already on the list" in html and "give a new code" in html
        assert 'class="code"' not in html
    assert snapshot() == before
    # Someone else sharing the phone (grandma and grandpa at home) is another person.
    other = client.post(url, data=grandpa | {"name": "外公的弟弟"})
    assert other.status_code == 200


# --- migrations ----------------------------------------------------------------------


def _migrations():
    return sorted((ROOT / "migrations" / "versions").glob("*.py"))


@pytest.mark.parametrize("path", _migrations(), ids=lambda p: p.name)
def test_migrations_import_no_app_code(path):
    """A migration must do the same thing whatever the app's code becomes later."""
    tree = ast.parse(path.read_text())
    imported = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            imported |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            imported.add(node.module or "")
    assert not {name for name in imported if name == "app" or name.startswith("app.")}
