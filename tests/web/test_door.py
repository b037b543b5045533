"""At the door: batch check-in, check-out with the pickup code, who is here."""

from datetime import timedelta

import pytest

from app.extensions import db
from app.models import Attendance, PickupAttempt, Role
from app.services.childcare.pickup_list import add_pickup_person
from app.services.childcare.submissions import book_days
from tests.programme_helpers import (
    afterschool,
    family,
    sessions,
)

HX = {"HX-Request": "true"}


@pytest.fixture
def door(make, now, app):
    teacher = make.user(role=Role.TEACHER, age=30)
    programme = afterschool(make, teacher=teacher)
    guardian, kids = family(make)
    today = sessions(programme)[0]
    book_days(programme, [(k, today) for k in kids], by=guardian, channel="phone", now=now)
    grandma = add_pickup_person(
        kids[0], name="外婆", phone="13700000001", relation="外婆", by=guardian, now=now
    )
    make.commit()
    app.config["FROZEN_NOW"] = today.starts_at + timedelta(minutes=5)
    return teacher, kids, today, grandma


def test_teacher_sees_todays_groups_and_the_roster(door, auth, client):
    teacher, kids, today, _ = door
    auth.login(teacher)
    assert f"/door/sessions/{today.id}" in client.get("/door/").get_data(as_text=True)
    html = client.get(f"/door/sessions/{today.id}?lang=en").get_data(as_text=True)
    assert all(k.name in html for k in kids)
    assert "Check in the ticked children" in html


def test_a_teacher_of_another_programme_is_refused(door, make, auth, client):
    _, _, today, _ = door
    other = make.user(role=Role.TEACHER, age=30)
    make.commit()
    auth.login(other)
    assert client.get(f"/door/sessions/{today.id}").status_code == 403
    assert (
        client.post(f"/door/sessions/{today.id}/check-in", data={"person_id": ["1"]}).status_code
        == 403
    )
    kids_ids = [str(k.id) for k in door[1]]
    refused = client.post(f"/door/sessions/{today.id}/check-in", data={"person_id": kids_ids})
    assert refused.status_code == 403
    assert db.session.query(Attendance).filter(Attendance.checked_in_at.isnot(None)).count() == 0


def test_batch_check_in_plain_and_htmx(door, auth, client):
    teacher, kids, today, _ = door
    auth.login(teacher)
    response = client.post(
        f"/door/sessions/{today.id}/check-in", data={"person_id": [str(kids[0].id)]}
    )
    assert response.status_code == 303
    fragment = client.post(
        f"/door/sessions/{today.id}/check-in?lang=en",
        data={"person_id": [str(k.id) for k in kids]},
        headers=HX,
    )
    assert fragment.status_code == 200
    html = fragment.get_data(as_text=True)
    assert "<html" not in html and 'id="roster"' in html
    assert "1 checked in" in html and "already checked in" in html
    assert db.session.query(Attendance).filter(Attendance.checked_in_at.isnot(None)).count() == 2
    nothing = client.post(f"/door/sessions/{today.id}/check-in?lang=en", data={}, headers=HX)
    assert nothing.status_code == 422


def test_check_out_refuses_a_wrong_code_logs_it_and_accepts_the_right_one(door, auth, client):
    teacher, kids, today, grandma = door
    auth.login(teacher)
    client.post(f"/door/sessions/{today.id}/check-in", data={"person_id": [str(kids[0].id)]})
    wrong = "0000" if grandma.issued_code != "0000" else "1111"
    url = f"/door/sessions/{today.id}/check-out?lang=en"
    refused = client.post(
        url,
        data={"person_id": kids[0].id, "pickup_person_id": grandma.id, "code": wrong},
        headers=HX,
    )
    assert refused.status_code == 403 and "code is wrong" in refused.get_data(as_text=True)
    unlisted = client.post(url, data={"person_id": kids[0].id, "code": grandma.issued_code})
    assert unlisted.status_code == 403 and "not on the child" in unlisted.get_data(as_text=True)
    assert db.session.query(PickupAttempt).filter_by(ok=False).count() == 2
    db.session.expire_all()
    assert db.session.query(Attendance).one().checked_out_at is None
    ok = client.post(
        url,
        data={"person_id": kids[0].id, "pickup_person_id": grandma.id, "code": grandma.issued_code},
    )
    assert ok.status_code == 303
    db.session.expire_all()
    assert db.session.query(Attendance).one().checked_out_at is not None


def test_who_is_here_shows_late_pickups_and_refusals_to_staff(door, make, auth, client, app):
    teacher, kids, today, grandma = door
    auth.login(teacher)
    client.post(
        f"/door/sessions/{today.id}/check-in", data={"person_id": [str(k.id) for k in kids]}
    )
    client.post(
        f"/door/sessions/{today.id}/check-out", data={"person_id": kids[1].id, "code": "1234"}
    )
    html = client.get("/door/here?lang=en").get_data(as_text=True)
    assert "2 children in the building" in html and "Late pickup" not in html
    app.config["FROZEN_NOW"] = today.ends_at + timedelta(minutes=30)
    auth.logout()
    staff = make.user(role=Role.STAFF, age=40)
    make.commit()
    auth.login(staff)
    html = client.get("/door/here?lang=en").get_data(as_text=True)
    assert "Late pickup" in html and "13812345678" in html
    assert "Refused pickups today" in html


def test_without_javascript_a_refused_pickup_is_shown_in_the_roll(door, auth, client):
    """The teacher looks at the child's line: a refusal appears in the roll's own
    notice, not as a flash at the top of the page."""
    teacher, kids, today, grandma = door
    auth.login(teacher)
    client.post(f"/door/sessions/{today.id}/check-in", data={"person_id": [str(kids[0].id)]})
    wrong = "0000" if grandma.issued_code != "0000" else "1111"
    refused = client.post(
        f"/door/sessions/{today.id}/check-out?lang=en",
        data={"person_id": kids[0].id, "pickup_person_id": grandma.id, "code": wrong},
    )
    assert refused.status_code == 403
    html = refused.get_data(as_text=True)
    before, roster = html.split('id="roster"', 1)
    assert "code is wrong" in roster and "code is wrong" not in before


def test_a_session_added_to_the_club_at_the_desk_is_at_the_door(door, make, auth, client):
    """A session added to the after-school club's activity after it was set up (not
    one of its day slots) is on the door's list and opens there; the teacher of
    another class does not get it."""
    from app.services.schedule.sessions import add_session

    teacher, kids, today, _ = door
    programme = today.activity.programme
    extra = add_session(
        programme.activity,
        today.starts_at - timedelta(hours=3),
        today.starts_at - timedelta(hours=2),
        room="阅览室",
    )
    stranger = make.user(role=Role.TEACHER, age=30)
    make.commit()
    auth.login(teacher)
    index = client.get("/door/?lang=en").get_data(as_text=True)
    assert f"/door/sessions/{today.id}" in index
    assert f"/door/sessions/{extra.id}" in index
    assert client.get(f"/door/sessions/{extra.id}?lang=en").status_code == 200
    auth.login(stranger)
    assert f"/door/sessions/{extra.id}" not in client.get("/door/").get_data(as_text=True)
    assert client.get(f"/door/sessions/{extra.id}").status_code == 403
