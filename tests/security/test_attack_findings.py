"""What an attacker found probing the merged trust work under gunicorn, each held:

F4  a programme (or a schedule) fills at most MAX_SPAN_DAYS with sessions;
F5  a teacher's "add helper by phone" names only volunteers, and is audited;
F6  a lottery whose seed commitment is published cannot be reopened;
F7  no redirect leaves the site, whatever the Referer or `next` says;
F9  in the demo, staff and teachers are not one family.
"""

from __future__ import annotations

from datetime import date, time, timedelta

import pytest
from sqlalchemy import func, select

from app.demo import DEMO_PASSWORD, LOGINS, seed_demo
from app.extensions import db
from app.models import Activity, AuditEntry, Person, Programme, Role, SessionHelper, User
from app.redirects import safe_next
from app.services.childcare import seed as childcare_seed
from app.services.childcare.applications import apply_days
from app.services.childcare.programmes import create_programme
from app.services.refusals import ScheduleRefused
from app.services.schedule.sessions import MAX_SPAN_DAYS, generate_by
from app.timeutil import to_local
from tests.programme_helpers import family, sessions
from tests.programme_helpers import lottery as make_lottery

DAY = timedelta(days=1)


def _audits(action: str) -> int:
    return db.session.scalar(select(func.count(AuditEntry.id)).where(AuditEntry.action == action))


# --- F4: at most MAX_SPAN_DAYS of sessions per request ----------------------------------

PROGRAMME = {
    "title": "暑托班",
    "kind": "holiday",
    "room": "活动室一",
    "teacher_id": "",
    "weekdays": ["1", "2", "3", "4", "5", "6", "7"],
    "full_start": "08:30",
    "full_end": "17:00",
    "morning_start": "08:30",
    "morning_end": "12:00",
    "afternoon_start": "13:00",
    "afternoon_end": "17:00",
    "capacity": "40",
    "allocation": "fcfs",
    "newcomer_share": "0",
}
SPAN_MESSAGE = f"Please choose at most {MAX_SPAN_DAYS} days from the first day to the last."


@pytest.mark.parametrize(
    "first,last",
    [
        ("1900-01-01", "2100-12-31"),  # the attack: 200 years, every day, three slots
        ("2027-01-01", (date(2027, 1, 1) + (MAX_SPAN_DAYS + 1) * DAY).isoformat()),
    ],
)
def test_a_programme_form_over_the_span_limit_is_refused_and_writes_nothing(
    client, auth, make, snapshot, first, last
):
    staff = make.user(role=Role.STAFF, age=40)
    make.commit()
    auth.login(staff)
    before = snapshot()
    response = client.post(
        "/programmes/staff/new?lang=en", data={**PROGRAMME, "first_day": first, "last_day": last}
    )
    assert response.status_code == 422
    assert SPAN_MESSAGE in response.text
    assert snapshot() == before


def test_a_programme_of_exactly_the_span_limit_is_created(client, auth, make):
    staff = make.user(role=Role.STAFF, age=40)
    make.commit()
    auth.login(staff)
    last = date(2027, 1, 1) + MAX_SPAN_DAYS * DAY
    data = {k: v for k, v in PROGRAMME.items() if not k.startswith(("morning", "afternoon"))}
    data |= {"weekdays": ["3"], "first_day": "2027-01-01", "last_day": last.isoformat()}
    response = client.post("/programmes/staff/new", data=data)
    assert response.status_code == 303
    assert len(db.session.scalars(select(Programme)).one().slots) == 57  # Wednesdays


def test_the_schedule_form_refuses_the_same_span_with_the_same_message(client, auth, make):
    staff = make.user(role=Role.STAFF, age=40)
    activity = make.activity(sessions=0)
    make.commit()
    auth.login(staff)
    response = client.post(
        f"/staff/activities/{activity.id}/schedule?lang=en",
        data={
            "weekdays": ["1"],
            "first_day": "2027-01-01",
            "last_day": (date(2027, 1, 1) + (MAX_SPAN_DAYS + 1) * DAY).isoformat(),
            "start": "09:00",
            "end": "10:00",
        },
    )
    assert response.status_code == 422
    assert SPAN_MESSAGE in response.text
    db.session.expire_all()
    assert activity.sessions == []


def test_no_caller_of_the_services_can_create_more_than_the_span(make, now):
    """The service refuses too, before writing anything: a form is not the only caller."""
    staff = make.user(role=Role.STAFF, age=40)
    activity = make.activity(sessions=0)
    make.commit()
    sessions_before = db.session.scalar(select(func.count(Activity.id)))
    with pytest.raises(ScheduleRefused):
        create_programme(
            by=staff,
            now=now,
            title="百年托管",
            first_day=date(1900, 1, 1),
            last_day=date(2100, 12, 31),
            weekdays=range(1, 8),
            slot_times={"full": (time(8), time(17))},
            capacity=10,
            room="活动室",
        )
    assert db.session.scalar(select(func.count(Activity.id))) == sessions_before
    assert db.session.scalar(select(func.count(Programme.id))) == 0
    with pytest.raises(ScheduleRefused):
        generate_by(
            activity,
            by=staff,
            now=now,
            first_day=date(1900, 1, 1),
            last_day=date(2100, 12, 31),
            weekdays=range(1, 8),
            start=time(9),
            end=time(10),
        )
    assert activity.sessions == []


