"""For machines, not people: /healthz and /readyz for nginx and monitors, /metrics
for Prometheus (docs/DEPLOY.md, "Monitoring"). No login, no cache, no rate limit,
and no session rules: a kiosk session asking for them is neither confined nor ended
(app/__init__.py skips sessions.enforce for this blueprint).

`routes.py` holds the views and imports `bp` from here; the application factory
imports `routes` to register them (app/__init__.py, register_blueprints)."""

from flask import Blueprint

bp = Blueprint("ops", __name__)
