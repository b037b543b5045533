"""The migrations build the same schema as the models."""

import os

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import upgrade
from sqlalchemy import create_engine, text

from app import create_app
from app.extensions import db
from config import TestingConfig


@pytest.fixture
def empty_database_url(tmp_path, database_url):
    if database_url.startswith("postgresql"):
        # A private schema on the suite's PostgreSQL database, dropped afterwards.
        engine = create_engine(database_url)
        with engine.begin() as conn:
            conn.execute(text("DROP SCHEMA IF EXISTS migration_check CASCADE"))
            conn.execute(text("CREATE SCHEMA migration_check"))
        url = (
            database_url
            + ("&" if "?" in database_url else "?")
            + "options=-csearch_path%3Dmigration_check"
        )
        yield url
        with engine.begin() as conn:
            conn.execute(text("DROP SCHEMA IF EXISTS migration_check CASCADE"))
        engine.dispose()
    else:
        yield f"sqlite:///{tmp_path / 'migrated.db'}"


def test_upgrade_on_an_empty_database_matches_the_models(empty_database_url):
    app = create_app(TestingConfig, SQLALCHEMY_DATABASE_URI=empty_database_url)
    with app.app_context():
        upgrade(directory=os.path.join(app.root_path, "..", "migrations"))
        with db.engine.connect() as conn:
            context = MigrationContext.configure(conn, opts={"compare_type": True})
            diff = compare_metadata(context, db.metadata)
        db.session.remove()
        db.engine.dispose()
    assert diff == []