# --- F5: helpers are volunteers ------------------------------------------------------

NO_VOLUNTEER = "No volunteer account has this phone number."


@pytest.fixture
def roster(make, now):
    """A teacher, a class of theirs that ran yesterday, and its roster URL."""
    teacher = make.user(role=Role.TEACHER, age=45)
    activity = make.activity(start_in=-DAY, teacher_id=teacher.id)
    return teacher, activity.sessions[0]


def _add_helper(client, session, phone):
    response = client.post(f"/teach/sessions/{session.id}/helpers?lang=en", data={"phone": phone})
    assert response.status_code == 303
    return client.get(f"/teach/sessions/{session.id}?lang=en").text


@pytest.mark.parametrize("who", ["staff", "admin", "child", "closed", "unknown"])
def test_a_teacher_learns_no_name_from_a_phone_that_is_not_a_volunteer(
    client, auth, make, snapshot, roster, who
):
    teacher, session = roster
    if who == "unknown":
        phone, name = "13999999999", None
    else:
        role = {"staff": Role.STAFF, "admin": Role.ADMIN}.get(who, Role.RESIDENT)
        user = make.user(role=role, age=12 if who == "child" else 40)
        user.active = who != "closed"
        phone, name = user.phone, user.person.name
    make.commit()
    auth.login(teacher)
    before = snapshot()
    page = _add_helper(client, session, phone)
    assert NO_VOLUNTEER in page
    assert name is None or name not in page
    assert snapshot() == before  # no helper, no hours, no audit line


def test_a_volunteer_is_named_when_added_and_adding_and_removing_are_audited(
    client, auth, make, roster
):
    teacher, session = roster
    volunteer = make.resident(age=20)
    other_teacher = make.user(role=Role.TEACHER, age=50)  # teachers help each other
    make.commit()
    auth.login(teacher)
    page = _add_helper(client, session, volunteer.phone)
    assert f"{volunteer.person.name} is recorded as a helper." in page
    assert f"{other_teacher.person.name} is recorded as a helper." in _add_helper(
        client, session, other_teacher.phone
    )
    assert _audits("session.helper_add") == 2
    entry = db.session.scalar(select(SessionHelper).where(SessionHelper.user_id == volunteer.id))
    added = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "session.helper_add"))
    assert (added.actor_id, added.subject_id, added.after) == (
        teacher.id,
        session.id,
        {"user_id": volunteer.id},
    )
    removed = client.post(f"/teach/sessions/{session.id}/helpers/{entry.id}/remove")
    assert removed.status_code == 303
    line = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "session.helper_remove"))
    assert (line.actor_id, line.subject_id, line.before) == (
        teacher.id,
        session.id,
        {"user_id": volunteer.id},
    )
    assert db.session.scalar(select(func.count(SessionHelper.id))) == 1


# --- F6: a sealed lottery stays sealed -----------------------------------------------


def _local(value):
    return to_local(value).strftime("%Y-%m-%dT%H:%M") if value else ""


def _edit_data(activity: Activity, **changes) -> dict:
    data = {
        "title": activity.title,
        "category": activity.category,
        "audience": activity.audience,
        "teacher_id": "",
        "room": activity.room or "",
        "capacity": str(activity.capacity),
        "enrolment_unit": activity.enrolment_unit,
        "capacity_unit": activity.capacity_unit,
        "allocation": activity.allocation,
        "waitlist_enabled": "y",
        "waitlist_policy": activity.waitlist_policy,
        "opens_at": _local(activity.opens_at),
        "closes_at": _local(activity.closes_at),
        "cancel_hours": str(activity.cancel_hours),
    }
    return data | changes


@pytest.fixture
def sealed(make, app, now):
    """A lottery with an application; its window closed and its seed is committed."""
    programme = make_lottery(make, capacity=1, days=1)
    guardian, (kid,) = family(make, children=1)
    apply_days(programme, [(kid, sessions(programme)[0])], by=guardian, now=now)
    staff = make.user(role=Role.STAFF, age=40)
    closes_at = programme.activity.closes_at
    later = closes_at + timedelta(minutes=5)
    app.config["FROZEN_NOW"] = later
    assert childcare_seed.seal_seed(programme, later)
    make.commit()
    return programme, staff, closes_at


@pytest.mark.parametrize(
    "field,value",
    [
        ("closes_at", "tomorrow"),
        ("opens_at", "earlier"),
        ("allocation", "fcfs"),
    ],
)
def test_a_lottery_with_a_published_commitment_cannot_be_reopened(
    client, auth, snapshot, sealed, field, value
):
    programme, staff, closes_at = sealed
    activity = programme.activity
    value = {
        "tomorrow": _local(closes_at + 2 * DAY),
        "earlier": _local(activity.opens_at - DAY),
    }.get(value, value)
    auth.login(staff)
    before = snapshot()
    response = client.post(
        f"/staff/activities/{activity.id}/edit?lang=en", data=_edit_data(activity, **{field: value})
    )
    assert response.status_code == 422
    assert "seed is published" in response.text
    assert snapshot() == before
    db.session.expire_all()
    assert db.session.get(Activity, activity.id).closes_at == closes_at
    assert db.session.get(Activity, activity.id).allocation == "lottery"


