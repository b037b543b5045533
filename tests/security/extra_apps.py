"""A second app on the test database (rate limits on, CSRF on, production config),
closed afterwards: an engine left open makes psycopg warn, an error here."""

from __future__ import annotations

from contextlib import contextmanager

from app import create_app
from app.extensions import db


@contextmanager
def extra_app(config, **overrides):
    other = create_app(config, **overrides)
    try:
        yield other
    finally:
        with other.app_context():
            db.session.remove()
            db.engine.dispose()
