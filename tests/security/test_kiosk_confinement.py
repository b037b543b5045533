"""The kiosk is a shared screen: a login begun there reaches only kiosk pages, ends
when idle on every request, keeps to the kiosk layout when something goes wrong,
gives staff no desk rights, and leaves nothing (language included) for the next
visitor."""

from __future__ import annotations

import re
from contextlib import contextmanager
from datetime import timedelta

import pytest
from flask import abort, template_rendered
from sqlalchemy import func, select

from app.extensions import db
from app.models import Booking, PickupPerson, Role, User
from tests.programme_helpers import family
from tests.security.extra_apps import extra_app

IDLE_ZH = "因为一段时间没有操作，已为您自动退出。"


def _kiosk_login(client, user, pin="123456"):
    response = client.post("/kiosk/login", data={"who": user.phone, "pin": pin})
    assert response.status_code == 303, "the kiosk login itself failed"
    return response


@contextmanager
def _templates(app):
    rendered = []

    def record(_sender, template, context, **_extra):
        rendered.append(template.name)

    template_rendered.connect(record, app)
    try:
        yield rendered
    finally:
        template_rendered.disconnect(record, app)


def _pickup_count() -> int:
    return db.session.scalar(select(func.count(PickupPerson.id)))


def _assert_logged_out_of_kiosk(client):
    response = client.get("/kiosk/me")
    assert response.status_code == 302 and response.headers["Location"].endswith("/kiosk/login")


@pytest.fixture
def guardian_and_child(make):
    guardian, (kid,) = family(make, children=1)
    make.commit()
    return guardian, kid


PLACES_OUTSIDE_THE_KIOSK = [
    "/me/",
    "/me/bookings",
    "/me/bookings/earlier",
    "/me/data",
    "/me/data/download",
    "/programmes/children/{kid}/pickup",
    "/programmes/",
    "/staff/",
    "/classes",
    "/",
    "/kiosk/help-requests",  # the front desk's screen, though under /kiosk
]


@pytest.mark.parametrize("idle", [False, True], ids=["fresh", "idle"])
@pytest.mark.parametrize("url", PLACES_OUTSIDE_THE_KIOSK)
def test_a_kiosk_login_that_leaves_the_kiosk_pages_is_ended(
    app, client, now, guardian_and_child, url, idle
):
    """After an elder walks away, nobody can open the family's pages (the child's
    pickup list above all) from the kiosk: the login ends, the screen returns to the
    kiosk start, and the page is never rendered."""
    guardian, kid = guardian_and_child
    _kiosk_login(client, guardian)
    if idle:
        app.config["FROZEN_NOW"] = now + timedelta(minutes=5)
    with _templates(app) as rendered:
        response = client.get(url.format(kid=kid.id))
    assert response.status_code == 303
    assert response.headers["Location"].endswith("/kiosk/")
    assert rendered == []
    start = client.get("/kiosk/").get_data(as_text=True)
    assert guardian.person.name not in start
    if idle:
        assert IDLE_ZH in start
    _assert_logged_out_of_kiosk(client)
    # And the family's page stays closed afterwards.
    again = client.get(f"/programmes/children/{kid.id}/pickup")
    assert again.status_code == 302 and "/login" in again.headers["Location"]


def test_a_kiosk_login_cannot_add_a_pickup_person(client, guardian_and_child):
    guardian, kid = guardian_and_child
    _kiosk_login(client, guardian)
    before = _pickup_count()
    response = client.post(
        f"/programmes/children/{kid.id}/pickup",
        data={"name": "陌生人", "phone": "13900000000", "relation": "朋友"},
    )
    assert response.status_code == 303 and response.headers["Location"].endswith("/kiosk/")
    assert _pickup_count() == before
    _assert_logged_out_of_kiosk(client)


def test_the_idle_limit_is_checked_by_the_server_on_every_kiosk_request(app, client, now, make):
    """A keep-alive or a kiosk page counts as a touch; idle beyond the limit ends
    the login whatever is asked for next."""
    elder = make.resident()
    make.commit()
    _kiosk_login(client, elder)
    for seconds in (100, 200, 300):  # each within 110 s of the previous touch
        app.config["FROZEN_NOW"] = now + timedelta(seconds=seconds)
        assert client.get("/kiosk/keep-alive").status_code == 204
    app.config["FROZEN_NOW"] = now + timedelta(seconds=300 + 111)
    response = client.get("/kiosk/classes")
    assert response.status_code == 303 and response.headers["Location"].endswith("/kiosk/")
    _assert_logged_out_of_kiosk(client)


