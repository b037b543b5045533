"""Bulk seeding shared by the benchmarks that grow a centre (bench/reports.py,
bench/scale_data.py): rows go in with SQLAlchemy Core executemany in big batches,
the seeder gives the ids itself so that rows can name one another before they are
written, PostgreSQL's id sequences are moved past them afterwards, and the planner's
statistics are gathered as a centre in use has them."""

from __future__ import annotations

BATCH = 5000


def insert_rows(db, model, rows: list[dict], batch: int = BATCH) -> int:
    """Inserts `rows` (dicts of column values) into `model`'s table; returns how many."""
    from sqlalchemy import insert

    for start in range(0, len(rows), batch):
        db.session.execute(insert(model), rows[start : start + batch])
    return len(rows)


class Rows:
    """Rows of several tables, written in batches and always in the order the
    foreign keys need (`models`, parents first): a generator may add a booking and
    its attendance mark together and never hold more than `batch` rows of a table."""

    def __init__(self, db, models, batch: int = 20000):
        self.db = db
        self.models = list(models)
        self.batch = batch
        self.pending: dict = {m: [] for m in self.models}
        self.counts: dict[str, int] = {m.__tablename__: 0 for m in self.models}

    def add(self, model, row: dict) -> None:
        self.pending[model].append(row)
        if len(self.pending[model]) >= self.batch:
            self.flush()

    def flush(self) -> None:
        for model in self.models:
            rows = self.pending[model]
            if rows:
                self.counts[model.__tablename__] += insert_rows(self.db, model, rows, self.batch)
                rows.clear()


def next_ids(db, models) -> dict:
    """The first free id of each model's table."""
    from sqlalchemy import func, select

    return {m: (db.session.scalar(select(func.max(m.id))) or 0) + 1 for m in models}


def reset_sequences(db, tables) -> None:
    """PostgreSQL: each table's id sequence past the ids the seeder gave (SQLite
    needs nothing)."""
    from sqlalchemy import text

    if db.engine.dialect.name != "postgresql":
        return
    for table in tables:
        db.session.execute(
            text(
                f"SELECT setval(pg_get_serial_sequence('\"{table}\"', 'id'), "
                f'(SELECT max(id) FROM "{table}"))'
            )
        )
