"""/healthz, /readyz and /metrics (see the package's docstring)."""

from __future__ import annotations

from flask import abort, jsonify

from app.blueprints.ops import bp
from app.blueprints.ops.readiness import readiness
from app.extensions import limiter
from app.observability import may_read_metrics, metrics_page

limiter.exempt(bp)


def _answer(body: dict, status: int):
    response = jsonify(body)
    response.status_code = status
    # A cached "ready" would hide an outage from the monitor asking.
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("/healthz")
def healthz():
    """The process answers. Asks nothing of the database, so a database outage does
    not make systemd or a monitor restart healthy instances."""
    return _answer({"status": "alive"}, 200)


@bp.get("/readyz")
def readyz():
    """200 when this instance can serve (database, migrations, Redis), else 503."""
    ready, checks = readiness()
    return _answer({"status": "ready" if ready else "not ready", **checks}, 200 if ready else 503)


@bp.get("/metrics")
def metrics():
    """Prometheus metrics, for the server itself or the holder of METRICS_TOKEN;
    anyone else finds nothing here (404), as on any missing page."""
    if not may_read_metrics():
        abort(404)
    body, content_type = metrics_page()
    return body, 200, {"Content-Type": content_type, "Cache-Control": "no-store"}
