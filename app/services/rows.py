"""Writing rows that a unique constraint guards against a second, concurrent copy."""

from __future__ import annotations

from sqlalchemy.exc import IntegrityError

from app.extensions import db


def add_if_new(row) -> bool:
    """Adds `row` inside a savepoint. False, with nothing added and the outer
    transaction intact, when a unique constraint finds the row exists already
    (often written a moment ago by a concurrent request)."""
    try:
        with db.session.begin_nested():
            db.session.add(row)
    except IntegrityError:
        return False
    return True
