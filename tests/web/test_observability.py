"""The request id, the JSON request log and the Prometheus metrics."""

from __future__ import annotations

import io
import json
import logging
import os
import subprocess
import sys
from pathlib import Path

import pytest
from prometheus_client import REGISTRY

from app.actions import attempt
from app.extensions import db
from app.models import Channel
from app.observability import access_log, json_handler
from app.services.refusals import Full

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def log_lines():
    """What the request log writes, as production's JSON handler formats it."""
    stream = io.StringIO()
    handler = json_handler(stream)
    # Alembic's logging set-up (test_migrations runs env.py) disables loggers that
    # existed before it: production never runs it inside the app's process.
    access_log.disabled = False
    level = access_log.level
    access_log.addHandler(handler)
    access_log.setLevel(logging.INFO)
    try:
        yield lambda: [json.loads(line) for line in stream.getvalue().splitlines()]
    finally:
        access_log.removeHandler(handler)
        access_log.setLevel(level)


def test_one_json_line_per_request_without_names_or_phones(client, auth, make, log_lines):
    user = make.resident()
    make.commit()
    auth.login(user)
    response = client.get(f"/classes?q={user.phone}")
    lines = [line for line in log_lines() if line["path"] == "/classes"]
    assert len(lines) == 1
    line = lines[0]
    assert line["request_id"] == response.headers["X-Request-ID"]
    assert line["user_id"] == user.id
    assert line["endpoint"] == "public.list_activities" and line["method"] == "GET"
    assert line["status"] == 200 and line["duration_ms"] >= 0
    assert line["time"] and line["message"] == "request"
    text = json.dumps(log_lines(), ensure_ascii=False)
    assert user.phone not in text and user.person.name not in text


def test_anonymous_requests_log_no_user(client, log_lines):
    client.get("/nowhere")
    (line,) = log_lines()
    assert line["user_id"] is None and line["status"] == 404 and line["endpoint"] == "none"


def test_every_response_has_a_request_id(client):
    first = client.get("/healthz").headers["X-Request-ID"]
    second = client.get("/healthz").headers["X-Request-ID"]
    assert len(first) == 32 and first != second


@pytest.mark.parametrize(
    ("hops", "incoming", "kept"),
    [
        (1, "0123456789abcdef0123456789abcdef", True),  # nginx's $request_id
        (1, "short", False),
        (1, "0123456789abcdef 0123456789abcdef", False),
        (1, '0123456789abcdef"}{"user_id": 1', False),
        (1, "<script>0123456789abcdef</script>", False),
        (0, "0123456789abcdef0123456789abcdef", False),  # no proxy to trust
    ],
)
def test_an_incoming_request_id_is_kept_only_from_a_trusted_proxy(
    app, client, hops, incoming, kept
):
    app.config["PROXY_HOPS"] = hops
    answered = client.get("/healthz", headers={"X-Request-ID": incoming}).headers["X-Request-ID"]
    assert (answered == incoming) is kept
    assert len(answered) >= 16


@pytest.mark.parametrize("headers", [{}, {"HX-Request": "true"}])
def test_the_request_id_is_on_the_404_page(client, headers):
    response = client.get("/nowhere", headers=headers)
    assert response.status_code == 404
    assert response.headers["X-Request-ID"] in response.get_data(as_text=True)


def test_the_request_id_is_on_the_kiosk_404_page(client):
    response = client.get("/kiosk/nowhere")
    page = response.get_data(as_text=True)
    assert response.status_code == 404 and "kiosk" in page
    assert response.headers["X-Request-ID"] in page


def test_metrics_answer_the_server_itself(client):
    client.get("/healthz")
    response = client.get("/metrics")
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("text/plain")
    body = response.get_data(as_text=True)
    assert 'zhaoxi_requests_total{endpoint="ops.healthz",method="GET",status="200"}' in body
    assert "zhaoxi_request_duration_seconds_bucket" in body


REMOTE = {"REMOTE_ADDR": "203.0.113.9"}


