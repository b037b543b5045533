"""Fixtures for the trust tests."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from app.extensions import db


def db_snapshot() -> dict[str, int]:
    """{table: row count} for every table of the schema: equal before and after a
    refused request proves the refusal wrote nothing."""
    db.session.expire_all()
    return {
        table.name: db.session.scalar(select(func.count()).select_from(table))
        for table in db.metadata.sorted_tables
    }


@pytest.fixture
def snapshot(app):
    """A callable returning {table: row count} for every table."""
    return db_snapshot
