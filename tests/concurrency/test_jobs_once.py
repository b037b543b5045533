"""`flask run-jobs` started from two processes at once, as every instance's timer does
at the same minute: each job runs once. With the database's lock (a file lock on
SQLite, an advisory lock under .ci/pg-suite) and with the Redis lock (REDIS_URL set;
needs a Redis server, skipped without one except in CI)."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from app.extensions import db
from app.models import JobRun

ROOT = Path(__file__).resolve().parents[2]
SKIPPED = "probe: skipped (run by another instance this minute)"


def _run_jobs_twice(database_url: str, tmp_path: Path, redis_url: str | None) -> list[tuple]:
    """Each runner's output and when it ended."""
    gate = tmp_path / "gate"
    gate.mkdir()
    env = {
        **os.environ,
        "ZHAOXI_ENV": "production",
        "SECRET_KEY": "two-runners-test",
        "DATABASE_URL": database_url,
        "FLASK_APP": "wsgi.py",
        "PROBE_LOG": str(tmp_path / "probe.log"),
        "PROBE_GATE": str(gate),
        "PROBE_PROCESSES": "2",
        # Long enough that the second runner arrives while the first holds the lock.
        "PROBE_SECONDS": "4",  # room for a slow second start on a loaded machine
    }
    env.pop("REDIS_URL", None)
    if redis_url:
        env["REDIS_URL"] = redis_url
    command = [sys.executable, "-m", "tests.job_probe", "run-jobs", "--only", "probe"]
    ended: list[tuple] = []

    def run():
        runner = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True)
        ended.append((runner.stdout.strip(), time.time(), runner))

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    for _said, _when, runner in ended:
        assert runner.returncode == 0, runner.stderr
    return ended


@pytest.mark.parametrize("lock", ["database", "redis"])
def test_two_runners_at_once_run_the_job_once(app, database_url, tmp_path, lock, request):
    redis_url = request.getfixturevalue("redis_url") if lock == "redis" else None
    ended = _run_jobs_twice(database_url, tmp_path, redis_url)
    assert sorted(said for said, _when, _runner in ended) == ["probe: 1", SKIPPED]
    log = tmp_path / "probe.log"
    assert len(log.read_text().split()) == 1  # the witness: the job's body ran once
    # The lock turned the second runner away at once; it did not wait for the first
    # to finish (the job's record would have turned it away then too, a job later).
    skipped_at = next(when for said, when, _runner in ended if said == SKIPPED)
    assert skipped_at < log.stat().st_mtime
    record = db.session.get(JobRun, "probe")
    assert (record.runs, record.failures) == (1, 0)
    if redis_url:
        import redis

        assert redis.Redis.from_url(redis_url).keys("zhaoxi:job-lock:*") == []  # let go