def test_metrics_refuse_another_client_without_the_token(app, client):
    assert client.get("/metrics", environ_base=REMOTE).status_code == 404
    app.config["METRICS_TOKEN"] = "s3cret-token"
    wrong = {"Authorization": "Bearer not-the-token"}
    assert client.get("/metrics", environ_base=REMOTE, headers=wrong).status_code == 404
    right = {"Authorization": "Bearer s3cret-token"}
    assert client.get("/metrics", environ_base=REMOTE, headers=right).status_code == 200


def test_metrics_refuse_a_request_forwarded_by_an_unaccounted_proxy(app, client):
    # PROXY_HOPS=0 behind nginx: every request seems to come from loopback.
    app.config["PROXY_HOPS"] = 0
    response = client.get("/metrics", headers={"X-Forwarded-For": "203.0.113.9"})
    assert response.status_code == 404


def _sample(name, **labels) -> float:
    return REGISTRY.get_sample_value(name, labels) or 0.0


def test_bookings_are_counted_when_committed(app, make, now):
    from app.services.booking.book import book
    from app.services.booking.targets import Target

    activity = make.activity(capacity=1)
    first, second, third = make.resident(), make.resident(), make.resident()
    make.commit()
    before = {s: _sample("zhaoxi_bookings_total", status=s) for s in ("confirmed", "waitlisted")}
    target = Target.of(activity, activity.sessions[0])
    for user in (first, second):
        book(user.person, target, by=user, channel=Channel.PHONE, now=now)
        db.session.commit()
    book(third.person, target, by=third, channel=Channel.PHONE, now=now)
    db.session.rollback()  # never happened: not counted
    assert _sample("zhaoxi_bookings_total", status="confirmed") == before["confirmed"] + 1
    assert _sample("zhaoxi_bookings_total", status="waitlisted") == before["waitlisted"] + 1


def test_a_holiday_submissions_bookings_are_counted_when_committed(app, make, now):
    """A family's days are written in one INSERT, not flushed one by one: counted
    all the same, once committed."""
    from app.services.childcare.submissions import book_days
    from tests.programme_helpers import family, holiday, sessions

    programme = holiday(make, capacity=1, days=2)
    first, (kid,) = family(make, children=1)
    second, (other,) = family(make, children=1)
    make.commit()
    before = {s: _sample("zhaoxi_bookings_total", status=s) for s in ("confirmed", "waitlisted")}
    days = sessions(programme)
    book_days(programme, [(kid, d) for d in days], by=first, channel=Channel.PHONE, now=now)
    db.session.commit()
    book_days(programme, [(other, d) for d in days], by=second, channel=Channel.PHONE, now=now)
    db.session.rollback()  # never happened: not counted
    assert _sample("zhaoxi_bookings_total", status="confirmed") == before["confirmed"] + 2
    assert _sample("zhaoxi_bookings_total", status="waitlisted") == before["waitlisted"]


def test_refusals_are_counted_by_code(app):
    before = _sample("zhaoxi_refusals_total", code="full")

    def refuse():
        raise Full()

    with app.test_request_context("/"):
        outcome = attempt(refuse)
    assert not outcome.ok
    assert _sample("zhaoxi_refusals_total", code="full") == before + 1


_SERVE = """
from app import create_app
from config import TestingConfig
app = create_app(TestingConfig, SQLALCHEMY_DATABASE_URI="sqlite://")
client = app.test_client()
for _ in range(3):
    client.get("/healthz")
print(client.get("/metrics").get_data(as_text=True))
"""


def test_metrics_add_up_the_workers_in_multiprocess_mode(tmp_path):
    """Two processes (as two gunicorn workers) share PROMETHEUS_MULTIPROC_DIR: the
    second one's /metrics counts the first one's requests too."""
    env = {**os.environ, "PROMETHEUS_MULTIPROC_DIR": str(tmp_path)}
    outputs = [
        subprocess.run(
            [sys.executable, "-c", _SERVE], cwd=ROOT, env=env, capture_output=True, text=True
        )
        for _ in range(2)
    ]
    assert all(out.returncode == 0 for out in outputs), outputs[-1].stderr
    line = 'zhaoxi_requests_total{endpoint="ops.healthz",method="GET",status="200"}'
    counts = [
        float(row.split()[-1]) for row in outputs[1].stdout.splitlines() if row.startswith(line)
    ]
    assert counts == [6.0]
