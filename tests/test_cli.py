from datetime import timedelta

import pytest
from sqlalchemy import func, select

from app.extensions import db
from app.models import Activity, AuditEntry, Booking, Person, Role, Session, User
from tests.conftest import PASSWORD, PIN


def _counts():
    return [
        db.session.scalar(select(func.count()).select_from(m))
        for m in (User, Person, Activity, Session)
    ]


def test_seed_demo_loads_the_programme_once(runner):
    first = runner.invoke(args=["seed-demo"])
    assert first.exit_code == 0, first.output
    assert "13800000001" in first.output and "123456" in first.output
    assert "Demo pickup codes" in first.output  # hashed: this is the only time they show
    counts = _counts()
    bookings = db.session.scalar(select(func.count(Booking.id)))
    assert counts[2] >= 10 and all(counts)
    titles = set(db.session.scalars(select(Activity.title)))
    assert {"银龄风采中国舞", "书法班", "智能手机课堂", "四点半课堂", "亲子竹编风铃"} <= titles
    second = runner.invoke(args=["seed-demo"])
    assert second.exit_code == 0 and "nothing added" in second.output
    assert _counts() == counts
    assert db.session.scalar(select(func.count(Booking.id))) == bookings


def test_demo_pages_render(runner, client):
    runner.invoke(args=["seed-demo"])
    assert client.get("/classes").status_code == 200
    for activity_id in db.session.scalars(select(Activity.id)):
        assert client.get(f"/classes/{activity_id}").status_code == 200


# --- flask set-role ------------------------------------------------------------------

NEW_PASSWORD = "a-long-password"


def _logged_in(client, user, secret) -> None:
    response = client.post("/login", data={"phone": user.phone, "secret": secret})
    assert response.status_code == 302, "the login itself failed"


def _is_logged_out(response) -> bool:
    return response.status_code == 302 and "/login" in response.headers["Location"]


def _account(user_id):
    db.session.commit()  # a fresh snapshot: see what the command wrote
    user = db.session.get(User, user_id, populate_existing=True)
    return user.role, user.secret_hash, user.session_version


def _audit():
    db.session.commit()
    return db.session.scalars(select(AuditEntry).where(AuditEntry.action == "user.role")).all()


def test_set_role_makes_a_resident_a_teacher_with_a_password_and_ends_their_sessions(
    runner, app, make
):
    resident = make.resident()
    make.commit()
    phone = app.test_client()
    _logged_in(phone, resident, PIN)
    assert phone.get("/me/").status_code == 200
    result = runner.invoke(args=["set-role", resident.phone, "teacher", "--password", NEW_PASSWORD])
    assert result.exit_code == 0, result.output
    assert _account(resident.id)[0] == Role.TEACHER
    assert _is_logged_out(phone.get("/me/"))  # the resident's login is over
    (entry,) = _audit()
    assert (entry.actor_id, entry.subject_id) == (None, resident.id)  # by the system
    assert (entry.before, entry.after) == ({"role": "resident"}, {"role": "teacher"})
    assert NEW_PASSWORD not in result.output
    again = app.test_client()
    assert again.post("/login", data={"phone": resident.phone, "secret": PIN}).status_code == 401
    _logged_in(again, resident, NEW_PASSWORD)
    assert again.get("/teach/").status_code == 200


def test_set_role_makes_a_teacher_a_resident_with_a_pin(runner, app, make):
    teacher = make.user(role=Role.TEACHER, age=40)
    make.commit()
    site = app.test_client()
    _logged_in(site, teacher, PASSWORD)
    assert site.get("/teach/").status_code == 200
    # Typed in full-width digits, the PIN is stored as the digits the kiosk types.
    result = runner.invoke(args=["set-role", teacher.phone, "resident", "--pin", "６５４３２１"])
    assert result.exit_code == 0, result.output
    assert _is_logged_out(site.get("/teach/"))
    _logged_in(app.test_client(), teacher, "654321")
    assert len(_audit()) == 1


