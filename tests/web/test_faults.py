"""When the database goes away: a read is tried once more on a fresh connection,
anything else is answered 503 with Retry-After in the right layout; never a 500."""

from __future__ import annotations

import contextvars
import time

import psycopg
import pytest
from sqlalchemy import make_url

from config import TestingConfig
from tests.ops_helpers import break_the_database, database_away_at
from tests.security.extra_apps import extra_app

AWAY = "抱歉，系统暂时繁忙，请过几秒钟再试。"


def _assert_away(response, *, fragment: bool = False):
    page = response.get_data(as_text=True)
    assert response.status_code == 503, page[:300]
    assert response.headers["Retry-After"] == "5"
    assert AWAY in page and "Traceback" not in page
    assert response.headers["X-Request-ID"] in page
    assert ("<html" in page) is not fragment
    return page


def test_a_page_is_503_with_retry_after_when_the_database_is_away(client, monkeypatch):
    failed = break_the_database(monkeypatch)
    page = _assert_away(client.get("/classes"))
    assert 'class="site-header"' in page  # the site's own layout
    assert failed == [2]  # the read was tried once more, on a new connection


def test_htmx_gets_the_fragment_with_retry_after(client, monkeypatch):
    break_the_database(monkeypatch)
    _assert_away(client.get("/classes", headers={"HX-Request": "true"}), fragment=True)


def test_a_read_that_meets_a_dropped_connection_succeeds_on_a_fresh_one(client, monkeypatch):
    failed = break_the_database(monkeypatch, failures=1)
    response = client.get("/classes")
    assert response.status_code == 200
    assert failed == [1]


def test_a_post_is_never_run_twice(client, auth, make, monkeypatch):
    user = make.resident()
    activity = make.activity()
    make.commit()
    auth.login(user)
    form = {"person_id": user.person.id, "session_id": activity.sessions[0].id}
    failed = break_the_database(monkeypatch, failures=1)
    _assert_away(client.post("/me/bookings", data=form))
    assert failed == [1]  # answered 503 after one try, though a second would have worked


def test_the_kiosk_keeps_its_layout(client, make, monkeypatch):
    user = make.resident()
    make.commit()
    login = client.post("/kiosk/login", data={"who": user.phone, "pin": "123456"})
    assert login.status_code == 303
    break_the_database(monkeypatch)
    page = _assert_away(client.get("/kiosk/me"))
    assert "kiosk-header" in page


def test_a_logged_in_page_needs_no_query_to_say_so(client, auth, make):
    """The user was loaded, then the database went away: the page still shows the
    user's menu, without asking the database (for unread messages, say) again."""
    user = make.resident()
    make.commit()
    auth.login(user)

    # Only the user's loading (which reads secret_hash) gets through.
    with database_away_at(lambda sql: sql.startswith("SELECT") and "secret_hash" not in sql):
        page = _assert_away(client.get("/me/bookings"))
    assert "/logout" in page  # the logged-in menu


@pytest.mark.parametrize("headers", [{}, {"HX-Request": "true"}])
def test_a_write_that_fails_midway_is_503_not_500(client, auth, make, headers):
    """PostgreSQL restarting in the middle of a booking (`make prod-smoke
    FAULT=pg-restart` met it): the failed INSERT rolls the session back, which
    expires the user loaded for the request; the 503 page must not reload it."""
    user = make.resident()
    activity = make.activity()
    make.commit()
    auth.login(user)
    form = {
        "person_id": user.person.id,
        "activity_id": activity.id,
        "session_id": activity.sessions[0].id,
    }

    with database_away_at(lambda sql: sql.startswith("INSERT INTO booking")):
        answer = client.post("/me/bookings", data=form, headers=headers)
    _assert_away(answer, fragment=bool(headers))


def _terminate(database_url: str, application_name: str) -> int:
    url = make_url(database_url).set(drivername="postgresql")
    with psycopg.connect(url.render_as_string(hide_password=False), autocommit=True) as conn:
        ended = conn.execute(
            "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity"
            " WHERE application_name = %s",
            (application_name,),
        ).fetchone()[0]
        for _ in range(100):  # until the backends are gone
            left = conn.execute(
                "SELECT count(*) FROM pg_stat_activity WHERE application_name = %s",
                (application_name,),
            ).fetchone()[0]
            if not left:
                break
            time.sleep(0.02)
    return ended


def test_postgresql_terminating_the_connection_between_requests(database_url, caplog):
    if not database_url.startswith("postgresql"):
        pytest.skip("needs PostgreSQL (.ci/pg-suite runs it)")
    name = "zhaoxi-fault-test"
    with extra_app(
        TestingConfig,
        SQLALCHEMY_DATABASE_URI=database_url,
        SQLALCHEMY_ENGINE_OPTIONS={"connect_args": {"application_name": name}},
        DB_PING_AFTER_IDLE=3600,  # no ping before use: the request meets the dead connection
        WTF_CSRF_ENABLED=False,
    ) as other:
        client = other.test_client()

        def request(method, url, **kwargs):
            return contextvars.Context().run(client.open, url, method=method, **kwargs)

        assert request("GET", "/classes").status_code == 200
        assert _terminate(database_url, name) >= 1
        # The page answers: on the dead connection, run again on a fresh one (the log
        # then says "running the read again"), or on a connection the pool already
        # replaced. Which of the two happens is the driver's and the pool's timing, so
        # only the answer is asserted here; the retry itself is proven above
        # (test_a_read_that_meets_a_dropped_connection_succeeds_on_a_fresh_one).
        assert request("GET", "/classes").status_code == 200

        # A POST on a terminated connection: 503, not 500; pressing again works.
        login = {"phone": "13900000000", "secret": "000000"}
        assert request("GET", "/login").status_code == 200
        assert _terminate(database_url, name) >= 1
        first = request("POST", "/login", data=login)
        assert first.status_code == 503 and first.headers["Retry-After"] == "5"
        assert request("POST", "/login", data=login).status_code < 500