def test_an_idle_htmx_request_at_the_kiosk_reloads_the_whole_start_screen(app, client, now, make):
    elder = make.resident()
    make.commit()
    _kiosk_login(client, elder)
    app.config["FROZEN_NOW"] = now + timedelta(minutes=3)
    response = client.post("/kiosk/help", headers={"HX-Request": "true"})
    assert response.headers.get("HX-Redirect") == "/kiosk/"
    _assert_logged_out_of_kiosk(client)


def test_the_browser_asking_for_a_favicon_does_not_end_a_kiosk_login(client, make):
    elder = make.resident()
    make.commit()
    _kiosk_login(client, elder)
    assert client.get("/favicon.ico").status_code == 404
    assert client.get("/kiosk/me").status_code == 200


# --- error pages ---------------------------------------------------------------


def _assert_kiosk_layout(html: str):
    assert 'class="kiosk"' in html
    assert "main-nav" not in html
    links = re.findall(r'href="([^"]*)"', html)
    assert "/kiosk/" in links
    outside = [link for link in links if not link.startswith(("/kiosk/", "/static/", "#"))]
    assert outside == [], f"links leading out of the kiosk: {outside}"
    assert "action=" not in html  # no form to anywhere


@pytest.fixture
def app_with_failing_kiosk_pages(app):
    """Test-only kiosk pages that fail with a given status, or raise."""

    def fail(code: int):
        if code == 500:
            raise RuntimeError("a bug in a view")
        abort(code)

    app.add_url_rule("/kiosk/test-fail/<int:code>", "kiosk.test_fail", fail)
    return app


@pytest.mark.parametrize("logged_in", [True, False], ids=["kiosk-login", "start-screen"])
@pytest.mark.parametrize("code", [400, 403, 404, 405, 422, 429, 500, 503])
def test_every_error_page_at_the_kiosk_keeps_the_kiosk_layout(
    app_with_failing_kiosk_pages, client, make, code, logged_in
):
    elder = make.resident()
    make.commit()
    if logged_in:
        _kiosk_login(client, elder)
    response = client.get(f"/kiosk/test-fail/{code}")
    assert response.status_code == code
    _assert_kiosk_layout(response.get_data(as_text=True))
    if logged_in:
        assert client.get("/kiosk/me").status_code == 200  # an error does not log out


def test_real_kiosk_errors_keep_the_kiosk_layout(client, make):
    elder = make.resident()
    other = make.resident()
    make.commit()
    _kiosk_login(client, elder)
    missing = client.get("/kiosk/no-such-page")
    assert missing.status_code == 404
    _assert_kiosk_layout(missing.get_data(as_text=True))
    wrong_method = client.get("/kiosk/done")
    assert wrong_method.status_code == 405
    _assert_kiosk_layout(wrong_method.get_data(as_text=True))
    bad_form = client.post("/kiosk/book", data={})
    assert bad_form.status_code == 422
    _assert_kiosk_layout(bad_form.get_data(as_text=True))
    not_theirs = client.post("/kiosk/sessions/1/check-in", data={"person_id": other.person.id})
    assert not_theirs.status_code in (403, 404)
    _assert_kiosk_layout(not_theirs.get_data(as_text=True))
    assert other.person.name not in not_theirs.get_data(as_text=True)


def test_too_many_calls_for_staff_answer_429_in_the_kiosk_layout(app, database_url, make):
    from app.models import HelpRequest
    from config import TestingConfig

    elder = make.resident()
    make.commit()
    with extra_app(
        TestingConfig,
        SQLALCHEMY_DATABASE_URI=database_url,
        FROZEN_NOW=app.config["FROZEN_NOW"],
        RATELIMIT_ENABLED=True,
        RATELIMIT_STORAGE_URI="memory://",
        WTF_CSRF_ENABLED=False,
    ) as limited:
        client = limited.test_client()
        _kiosk_login(client, elder)
        codes = [client.post("/kiosk/help").status_code for _ in range(7)]
        assert codes[-1] == 429
        _assert_kiosk_layout(client.post("/kiosk/help").get_data(as_text=True))
    db.session.rollback()  # a fresh snapshot of what the other app wrote
    assert db.session.scalar(select(func.count(HelpRequest.id))) == 1