def test_a_sealed_lottery_still_takes_other_edits(client, auth, sealed):
    programme, staff, closes_at = sealed
    activity = programme.activity
    auth.login(staff)
    response = client.post(
        f"/staff/activities/{activity.id}/edit", data=_edit_data(activity, title="寒托班（新）")
    )
    assert response.status_code == 303
    db.session.expire_all()
    activity = db.session.get(Activity, activity.id)
    assert (activity.title, activity.closes_at) == ("寒托班（新）", closes_at)


def test_before_the_seed_exists_the_window_can_still_move(client, auth, make, now):
    programme = make_lottery(make, capacity=1, days=1)
    staff = make.user(role=Role.STAFF, age=40)
    make.commit()
    activity = programme.activity
    later = activity.closes_at + DAY
    auth.login(staff)
    response = client.post(
        f"/staff/activities/{activity.id}/edit", data=_edit_data(activity, closes_at=_local(later))
    )
    assert response.status_code == 303
    db.session.expire_all()
    assert db.session.get(Activity, activity.id).closes_at == later


# --- F7: redirects stay on the site --------------------------------------------------

OFF_SITE = [
    "https://evil.example/kiosk",
    "//evil.example/kiosk",
    "/\\evil.example/kiosk",
    "/\t/evil.example/kiosk",
    "http://localhost@evil.example/kiosk",
    "http://localhost.evil.example/kiosk",
    "javascript:alert(1)//kiosk",
]


@pytest.mark.parametrize("referer", OFF_SITE)
def test_kiosk_help_never_redirects_off_site(client, referer):
    response = client.post("/kiosk/help", headers={"Referer": referer})
    assert response.status_code == 303
    assert response.headers["Location"] == "/kiosk/"


def test_kiosk_help_returns_to_the_kiosk_page_it_came_from(client):
    response = client.post("/kiosk/help", headers={"Referer": "http://localhost/kiosk/?page=2"})
    assert response.headers["Location"] == "/kiosk/?page=2"
    # A page of this site outside the kiosk is not where a kiosk goes back to.
    response = client.post("/kiosk/help", headers={"Referer": "http://localhost/staff/"})
    assert response.headers["Location"] == "/kiosk/"


@pytest.mark.parametrize("target", OFF_SITE + ["https://evil.example/staff/"])
def test_login_and_staff_next_never_leave_the_site(client, auth, make, target):
    resident = make.resident()
    staff = make.user(role=Role.STAFF, age=40)
    person = staff.person
    make.commit()
    response = client.post(
        "/login", data={"phone": resident.phone, "secret": "123456", "next": target}
    )
    assert response.status_code == 302
    assert "evil" not in response.headers["Location"]
    auth.logout()
    auth.login(staff)
    response = client.post(f"/staff/people/{person.id}/unlock-login", data={"next": target})
    assert response.status_code == 303
    assert response.headers["Location"] == f"/staff/people/{person.id}"


def test_the_shared_helper_keeps_paths_of_this_site(app):
    with app.test_request_context("/", base_url="http://localhost"):
        assert safe_next("/me/bookings?x=1") == "/me/bookings?x=1"
        assert safe_next("http://localhost/kiosk/x", under="/kiosk") == "/kiosk/x"
        assert safe_next("/staff/people/1", under="/staff/") == "/staff/people/1"
        assert safe_next("/me/", under="/staff/") is None
        for target in OFF_SITE + ["", None, "me/", "https:/evil.example"]:
            assert safe_next(target) is None


# --- F9: the demo's staff are not one family -----------------------------------------


def test_demo_staff_and_teachers_each_have_their_own_household(app, client, now):
    assert seed_demo(now)
    db.session.commit()
    phones = [phone for phone, role, _ in LOGINS if role != Role.RESIDENT]
    accounts = db.session.scalars(select(User).where(User.role != Role.RESIDENT)).all()
    assert {u.phone for u in accounts} >= set(phones)
    for user in accounts:
        members = db.session.scalars(
            select(Person).where(Person.household_id == user.person.household_id)
        ).all()
        assert members == [user.person], user.person.name
    # A teacher's own page lists no staff member as family, and every login works.
    admin = next(u for u in accounts if u.role == Role.ADMIN)
    staff = next(u for u in accounts if u.role == Role.STAFF)
    for phone in phones:
        response = client.post("/login", data={"phone": phone, "secret": DEMO_PASSWORD})
        assert response.status_code == 302, phone
        page = client.get("/me/").text
        me = db.session.scalar(select(User).where(User.phone == phone))
        if me.role == Role.TEACHER:
            assert admin.person.name not in page and staff.person.name not in page
        client.post("/logout")
