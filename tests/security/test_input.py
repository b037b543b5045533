"""Odd input gets an answer a person can act on, never a server error (issue 10,
point 8): the probes that gave 500 before, one by one."""

from __future__ import annotations

import csv
import io
import re
from datetime import timedelta

import pytest
from werkzeug.datastructures import MultiDict

from app.csv_export import safe_cell
from app.extensions import db
from app.inputs import MAX_ID, page_number, parse_id
from app.models import Attendance, Person, Role

HUGE = str(2**64)
JUST_TOO_BIG = str(2**31)  # PostgreSQL INTEGER ends at 2^31 - 1


@pytest.fixture
def staff(make, auth):
    user = make.user(role=Role.STAFF, age=40)
    make.commit()
    auth.login(user)
    return user


# --- ids ------------------------------------------------------------------------------


@pytest.mark.parametrize("number", [0, 2**31, 2**63, 2**64, 10**40])
def test_an_id_outside_the_database_range_in_a_url_is_not_found(staff, client, number):
    for url in (f"/staff/people/{number}", f"/classes/{number}", f"/staff/sessions/{number}"):
        assert client.get(url).status_code == 404


def test_the_largest_id_is_still_looked_up(staff, client, make):
    """MAX_ID is a real id: a person stored under it is found; one more is no URL."""
    household = make.household(name="最大号家")
    db.session.add(Person(id=MAX_ID, household_id=household.id, name="最大号", created_at=make.now))
    make.commit()
    found = client.get(f"/staff/people/{MAX_ID}")
    assert found.status_code == 200 and "最大号" in found.get_data(as_text=True)
    assert client.get(f"/staff/people/{MAX_ID + 1}").status_code == 404  # no such URL


def test_an_out_of_range_id_on_a_post_route_is_404_not_405(make, auth, client, snapshot):
    guardian = make.resident(age=38)
    make.commit()
    auth.login(guardian)
    before = snapshot()
    response = client.post(f"/programmes/children/{HUGE}/pickup", data={"name": "x"})
    assert response.status_code == 404
    assert snapshot() == before


def test_an_anonymous_huge_id_is_not_found_before_any_login(client):
    assert client.get(f"/staff/people/{HUGE}").status_code == 404


def test_a_huge_person_id_in_a_booking_form_is_refused_with_422(make, auth, client, snapshot):
    resident = make.resident()
    activity = make.activity()
    make.commit()
    auth.login(resident)
    before = snapshot()
    response = client.post(
        "/me/bookings",
        data={
            "person_id": JUST_TOO_BIG,
            "activity_id": activity.id,
            "session_id": activity.sessions[0].id,
        },
    )
    assert response.status_code == 422
    assert snapshot() == before


@pytest.mark.parametrize("action", ["book", "apply"])
@pytest.mark.parametrize("number", [2**31, 10**17, 10**18 - 1, 2**63 - 1, 2**63, 0])
def test_a_pick_id_outside_the_database_range_is_not_found(
    make, auth, client, snapshot, action, number
):
    """A ticked box names "child-slot" by id: a child id or a slot id no INTEGER
    column can hold answers like a missing id (404), never a database error."""
    from tests.programme_helpers import family, holiday, lottery, sessions

    programme = lottery(make) if action == "apply" else holiday(make)
    guardian, (kid,) = family(make, children=1)
    make.commit()
    auth.login(guardian)
    slot = sessions(programme)[0]
    before = snapshot()
    for pick in (f"{number}-{slot.id}", f"{kid.id}-{number}", f"{number}-{number}"):
        response = client.post(f"/programmes/{programme.id}/{action}", data={"pick": pick})
        assert response.status_code == 404, pick
    assert snapshot() == before
    own = client.post(f"/programmes/{programme.id}/{action}", data={"pick": f"{kid.id}-{slot.id}"})
    assert own.status_code == 200


def test_a_huge_child_id_at_the_door_is_refused(make, auth, client, snapshot, world):
    auth.logout()
    teacher_login = world.logins["door_teacher"]
    client.post(teacher_login[0], data=teacher_login[1])
    session_id = world.ids["session"][1]
    before = snapshot()
    response = client.post(
        f"/door/sessions/{session_id}/check-in", data={"person_id": [JUST_TOO_BIG, "1"]}
    )
    assert response.status_code == 422
    assert snapshot() == before


def test_parse_id_takes_folded_digits_in_range_only():
    assert parse_id("42") == 42
    assert parse_id("４２") == 42  # full-width, as a Chinese keyboard types
    assert parse_id(str(MAX_ID)) == MAX_ID
    for bad in ("0", "-1", str(MAX_ID + 1), "9" * 40, "١٢", "1e3", "", None, "4 2"):
        assert parse_id(bad) is None, bad