# --- staff at the kiosk --------------------------------------------------------


def test_staff_at_the_kiosk_book_no_more_than_a_resident(client, make, now):
    """After the booking window closed the desk may still book; a staff account at
    the kiosk may not, and it cannot open the desk from there."""
    staff = make.user(role=Role.STAFF, age=40)
    closed = make.activity(title="已截止", closes_at=now - timedelta(hours=1))
    make.commit()
    _kiosk_login(client, staff, pin="teach-and-learn")
    response = client.post(
        "/kiosk/book",
        data={"activity_id": closed.id, "session_id": closed.sessions[0].id},
    )
    # Refused, told on the list after a redirect (no resubmission on Back).
    assert response.status_code == 303 and response.headers["Location"] == "/kiosk/classes"
    assert db.session.scalar(select(func.count(Booking.id))) == 0
    desk = client.get("/staff/")
    assert desk.status_code == 303 and desk.headers["Location"].endswith("/kiosk/")
    _assert_logged_out_of_kiosk(client)


def test_a_teacher_at_the_kiosk_is_confined_too(client, make):
    teacher = make.user(role=Role.TEACHER, age=40)
    make.commit()
    _kiosk_login(client, teacher, pin="teach-and-learn")
    response = client.get("/teach/")
    assert response.status_code == 303 and response.headers["Location"].endswith("/kiosk/")
    _assert_logged_out_of_kiosk(client)


def test_the_kiosk_never_offers_to_stay_logged_in(client, make):
    elder = make.resident()
    make.commit()
    page = client.get("/kiosk/login").get_data(as_text=True)
    assert 'name="remember"' not in page
    client.post("/kiosk/login", data={"who": elder.phone, "pin": "123456", "remember": "y"})
    assert client.get_cookie("remember_token") is None


# --- the next visitor ----------------------------------------------------------


def test_the_kiosk_switches_language_without_leaving_the_kiosk(client, make):
    elder = make.resident()
    make.commit()
    _kiosk_login(client, elder)
    page = client.get("/kiosk/me").get_data(as_text=True)
    assert 'action="/kiosk/language"' in page and 'action="/language"' not in page
    switched = client.post("/kiosk/language", data={"lang": "en", "next": "/kiosk/me"})
    assert switched.status_code == 303 and switched.headers["Location"] == "/kiosk/me"
    assert client.get_cookie("lang").value == "en"
    # Still logged in at the kiosk, now in English, saved for the next login.
    assert "Your classes today" in client.get("/kiosk/me").get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(User, elder.id).locale == "en"
    # Back only to a kiosk page: anywhere else would end the kiosk login.
    away = client.post("/kiosk/language", data={"lang": "zh_CN", "next": "/me/bookings"})
    assert away.headers["Location"] == "/kiosk/"
    client.post("/kiosk/done")
    assert client.get_cookie("lang") is None


@pytest.mark.parametrize("how", ["done", "idle", "timeout"])
def test_the_next_kiosk_visitor_starts_in_chinese(app, client, make, now, how):
    elder = make.resident()
    make.commit()
    client.get("/kiosk/?lang=en")
    _kiosk_login(client, elder)
    assert client.get_cookie("lang").value == "en"
    if how == "done":
        client.post("/kiosk/done")
    elif how == "timeout":
        client.get("/kiosk/timeout")
    else:
        app.config["FROZEN_NOW"] = now + timedelta(minutes=3)
        client.get("/kiosk/me")
    assert client.get_cookie("lang") is None
    start = client.get("/kiosk/").get_data(as_text=True)
    assert '<html lang="zh-CN">' in start and "Call staff" not in start
    # The goodbye is in the next visitor's language too.
    assert ("谢谢，下次见！" if how == "done" else IDLE_ZH) in start
