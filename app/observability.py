"""What production sees of the app: a request id, one JSON log line per request, and
Prometheus metrics.

- Request id: nginx's (its `$request_id`, sent as X-Request-ID) when a proxy we trust
  is in front (PROXY_HOPS > 0) and the value looks like an id; otherwise a new one.
  It goes back in the X-Request-ID header, into the log line and onto error pages,
  so the number a resident or staff member quotes finds the request.
- The log line (logger `zhaoxi.requests`): time, request id, user id, endpoint,
  method, path (never the query string, which can hold a phone number being
  searched), status, duration in ms. Never a name or a phone number. With JSON_LOGS
  (set by the production units in deploy/systemd) it, and the app's own errors, go
  to stderr as JSON lines, which systemd keeps in the journal; elsewhere nothing is
  configured and nothing is printed (tests stay quiet).
- Metrics: requests by endpoint, method and status; latency by endpoint; bookings
  created, by the status they were created with (counted at commit, from the ORM,
  so every way of booking counts and a rolled-back one does not); refusals by code
  (the `zhaoxi.refused` signal of app/actions.py). Under gunicorn, each worker writes
  its counters under PROMETHEUS_MULTIPROC_DIR and /metrics adds them up.
  Job runs and failures come from the jobs' records in the database (`JobRun`),
  read at each scrape: `flask run-jobs` is a process of a moment with nothing to
  scrape, and the records count every instance's runs (so every instance shows the
  same totals: alert on one, or take the max).
"""

from __future__ import annotations

import hmac
import ipaddress
import logging
import os
import re
import sys
import time
import uuid
from datetime import UTC

from blinker import signal
from flask import Flask, current_app, g, request, request_finished, request_started
from flask.logging import default_handler
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
    multiprocess,
)
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily
from pythonjsonlogger.json import JsonFormatter
from sqlalchemy import event, select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session as OrmSession

from app.extensions import db
from app.models import Booking, JobRun

REQUEST_ID_HEADER = "X-Request-ID"
# nginx's $request_id is 32 hex digits, a UUID 32 or 36 characters: letters, digits
# and dashes only, so an id can never break a log line or a page.
_ID_SHAPE = re.compile(r"[A-Za-z0-9-]{16,64}")
# Set in a request's WSGI environ when app/errors.py answered it with a database
# fault and will run it once more: that first try is neither logged nor counted.
RETRYING = "zhaoxi.retrying"

access_log = logging.getLogger("zhaoxi.requests")

REQUESTS = Counter(
    "zhaoxi_requests",
    "Requests answered, by endpoint, method and status.",
    ["endpoint", "method", "status"],
)
LATENCY = Histogram(
    "zhaoxi_request_duration_seconds", "Time to answer a request, by endpoint.", ["endpoint"]
)
BOOKINGS = Counter(
    "zhaoxi_bookings", "Bookings created, by the status they were created with.", ["status"]
)
REFUSALS = Counter("zhaoxi_refusals", "Actions a rule refused, by the refusal's code.", ["code"])


def init_app(app: Flask) -> None:
    if app.config.get("JSON_LOGS"):
        _log_json(app)
    request_started.connect(_started, app)
    request_finished.connect(_finished, app)


def request_id() -> str:
    """This request's id (see the module's docstring), the same all request long."""
    if "request_id" not in g:
        incoming = request.headers.get(REQUEST_ID_HEADER, "")
        trusted = current_app.config.get("PROXY_HOPS", 0) > 0
        g.request_id = incoming if trusted and _ID_SHAPE.fullmatch(incoming) else uuid.uuid4().hex
    return g.request_id


def may_read_metrics() -> bool:
    """The server itself (loopback, not through a proxy) or the holder of METRICS_TOKEN."""
    token = current_app.config.get("METRICS_TOKEN")
    given = request.headers.get("Authorization", "")
    if token and given.startswith("Bearer "):
        return hmac.compare_digest(given[len("Bearer ") :].encode(), token.encode())
    try:
        loopback = ipaddress.ip_address(request.remote_addr or "").is_loopback
    except ValueError:
        return False
    # Behind a proxy that PROXY_HOPS does not account for, every request comes from
    # loopback: a forwarded one is not the server asking.
    proxied = "X-Forwarded-For" in request.headers and not current_app.config.get("PROXY_HOPS")
    return loopback and not proxied