# --- dates ------------------------------------------------------------------------------


@pytest.mark.parametrize("day", ["0001-01-01", "9999-12-31", "1899-12-31", "2101-01-01"])
def test_an_extreme_date_in_the_audit_filter_is_422_with_a_message(staff, client, day):
    response = client.get(f"/staff/audit?since={day}&lang=en")
    assert response.status_code == 422
    assert "between the years 1900 and 2100" in response.get_data(as_text=True)
    response = client.get(f"/staff/audit?until={day}&lang=en")
    assert response.status_code == 422


def test_an_extreme_date_in_the_activity_form_is_422_and_saves_nothing(staff, client, snapshot):
    before = snapshot()
    response = client.post(
        "/staff/activities/new?lang=en",
        data={
            "title": "书法班",
            "category": "calligraphy",
            "audience": "all",
            "capacity": "10",
            "enrolment_unit": "session",
            "capacity_unit": "person",
            "allocation": "fcfs",
            "waitlist_policy": "auto",
            "cancel_hours": "2",
            "opens_at": "0001-01-01T00:00",
            "closes_at": "9999-12-31T23:59",
        },
    )
    assert response.status_code == 422
    assert "between the years 1900 and 2100" in response.get_data(as_text=True)
    assert snapshot() == before


def test_an_extreme_date_in_the_programme_form_is_422_and_saves_nothing(staff, client, snapshot):
    before = snapshot()
    response = client.post(
        "/programmes/staff/new?lang=en",
        data={
            "title": "寒托班",
            "kind": "holiday",
            "room": "活动室",
            "first_day": "0001-01-01",
            "last_day": "9999-12-31",
            "weekdays": ["1", "2"],
            "full_start": "08:30",
            "full_end": "17:00",
            "capacity": "20",
            "allocation": "fcfs",
            "closed_days": "0001-01-03",
        },
    )
    assert response.status_code == 422
    assert "between the years 1900 and 2100" in response.get_data(as_text=True)
    assert snapshot() == before


def test_an_extreme_birth_date_is_422(staff, client, snapshot):
    before = snapshot()
    response = client.post(
        "/staff/households/new?lang=en",
        data={"household_name": "王家", "name": "王奶奶", "birth_date": "0001-01-01"},
    )
    assert response.status_code == 422
    assert "between the years 1900 and 2100" in response.get_data(as_text=True)
    assert snapshot() == before


def test_an_extreme_day_on_the_welfare_list_shows_today(staff, client):
    assert client.get("/welfare/?day=9999-12-31").status_code == 200


def test_holidays_to_skip_outside_the_calendar_are_422(staff, make, client, snapshot):
    activity = make.activity()
    make.commit()
    before = snapshot()
    response = client.post(
        f"/staff/activities/{activity.id}/schedule?lang=en",
        data={
            "weekdays": ["1"],
            "first_day": "2026-12-01",
            "last_day": "2026-12-31",
            "start": "09:00",
            "end": "10:00",
            "skip": "9999-12-31",
        },
    )
    assert response.status_code == 422
    assert "between the years 1900 and 2100" in response.get_data(as_text=True)
    assert snapshot() == before


# --- OPTIONS --------------------------------------------------------------------------


@pytest.mark.parametrize("url", ["/staff/", "/staff/audit", "/welfare/hours", "/teach/", "/me/"])
def test_options_is_answered_anonymous_or_logged_in(client, make, auth, url):
    anonymous = client.options(url)
    assert anonymous.status_code == 200
    assert "GET" in anonymous.headers["Allow"]
    assert anonymous.get_data() == b""  # nothing of the page
    auth.login(make.resident())
    assert client.options(url).status_code == 200


# --- query arguments and url_for -------------------------------------------------------


@pytest.mark.parametrize(
    "noise",
    ["_scheme=x&_external=", "_external=1", "_method=POST", "_anchor=x", "before=2&before=3"],
)
def test_url_for_never_sees_query_arguments_it_does_not_know(staff, client, make, noise):
    from app.services import audit

    for n in range(60):
        audit.record(staff, "probe", staff, make.now + timedelta(minutes=n))
    make.commit()
    response = client.get(f"/staff/audit?before=55&since=2026-01-01&{noise}")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "since=2026-01-01" in html  # the filter is kept in the page links
    for word in ("_scheme", "_external", "_method", "_anchor"):
        assert word not in html


