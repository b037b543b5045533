"""One kiosk visit leaves nothing for the next: a language chosen before login is
forgotten when the screen is left idle or the browser starts afresh, and every kiosk
POST answers with a redirect (or an htmx swap), so Back after 完成 never meets a
form resubmission prompt; an expired form is answered in the kiosk's layout."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from app.extensions import db
from app.models import Booking
from app.services.people import kiosk_visitor
from config import TestingConfig
from tests.security.extra_apps import extra_app

HX = {"HX-Request": "true"}


def _login(client, who, pin="123456"):
    return client.post("/kiosk/login", data={"who": who, "pin": pin})


def _is_chinese(html: str) -> bool:
    return '<html lang="zh-CN">' in html


def test_a_language_chosen_before_login_is_forgotten_when_the_screen_is_left(app, client, now):
    assert client.post("/kiosk/language", data={"lang": "en", "next": "/kiosk/"}).status_code == 303
    cookie = client.get_cookie("lang")
    assert cookie.value == "en" and cookie.expires is None  # for this browser session only
    page = client.get("/kiosk/").get_data(as_text=True)
    assert not _is_chinese(page)
    # The screen starts again sooner once a language was chosen: at the idle limit.
    limit = int(kiosk_visitor.IDLE_LIMIT.total_seconds())
    assert f'data-refresh-idle="{limit}" data-refresh-url="/kiosk/timeout"' in page
    assert f'content="{limit};url=/kiosk/timeout"' in page
    # Nobody touched it for longer than that: the next visitor gets Chinese.
    app.config["FROZEN_NOW"] = now + kiosk_visitor.IDLE_LIMIT + timedelta(seconds=1)
    assert _is_chinese(client.get("/kiosk/login").get_data(as_text=True))
    assert client.get_cookie("lang") is None
    assert _is_chinese(client.get("/kiosk/").get_data(as_text=True))


def test_an_untouched_screen_that_starts_again_forgets_the_language(client):
    client.post("/kiosk/language", data={"lang": "en", "next": "/kiosk/login"})
    again = client.get("/kiosk/timeout")
    assert again.status_code == 303 and again.headers["Location"] == "/kiosk/"
    assert client.get_cookie("lang") is None
    assert _is_chinese(client.get("/kiosk/").get_data(as_text=True))


def test_a_language_left_from_an_earlier_browser_session_is_not_used(client):
    client.set_cookie("lang", "en")  # the kiosk browser restarted: no visit on record
    assert _is_chinese(client.get("/kiosk/").get_data(as_text=True))
    assert client.get_cookie("lang") is None


def test_while_the_visitor_is_there_the_language_chosen_stays(app, client, now):
    client.post("/kiosk/language", data={"lang": "en", "next": "/kiosk/"})
    for seconds in (60, 120, 180):  # a touch every minute
        app.config["FROZEN_NOW"] = now + timedelta(seconds=seconds)
        assert not _is_chinese(client.get("/kiosk/login").get_data(as_text=True))


@pytest.mark.parametrize("how", ["done", "idle"])
def test_after_an_english_visit_the_next_visitor_starts_in_chinese(app, make, client, now, how):
    elder = make.resident()
    make.commit()
    client.post("/kiosk/language", data={"lang": "en", "next": "/kiosk/login"})
    _login(client, elder.phone)
    client.post("/kiosk/language", data={"lang": "en", "next": "/kiosk/me"})
    assert not _is_chinese(client.get("/kiosk/me").get_data(as_text=True))
    if how == "done":
        client.post("/kiosk/done")
    else:
        app.config["FROZEN_NOW"] = now + kiosk_visitor.IDLE_LIMIT + timedelta(seconds=1)
        client.get("/kiosk/me")
    start = client.get("/kiosk/").get_data(as_text=True)
    assert _is_chinese(start) and elder.person.name not in start
    assert _is_chinese(client.get("/kiosk/login").get_data(as_text=True))


# --- every kiosk POST answers with a redirect ---------------------------------------


def test_a_wrong_pin_answers_with_a_redirect_to_the_login_page_showing_why(make, client):
    elder = make.resident()
    make.commit()
    wrong = client.post("/kiosk/login?lang=en", data={"who": elder.phone, "pin": "987987"})
    assert wrong.status_code == 303 and wrong.headers["Location"] == "/kiosk/login"
    page = client.get("/kiosk/login?lang=en")
    assert page.status_code == 401
    html = page.get_data(as_text=True)
    assert "The phone number or PIN is not right" in html
    assert f'value="{elder.phone}"' in html  # the number typed is kept, never the PIN
    assert "987987" not in html
    # Shown once: a reload (or Back) shows the plain login page.
    again = client.get("/kiosk/login?lang=en")
    assert again.status_code == 200 and elder.phone not in again.get_data(as_text=True)
    # An empty form: the same, each error beside its field.
    empty = client.post("/kiosk/login?lang=en", data={})
    assert empty.status_code == 303
    page = client.get("/kiosk/login?lang=en")
    assert page.status_code == 422 and "Please enter your PIN." in page.get_data(as_text=True)


def test_every_kiosk_action_answers_with_a_redirect_or_a_swap(make, client, now):
    activity = make.activity(title="书法班", start_in=timedelta(days=2))
    today = make.activity(title="太极班", start_in=timedelta(minutes=20))
    elder = make.resident()
    make.commit()
    session_id = today.sessions[0].id
    me = {"person_id": elder.person.id}
    assert _login(client, elder.phone).status_code == 303
    posts = [
        ("/kiosk/book", {"activity_id": activity.id, "session_id": activity.sessions[0].id}),
        ("/kiosk/book", {"activity_id": activity.id, "session_id": activity.sessions[0].id}),
        (f"/kiosk/sessions/{session_id}/leave", me),
        (f"/kiosk/sessions/{session_id}/leave", {**me, "confirmed": "y"}),
        (f"/kiosk/sessions/{session_id}/back", me),
        (f"/kiosk/sessions/{session_id}/check-in", me),
        ("/kiosk/ratings/skip", {}),
        ("/kiosk/language", {"lang": "en", "next": "/kiosk/me"}),
        ("/kiosk/help", {}),
        ("/kiosk/done", {}),
    ]
    book(client, activity, today, elder)
    for path, data in posts:
        response = client.post(path, data=data)
        assert response.status_code == 303, f"POST {path} → {response.status_code}"
        assert response.headers["Location"].startswith("/kiosk/")


def book(client, activity, today, elder):
    """Books the session the kiosk's 请假 and 签到 are tried on (a plain booking)."""
    from app.services.booking.book import book as book_service
    from app.services.booking.targets import Target

    book_service(
        elder.person,
        Target.of(today, today.sessions[0]),
        by=elder,
        channel="phone",
        now=today.sessions[0].starts_at - timedelta(hours=1),
    )
    db.session.commit()


