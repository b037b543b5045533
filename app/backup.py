"""`flask backup` and `flask restore`: a consistent copy of the database taken while
the app serves, and that copy put back into an empty database.

PostgreSQL: `pg_dump -Fc` (one snapshot of the whole database, taken without
stopping writers) and `pg_restore` in one transaction, so a failed restore leaves the
database as empty as it was. SQLite: SQLite's online backup API, copying every page
in one step, which reads one snapshot while writers go on (WAL). Either way the copy
is written beside its destination and renamed when complete: a backup that failed
halfway never looks like a good one.

A restore goes only into an empty database: merging a backup into live data would
double or contradict it, and overwriting live data by mistake cannot be undone.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
from datetime import datetime
from pathlib import Path

from sqlalchemy import inspect
from sqlalchemy.engine import URL, Engine


class BackupError(Exception):
    """Why a backup or a restore could not be done, in a sentence for the operator."""


def default_path(url: URL, instance_dir: Path, now: datetime) -> Path:
    """instance/backups/zhaoxi-<date>-<time>.dump (PostgreSQL) or .sqlite3."""
    suffix = ".sqlite3" if url.get_backend_name() == "sqlite" else ".dump"
    return instance_dir / "backups" / f"zhaoxi-{now:%Y%m%d-%H%M%S}{suffix}"


def backup(url: URL, path: Path) -> Path:
    """Writes a consistent copy of the database at `url` to `path`; returns `path`."""
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(path.name + ".partial")
    backend = url.get_backend_name()
    try:
        if backend == "sqlite":
            source = _sqlite_file(url)
            if not Path(source).is_file():
                raise BackupError(f"There is no database at {source}.")
            _sqlite_copy(source, partial)
        elif backend == "postgresql":
            _run("pg_dump", ["--format=custom", f"--file={partial}"], url)
        else:
            raise BackupError(f"Backups of {backend} databases are not supported.")
        partial.replace(path)
    finally:
        partial.unlink(missing_ok=True)
    return path


def restore(engine: Engine, path: Path) -> None:
    """Restores the backup at `path` into the database of `engine`, which must be
    empty (no tables); else raises BackupError and changes nothing."""
    if not path.is_file():
        raise BackupError(f"No backup at {path}.")
    tables = inspect(engine).get_table_names()
    if tables:
        raise BackupError(
            f"The database is not empty ({len(tables)} tables): a backup is restored "
            "only into a new, empty database. Create one, point DATABASE_URL at it "
            "and run the restore again."
        )
    engine.dispose()  # nothing of ours holds the database while it is written
    url = engine.url
    if url.get_backend_name() == "sqlite":
        _check_sqlite_backup(path)
        _sqlite_copy(path, Path(_sqlite_file(url)))
    elif url.get_backend_name() == "postgresql":
        _run("pg_restore", ["--list", str(path)], url, dbname=False)  # is it a dump?
        options = ["--exit-on-error", "--single-transaction", "--no-owner", "--no-acl"]
        _run("pg_restore", [*options, str(path)], url)
    else:
        raise BackupError(f"Restoring {url.get_backend_name()} databases is not supported.")


def _sqlite_file(url: URL) -> str:
    if url.database in (None, "", ":memory:"):
        raise BackupError("An in-memory SQLite database has nothing to back up.")
    return url.database


def _sqlite_copy(source: str | Path, destination: Path) -> None:
    """Every page in one step (-1): one read transaction, hence one snapshot."""
    src = sqlite3.connect(source)
    dst = sqlite3.connect(destination)
    try:
        src.backup(dst, pages=-1)
    finally:
        dst.close()
        src.close()


def _check_sqlite_backup(path: Path) -> None:
    try:
        with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as conn:
            verdict = conn.execute("PRAGMA quick_check").fetchone()[0]
    except sqlite3.DatabaseError as error:
        raise BackupError(f"{path} is not a SQLite backup ({error}).") from None
    if verdict != "ok":
        raise BackupError(f"{path} is damaged: {verdict}")


def _run(program: str, arguments: list[str], url: URL, *, dbname: bool = True) -> None:
    """Runs a PostgreSQL client program on `url`. The password goes in PGPASSWORD,
    not on the command line, where every user of the server could read it."""
    executable = shutil.which(program)
    if executable is None:
        raise BackupError(
            f"{program} is not installed: on Debian, apt-get install postgresql-client "
            "(its version must be the server's or newer)."
        )
    env = dict(os.environ)
    if url.password:
        env["PGPASSWORD"] = str(url.password)
    libpq = url.set(drivername="postgresql", password=None).render_as_string(hide_password=False)
    command = [executable, *arguments] + ([f"--dbname={libpq}"] if dbname else [])
    done = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise BackupError(f"{program} failed: {done.stderr.strip()[-2000:]}")