@pytest.mark.parametrize("number", ["0", "-3", HUGE, "x", "\u202e2", "1e9", ""])
def test_a_garbage_before_shows_the_newest_page(staff, client, make, number):
    from app.services import audit

    for n in range(60):  # 50 a page: the newest on the first, the oldest after "Older"
        audit.record(
            staff, "probe", staff, make.now + timedelta(minutes=n), after={"n": f"第{n}条"}
        )
    make.commit()
    first = client.get("/staff/audit").text
    older = re.search(r'href="/staff/audit\?before=(\d+)"', first).group(1)
    assert "第0条" in client.get("/staff/audit", query_string={"before": older}).text
    assert "第0条" in client.get("/staff/audit", query_string={"before": "１１"}).text
    response = client.get("/staff/audit", query_string={"before": number})
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "第59条" in html and "第10条" in html and "第9条" not in html


def test_page_number_reads_what_a_person_could_mean():
    assert page_number("3") == 3
    assert page_number("３") == 3
    assert [page_number(p) for p in (None, "", "0", "-1", "x", HUGE)] == [1] * 6
    assert page_number("99999") == 10_000


# --- CSV --------------------------------------------------------------------------------


def test_csv_cells_that_a_spreadsheet_would_run_are_escaped(make, auth, client):
    staff = make.user(role=Role.STAFF, age=40)
    teacher = make.user(
        make.person(name='=HYPERLINK("http://evil.example","点我")', age=50), role=Role.TEACHER
    )
    held = make.activity(teacher_id=teacher.id, start_in=-timedelta(days=1))
    came = make.resident().person  # hours count a session someone came to
    db.session.add(
        Attendance(
            session_id=held.sessions[0].id, person_id=came.id, status="present", marked_at=make.now
        )
    )
    make.commit()
    auth.login(staff)
    response = client.get("/welfare/hours.csv")
    assert response.status_code == 200
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))
    names = [row[0] for row in rows[1:]]
    assert names == ['\'=HYPERLINK("http://evil.example","点我")']


@pytest.mark.parametrize("cell", ["=1+1", "+1", "-1+2", "@SUM(A1)", "\t=1", "\r=1"])
def test_safe_cell_escapes_formula_starts(cell):
    assert safe_cell(cell) == "'" + cell


def test_safe_cell_leaves_plain_values():
    assert safe_cell("王奶奶") == "王奶奶"
    assert safe_cell(-1.5) == "-1.5"  # a number is not a formula
    assert safe_cell(None) == ""


# --- NUL, long strings, RTL marks -------------------------------------------------------


def _new_household(client, **fields):
    data = {"household_name": "王家", "name": "王奶奶", **fields}
    return client.post("/staff/households/new?lang=en", data=data)


def test_nul_in_a_form_is_refused_and_writes_nothing(staff, client, snapshot):
    before = snapshot()
    response = _new_household(client, name="王\x00奶奶")
    assert response.status_code == 400
    assert snapshot() == before
    assert client.get("/staff/residents", query_string={"q": "王\x00"}).status_code == 400


def test_nul_in_a_field_name_is_refused(staff, client, snapshot):
    before = snapshot()
    response = client.post("/staff/households/new", data={"household_name\x00": "x"})
    assert response.status_code == 400
    assert snapshot() == before


def test_an_overlong_name_is_422_with_a_field_message(staff, client, snapshot):
    before = snapshot()
    response = _new_household(client, name="王" * 10_000)
    assert response.status_code == 422
    assert "Field cannot be longer than 60 characters" in response.get_data(as_text=True)
    assert snapshot() == before


def test_an_overlong_search_is_answered(staff, client):
    assert client.get("/staff/residents", query_string={"q": "x" * 10_000}).status_code < 500


def test_rtl_marks_are_stored_as_typed(staff, client, snapshot):
    before = snapshot()
    name = "\u202e王奶奶\u202c"
    response = _new_household(client, name=name)
    assert response.status_code == 303
    assert db.session.scalar(db.select(Person.name).where(Person.name == name)) == name
    assert snapshot()["household"] == before["household"] + 1


def test_a_field_sent_twice_takes_the_first_and_is_not_an_error(staff, client):
    response = client.post(
        "/staff/households/new",
        data=MultiDict([("household_name", "王家"), ("name", "甲"), ("name", "乙")]),
    )
    assert response.status_code == 303


# --- numbers typed on a Chinese keyboard ------------------------------------------------


def test_seats_typed_in_full_width_digits_are_read_as_numbers(staff, make, client):
    activity = make.activity(series=True, capacity=10)
    make.commit()
    response = client.post(f"/staff/activities/{activity.id}/capacity", data={"capacity": "２０"})
    assert response.status_code == 303
    db.session.refresh(activity)
    assert activity.capacity == 20


def test_seats_beyond_any_room_are_422_with_a_message(staff, make, client, snapshot):
    activity = make.activity(series=True, capacity=10)
    make.commit()
    before = snapshot()
    response = client.post(
        f"/staff/activities/{activity.id}/capacity?lang=en", data={"capacity": HUGE}
    )
    assert response.status_code == 422
    assert snapshot() == before