def test_set_role_between_password_roles_keeps_the_password(runner, app, make):
    teacher = make.user(role=Role.TEACHER, age=40)
    make.commit()
    site = app.test_client()
    _logged_in(site, teacher, PASSWORD)
    result = runner.invoke(args=["set-role", teacher.phone, "staff"])
    assert result.exit_code == 0, result.output
    assert _account(teacher.id)[0] == Role.STAFF
    assert _is_logged_out(site.get("/teach/"))
    _logged_in(app.test_client(), teacher, PASSWORD)


@pytest.mark.parametrize(
    ("role_now", "args"),
    [
        (Role.RESIDENT, ["staff"]),  # a password role needs a password
        (Role.RESIDENT, ["staff", "--password", "short"]),  # of 10 characters or more
        (Role.RESIDENT, ["admin", "--pin", "123456"]),  # not a PIN
        (Role.RESIDENT, ["resident"]),  # no change
        (Role.RESIDENT, ["boss"]),  # no such role
        (Role.TEACHER, ["resident"]),  # a resident needs a PIN
        (Role.TEACHER, ["resident", "--pin", "12345"]),  # of 6 digits
        (Role.TEACHER, ["resident", "--pin", "١٢٣٤٥٦"]),  # of ASCII digits after folding
        (Role.TEACHER, ["resident", "--password", NEW_PASSWORD]),  # not a password
        (Role.TEACHER, ["staff", "--password", NEW_PASSWORD]),  # no new password here
    ],
)
def test_set_role_refusals_change_nothing(runner, app, make, role_now, args):
    user = make.user(role=role_now, age=40)
    make.commit()
    site = app.test_client()
    secret = PIN if role_now == Role.RESIDENT else PASSWORD
    _logged_in(site, user, secret)
    before = _account(user.id)
    result = runner.invoke(args=["set-role", user.phone, *args])
    assert result.exit_code != 0
    assert _account(user.id) == before
    assert _audit() == []
    assert site.get("/me/").status_code == 200  # still logged in


def test_set_role_of_an_unknown_number_is_refused(runner):
    result = runner.invoke(args=["set-role", "13700000000", "staff", "--password", NEW_PASSWORD])
    assert result.exit_code != 0 and "No account" in result.output
    assert _audit() == []


# --- the demo, whatever the hour -------------------------------------------------------


@pytest.mark.parametrize("local_time", ["07:05", "19:40", "23:20"])
def test_seed_demo_has_a_class_running_and_one_within_the_hour_whatever_the_hour(
    runner, app, client, local_time
):
    """Run in the evening (or at dawn) the demo still has something happening: a
    class running now with people on its roll, taught by a teacher whose login is
    printed, that 王秀英 can check in to at the kiosk; and one starting within the
    hour."""
    from datetime import datetime

    from app.demo import LOGINS
    from app.services.booking.targets import holds_place_on
    from app.timeutil import from_local

    hour, minute = map(int, local_time.split(":"))
    moment = from_local(datetime(2026, 11, 25, hour, minute))
    app.config["FROZEN_NOW"] = moment
    result = runner.invoke(args=["seed-demo"])
    assert result.exit_code == 0, result.output
    for phone, _role, _who in LOGINS:
        assert phone in result.output
    assert "13900000005" in result.output and "刘同学" in result.output  # the club's teacher
    running = db.session.scalars(
        select(Session).where(Session.starts_at <= moment, Session.ends_at > moment)
    ).all()
    soon = db.session.scalars(
        select(Session).where(
            Session.starts_at > moment, Session.starts_at <= moment + timedelta(hours=1)
        )
    ).all()
    assert running and soon
    printed = [phone for phone, _r, _w in LOGINS]
    on_roll = [
        s
        for s in running
        if s.activity.teacher is not None
        and s.activity.teacher.phone in printed
        and db.session.scalar(select(Booking.id).where(holds_place_on(s)).limit(1))
    ]
    assert on_roll
    client.post("/kiosk/login", data={"who": "13800000001", "pin": PIN})
    kiosk = client.get("/kiosk/me?lang=en").get_data(as_text=True)
    assert f"/kiosk/sessions/{on_roll[0].id}/check-in" in kiosk
    client.post("/kiosk/finish")