def _token(html: str) -> str:
    return re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html).group(1)


def test_an_expired_form_at_the_kiosk_keeps_the_kiosk_layout(app, database_url, make):
    """Back after 完成, then a resubmitted form: the token belonged to the visit that
    ended; the answer is the kiosk's error page, leading only back to its start."""
    elder = make.resident()
    activity = make.activity(title="书法班", start_in=timedelta(days=2))
    make.commit()
    with extra_app(
        TestingConfig,
        SQLALCHEMY_DATABASE_URI=database_url,
        FROZEN_NOW=app.config["FROZEN_NOW"],
        WTF_CSRF_ENABLED=True,
    ) as other:
        kiosk = other.test_client()
        token = _token(kiosk.get("/kiosk/login").get_data(as_text=True))
        kiosk.post("/kiosk/login", data={"who": elder.phone, "pin": "123456", "csrf_token": token})
        token = _token(kiosk.get("/kiosk/classes").get_data(as_text=True))
        assert kiosk.post("/kiosk/done", data={"csrf_token": token}).status_code == 303
        kiosk_posts = [
            rule.rule
            for rule in other.url_map.iter_rules()
            if rule.rule.startswith("/kiosk/")
            and "POST" in rule.methods
            and rule.endpoint not in ("kiosk.resolve_help_request",)
        ]
        assert len(kiosk_posts) >= 8
        for rule in kiosk_posts:
            path = re.sub(r"<int:\w+>", str(activity.sessions[0].id), rule)
            data = {"csrf_token": token, "activity_id": activity.id, "person_id": 1}
            answer = kiosk.post(f"{path}?lang=en", data=data)
            html = answer.get_data(as_text=True)
            assert answer.status_code == 400, rule
            assert 'class="kiosk"' in html and "main-nav" not in html, rule
            assert "This page had expired" in html, rule
    db.session.rollback()
    assert db.session.scalar(select(func.count(Booking.id))) == 0