def metrics_page() -> tuple[bytes, str]:
    """The Prometheus text exposition and its content type."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
    else:
        registry = REGISTRY
    jobs = CollectorRegistry(auto_describe=False)
    jobs.register(_JobRecords())
    return generate_latest(registry) + generate_latest(jobs), CONTENT_TYPE_LATEST


class _JobRecords:
    """Job runs and failures, and the time of the last run, from the jobs' records."""

    def collect(self):
        try:
            records = db.session.scalars(select(JobRun).order_by(JobRun.name)).all()
        except SQLAlchemyError:
            db.session.rollback()
            return  # the database is away: /readyz says so; the other metrics still come
        runs = CounterMetricFamily(
            "zhaoxi_job_runs",
            "Periodic job runs completed, by job (all instances).",
            labels=["job"],
        )
        failures = CounterMetricFamily(
            "zhaoxi_job_failures",
            "Periodic job runs that failed, by job (all instances).",
            labels=["job"],
        )
        last = GaugeMetricFamily(
            "zhaoxi_job_last_run_timestamp_seconds",
            "When each job last completed a run (Unix time).",
            labels=["job"],
        )
        for record in records:
            runs.add_metric([record.name], record.runs)
            failures.add_metric([record.name], record.failures)
            if record.last_run_at is not None:
                last.add_metric([record.name], record.last_run_at.replace(tzinfo=UTC).timestamp())
        yield from (runs, failures, last)


def json_handler(stream=None) -> logging.Handler:
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.setFormatter(
        JsonFormatter(
            "%(levelname)s %(name)s %(message)s",
            timestamp="time",
            rename_fields={"levelname": "level", "name": "logger"},
            json_ensure_ascii=False,
        )
    )
    return handler


def _log_json(app: Flask) -> None:
    """JSON lines on stderr for zhaoxi.* and the app's logger (once per process)."""
    zhaoxi = logging.getLogger("zhaoxi")
    if not any(getattr(h, "zhaoxi_json", False) for h in zhaoxi.handlers):
        handler = json_handler()
        handler.zhaoxi_json = True
        zhaoxi.addHandler(handler)
        zhaoxi.setLevel(logging.INFO)
        zhaoxi.propagate = False
    app.logger.removeHandler(default_handler)
    if not any(getattr(h, "zhaoxi_json", False) for h in app.logger.handlers):
        app.logger.addHandler(zhaoxi.handlers[0])


def _started(_app, **_extra) -> None:
    g.request_started = time.perf_counter()


def _finished(_app, response, **_extra) -> None:
    response.headers[REQUEST_ID_HEADER] = request_id()
    if request.environ.get(RETRYING):
        return
    endpoint = request.endpoint or "none"
    started = g.get("request_started")
    seconds = time.perf_counter() - started if started is not None else 0.0
    REQUESTS.labels(endpoint, request.method, str(response.status_code)).inc()
    LATENCY.labels(endpoint).observe(seconds)
    if access_log.isEnabledFor(logging.INFO):
        user = g.get("_login_user")  # only if the request loaded it: no query here
        access_log.info(
            "request",
            extra={
                "request_id": request_id(),
                "user_id": user.id if user is not None and user.is_authenticated else None,
                "endpoint": endpoint,
                "method": request.method,
                "path": request.path,
                "status": response.status_code,
                "duration_ms": round(seconds * 1000, 1),
            },
        )


@event.listens_for(OrmSession, "after_flush")
def _note_new_bookings(session, _context) -> None:
    created = [str(obj.status) for obj in session.new if isinstance(obj, Booking)]
    if created:
        session.info.setdefault("zhaoxi_new_bookings", []).extend(created)


@event.listens_for(OrmSession, "after_commit")
def _count_new_bookings(session) -> None:
    for status in session.info.pop("zhaoxi_new_bookings", ()):
        BOOKINGS.labels(status).inc()


@event.listens_for(OrmSession, "after_rollback")
def _forget_new_bookings(session) -> None:
    session.info.pop("zhaoxi_new_bookings", None)


@signal("zhaoxi.refused").connect
def _count_refusal(refusal) -> None:
    REFUSALS.labels(getattr(refusal, "code", "refused")).inc()
