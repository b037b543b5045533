"""Sessions end on the server: logout, a PIN reset, a role change and the desk's
"log out everywhere" end every session of the user (a saved cookie included);
teachers' and staff sessions are short; residents stay logged in only when they
ask to."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from app.extensions import db
from app.models import AuditEntry, Role
from app.services.people import residents
from config import ProductionConfig
from tests.conftest import PASSWORD, PIN
from tests.programme_helpers import family
from tests.security.extra_apps import extra_app


def _login(client, user, secret=None, **extra):
    secret = secret or (PIN if user.role == Role.RESIDENT else PASSWORD)
    response = client.post("/login", data={"phone": user.phone, "secret": secret, **extra})
    assert response.status_code == 302, "the login itself failed"
    return response


def _is_logged_out(response) -> bool:
    return response.status_code == 302 and "/login" in response.headers["Location"]


def _audit_count() -> int:
    return db.session.scalar(select(func.count(AuditEntry.id)))


def test_a_cookie_saved_before_logout_opens_nothing_afterwards(client, make):
    guardian, (kid,) = family(make, children=1)
    make.commit()
    _login(client, guardian)
    pickup = f"/programmes/children/{kid.id}/pickup"
    assert client.get(pickup).status_code == 200
    saved = client.get_cookie("session").value
    client.post("/logout")
    client.set_cookie("session", saved)
    assert _is_logged_out(client.get(pickup))


def test_a_pin_reset_at_the_desk_ends_the_residents_sessions(app, make):
    resident = make.resident()
    staff = make.user(role=Role.STAFF, age=40)
    make.commit()
    phone, desk = app.test_client(), app.test_client()
    _login(phone, resident)
    assert phone.get("/me/").status_code == 200
    _login(desk, staff)
    response = desk.post(f"/staff/people/{resident.person.id}/pin", data={"pin": "654321"})
    assert response.status_code == 303
    assert _is_logged_out(phone.get("/me/"))
    # The new PIN works, so the resident is not locked out.
    _login(phone, resident, secret="654321")
    assert phone.get("/me/").status_code == 200


def test_log_out_everywhere_ends_every_session_and_is_audited(app, make):
    resident = make.resident()
    staff = make.user(role=Role.STAFF, age=40)
    make.commit()
    phone, tablet, desk = app.test_client(), app.test_client(), app.test_client()
    _login(phone, resident, remember="y")
    _login(tablet, resident)
    _login(desk, staff)
    page = desk.get(f"/staff/people/{resident.person.id}").get_data(as_text=True)
    assert f"/staff/people/{resident.person.id}/sessions/end" in page
    before = _audit_count()
    response = desk.post(f"/staff/people/{resident.person.id}/sessions/end")
    assert response.status_code == 303
    assert _is_logged_out(tablet.get("/me/"))
    assert _is_logged_out(phone.get("/me/"))
    # The 30-day cookie is dead too, not only the browser session.
    phone.delete_cookie("session")
    assert _is_logged_out(phone.get("/me/"))
    assert _audit_count() == before + 1
    entry = db.session.scalar(select(AuditEntry).order_by(AuditEntry.id.desc()))
    assert entry.action == "user.log_out_everywhere"
    assert (entry.actor_id, entry.subject_id) == (staff.id, resident.id)
    assert desk.get("/staff/").status_code == 200  # the desk itself stays logged in


def test_log_out_everywhere_is_for_staff_only_and_needs_an_account(app, make, client):
    resident = make.resident()
    no_account = make.person()
    staff = make.user(role=Role.STAFF, age=40)
    make.commit()
    before = _audit_count()
    _login(client, resident)
    assert client.post(f"/staff/people/{resident.person.id}/sessions/end").status_code == 403
    desk = app.test_client()
    _login(desk, staff)
    assert desk.post(f"/staff/people/{no_account.id}/sessions/end").status_code == 404
    assert client.get("/me/").status_code == 200
    assert _audit_count() == before


def test_log_out_everywhere_needs_the_csrf_token(app, database_url, make):
    from config import TestingConfig

    resident = make.resident()
    staff = make.user(role=Role.STAFF, age=40)
    make.commit()
    before = _audit_count()
    with extra_app(
        TestingConfig, SQLALCHEMY_DATABASE_URI=database_url, FROZEN_NOW=make.now
    ) as guarded:
        desk = guarded.test_client()
        page = desk.get("/login").get_data(as_text=True)
        token = page.split('name="csrf_token" type="hidden" value="')[1].split('"')[0]
        desk.post("/login", data={"phone": staff.phone, "secret": PASSWORD, "csrf_token": token})
        assert desk.get("/staff/").status_code == 200
        assert desk.post(f"/staff/people/{resident.person.id}/sessions/end").status_code == 400
    db.session.rollback()
    assert _audit_count() == before


def test_a_role_change_ends_the_accounts_sessions(app, make, client, now):
    teacher = make.user(role=Role.TEACHER, age=40)
    staff = make.user(role=Role.STAFF, age=40)
    make.commit()
    _login(client, teacher)
    assert client.get("/teach/").status_code == 200
    before = _audit_count()
    residents.set_role(
        teacher,
        Role.RESIDENT,
        by=staff,
        now=now,
        secret=PIN,
        hash_method=app.config["PASSWORD_HASH_METHOD"],
    )
    db.session.commit()
    assert _is_logged_out(client.get("/teach/"))
    assert _audit_count() == before + 1


def test_a_cookie_from_before_session_versions_is_not_a_login(client, make):
    resident = make.resident()
    make.commit()
    with client.session_transaction() as session:
        session["_user_id"] = str(resident.id)  # what cookies held before
    assert _is_logged_out(client.get("/me/"))


# --- lifetimes -----------------------------------------------------------------


@pytest.mark.parametrize("role", [Role.STAFF, Role.TEACHER])
def test_staff_and_teacher_sessions_end_after_30_idle_minutes(app, client, make, now, role):
    user = make.user(role=role, age=40)
    make.commit()
    _login(client, user)
    app.config["FROZEN_NOW"] = now + timedelta(minutes=29)
    assert client.get("/teach/").status_code == 200
    app.config["FROZEN_NOW"] = now + timedelta(minutes=29 + 31)
    assert _is_logged_out(client.get("/teach/"))
    assert _is_logged_out(client.get("/teach/"))  # and it stays ended


def test_a_staff_session_ends_12_hours_after_login_however_busy(app, client, make, now):
    staff = make.user(role=Role.STAFF, age=40)
    make.commit()
    _login(client, staff)
    step = timedelta(minutes=25)
    moment = now
    while moment + step <= now + timedelta(hours=12):
        moment += step
        app.config["FROZEN_NOW"] = moment
        assert client.get("/staff/").status_code == 200, moment - now
    app.config["FROZEN_NOW"] = now + timedelta(hours=12, minutes=1)
    assert _is_logged_out(client.get("/staff/"))


def test_staff_activity_is_written_back_at_most_once_a_minute(app, client, make, now):
    """The session cookie is not rewritten on every request."""
    staff = make.user(role=Role.STAFF, age=40)
    make.commit()
    _login(client, staff)
    client.get("/staff/")  # shows (and so removes) the welcome message
    app.config["FROZEN_NOW"] = now + timedelta(seconds=30)
    quiet = client.get("/staff/")
    assert quiet.status_code == 200
    assert not any(h.startswith("session=") for h in quiet.headers.getlist("Set-Cookie"))
    app.config["FROZEN_NOW"] = now + timedelta(minutes=2)
    later = client.get("/staff/")
    assert any(h.startswith("session=") for h in later.headers.getlist("Set-Cookie"))


def test_lifetimes_are_settings(app, client, make, now):
    app.config["STAFF_IDLE_MINUTES"] = 5
    staff = make.user(role=Role.STAFF, age=40)
    make.commit()
    _login(client, staff)
    app.config["FROZEN_NOW"] = now + timedelta(minutes=6)
    assert _is_logged_out(client.get("/staff/"))


def test_residents_are_not_logged_out_for_being_idle(app, client, make, now):
    resident = make.resident()
    make.commit()
    _login(client, resident)
    app.config["FROZEN_NOW"] = now + timedelta(days=2)
    assert client.get("/me/").status_code == 200


def test_a_resident_who_ticks_stay_logged_in_gets_a_30_day_cookie(client, make):
    resident = make.resident()
    make.commit()
    assert 'name="remember"' in client.get("/login").get_data(as_text=True)
    _login(client, resident, remember="y")
    cookie = client.get_cookie("remember_token")
    assert cookie is not None and cookie.http_only and cookie.same_site == "Lax"
    days = (cookie.expires - datetime.now(UTC)).total_seconds() / 86400
    assert 29.9 < days <= 30
    # Closing the browser drops the session cookie; the remember cookie logs in again.
    client.delete_cookie("session")
    assert client.get("/me/").status_code == 200
    # Logging out takes the cookie away too.
    client.post("/logout")
    assert client.get_cookie("remember_token") is None


def test_without_the_tick_the_login_lasts_the_browser_session(client, make):
    resident = make.resident()
    make.commit()
    _login(client, resident)
    assert client.get_cookie("remember_token") is None
    assert client.get_cookie("session").expires is None  # a browser-session cookie
    client.delete_cookie("session")
    assert _is_logged_out(client.get("/me/"))


def test_staff_cannot_stay_logged_in(client, make):
    staff = make.user(role=Role.STAFF, age=40)
    make.commit()
    _login(client, staff, remember="y")
    assert client.get_cookie("remember_token") is None


def test_production_cookies_are_secure():
    assert ProductionConfig.SESSION_COOKIE_SECURE and ProductionConfig.REMEMBER_COOKIE_SECURE
    assert ProductionConfig.REMEMBER_COOKIE_HTTPONLY
    assert timedelta(days=30) == ProductionConfig.REMEMBER_COOKIE_DURATION
