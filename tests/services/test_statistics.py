"""The planner's statistics (issue 18): SQLite gathers them after migrating and once
a day from the jobs, so its planner knows an index is worth using; PostgreSQL keeps
its own and the job leaves it alone."""

from __future__ import annotations

import os
from datetime import timedelta

from flask_migrate import upgrade
from sqlalchemy import text

from app import create_app
from app.extensions import db
from app.jobs import run_all
from app.services import jobs
from config import TestingConfig


def _stats_rows() -> int:
    return db.session.execute(text("SELECT count(*) FROM sqlite_stat1")).scalar_one()


def test_the_daily_job_gathers_sqlites_statistics_once_a_day(app, now, make):
    make.activity(sessions=3)
    make.commit()
    assert "optimize" in jobs.JOBS
    sqlite = db.engine.dialect.name == "sqlite"
    if sqlite:
        db.session.execute(text("DROP TABLE IF EXISTS sqlite_stat1"))
        db.session.commit()
    assert run_all(now, ["optimize"]) == {"optimize": int(sqlite)}
    # Later the same day: nothing to do; the next day: again.
    assert run_all(now + timedelta(hours=1), ["optimize"]) == {"optimize": 0}
    assert run_all(now + timedelta(days=1), ["optimize"]) == {"optimize": int(sqlite)}
    if sqlite:
        tables = set(db.session.scalars(text("SELECT DISTINCT tbl FROM sqlite_stat1")))
        assert {"activity", "activity_session"} <= tables


def test_migrating_a_sqlite_database_leaves_it_with_statistics(tmp_path):
    app = create_app(TestingConfig, SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path / 'new.db'}")
    with app.app_context():
        upgrade(directory=os.path.join(app.root_path, "..", "migrations"))
        # ANALYZE writes sqlite_stat1 even for empty tables' indexes it looked at.
        names = set(db.session.scalars(text("SELECT name FROM sqlite_master WHERE type = 'table'")))
        db.session.remove()
        db.engine.dispose()
    assert "sqlite_stat1" in names
