"""/healthz and /readyz: JSON, no login, no cache, and no kiosk confinement."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from tests.ops_helpers import alembic_version, break_the_database


def test_healthz_says_alive_without_asking_the_database(client, monkeypatch):
    break_the_database(monkeypatch)
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.get_json() == {"status": "alive"}
    assert response.headers["Cache-Control"] == "no-store"


_BASELINE = """
from sqlalchemy import event
from app import create_app
from app.extensions import db
from config import TestingConfig
app = create_app(TestingConfig, SQLALCHEMY_DATABASE_URI="sqlite://")
statements = []
with app.app_context():
    event.listen(db.engine, "before_cursor_execute", lambda *a: statements.append(a[2]))
client = app.test_client()
print([client.get("/healthz").status_code for _ in range(3)], len(statements))
"""


def test_healthz_is_cheap_no_sql_and_no_log_line_without_json_logs():
    """bench/rush.py measures the server's floor with GET /healthz: it must not query
    the database nor write a line (JSON_LOGS unset, as the bench runs)."""
    root = Path(__file__).resolve().parents[2]
    run = subprocess.run(
        [sys.executable, "-c", _BASELINE], cwd=root, capture_output=True, text=True
    )
    assert run.returncode == 0, run.stderr
    assert run.stdout == "[200, 200, 200] 0\n"
    assert run.stderr == ""


def test_readyz_is_ready_on_a_migrated_database(client):
    response = client.get("/readyz")
    assert response.status_code == 200, response.get_json()
    assert response.get_json() == {
        "status": "ready",
        "database": "ok",
        "migrations": "at head",
        "redis": "not configured",
    }
    assert response.headers["Cache-Control"] == "no-store"


def test_readyz_is_not_ready_when_migrations_are_not_at_head(client):
    with alembic_version("0000_not_a_revision"):
        response = client.get("/readyz")
    assert response.status_code == 503
    body = response.get_json()
    assert body["status"] == "not ready" and body["migrations"] == "not at head"
    assert body["database"] == "ok"
    assert client.get("/readyz").status_code == 200  # back at head


def test_readyz_is_not_ready_when_the_database_is_away(client, monkeypatch):
    break_the_database(monkeypatch)
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.get_json()["database"] == "unreachable"
    # The driver's error text (hosts, users) stays in the log.
    assert b"refused" not in response.data


def test_readyz_checks_redis_when_configured(app, client):
    app.config["REDIS_URL"] = "redis://127.0.0.1:1/0"  # nothing listens on port 1
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.get_json()["redis"] == "unreachable"


def test_readyz_with_a_live_redis(app, client, redis_url):
    app.config["REDIS_URL"] = redis_url
    response = client.get("/readyz")
    assert response.status_code == 200 and response.get_json()["redis"] == "ok"


@pytest.mark.parametrize("url", ["/healthz", "/readyz"])
def test_a_kiosk_session_is_neither_confined_nor_ended(client, make, url):
    user = make.resident()
    make.commit()
    login = client.post("/kiosk/login", data={"who": user.phone, "pin": "123456"})
    assert login.status_code == 303
    assert client.get(url).status_code == 200  # not sent back to the kiosk start
    assert client.get("/kiosk/me").status_code == 200  # and still logged in
