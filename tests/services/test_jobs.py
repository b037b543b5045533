"""The job runner: each job in its transaction, under its lock, counted in its record.
Two processes at once: tests/concurrency/test_jobs_once.py."""

from __future__ import annotations

from datetime import timedelta

import pytest

from app.extensions import db
from app.job_locks import REDIS_PREFIX, job_lock
from app.jobs import run_all
from app.models import JobRun
from app.services import jobs


def test_run_jobs_runs_each_registered_job_once(app, runner, monkeypatch):
    calls = []
    monkeypatch.setattr(jobs, "JOBS", {"count": lambda now: calls.append(now) or 7})
    result = runner.invoke(args=["run-jobs"])
    assert result.exit_code == 0, result.output
    assert "count: 7" in result.output
    assert calls == [app.config["FROZEN_NOW"]]


def test_a_second_run_in_the_same_minute_skips_the_job(app, runner, monkeypatch):
    """As a second instance's timer, a moment after the first one's run ended."""
    calls = []
    monkeypatch.setattr(jobs, "JOBS", {"count": lambda now: calls.append(now) or 7})
    assert "count: 7" in runner.invoke(args=["run-jobs"]).output
    later = app.config["FROZEN_NOW"] + timedelta(seconds=30)
    app.config["FROZEN_NOW"] = later
    again = runner.invoke(args=["run-jobs"])
    assert again.exit_code == 0
    assert "count: skipped (run by another instance this minute)" in again.output
    app.config["FROZEN_NOW"] = later + timedelta(minutes=1)
    assert "count: 7" in runner.invoke(args=["run-jobs"]).output
    assert len(calls) == 2
    assert db.session.get(JobRun, "count").runs == 2


def test_run_all_without_a_minute_runs_each_time(app, now, monkeypatch):
    monkeypatch.setattr(jobs, "JOBS", {"count": lambda now: 3})
    assert run_all(now) == run_all(now) == {"count": 3}
    record = db.session.get(JobRun, "count")
    assert (record.runs, record.failures, record.last_run_at) == (2, 0, now)


def test_a_failing_job_is_rolled_back_counted_and_raised(app, now, monkeypatch):
    def fail(_now):
        raise RuntimeError("the SMS gateway said no to 13900000000")

    monkeypatch.setattr(jobs, "JOBS", {"ok": lambda now: 1, "fails": fail, "after": lambda n: 1})
    with pytest.raises(RuntimeError):
        run_all(now, minute=now)
    ok, failed = db.session.get(JobRun, "ok"), db.session.get(JobRun, "fails")
    assert (ok.runs, ok.minute) == (1, now)  # committed before the failure
    assert (failed.runs, failed.failures, failed.last_failure_at) == (0, 1, now)
    assert failed.last_error == "RuntimeError"  # never the text, which may hold a phone
    assert failed.minute is None  # not marked as run: another instance may try this minute
    assert db.session.get(JobRun, "after") is None  # not reached, as before


def test_metrics_show_the_job_records(app, client, now, monkeypatch):
    monkeypatch.setattr(jobs, "JOBS", {"count": lambda now: 3})
    run_all(now)
    body = client.get("/metrics").get_data(as_text=True)
    assert 'zhaoxi_job_runs_total{job="count"} 1.0' in body
    assert 'zhaoxi_job_failures_total{job="count"} 0.0' in body
    assert 'zhaoxi_job_last_run_timestamp_seconds{job="count"}' in body


def test_the_file_lock_lets_one_holder_at_a_time(app):
    if db.engine.dialect.name != "sqlite":
        pytest.skip("the file lock is SQLite's (PostgreSQL's: tests/concurrency/test_jobs_once)")
    lock = job_lock(None)
    with lock("one") as first, lock("one") as second, lock("other") as other:
        assert (first, second, other) == (True, False, True)
    with lock("one") as again:
        assert again


def test_the_redis_lock_is_let_go_only_by_its_holder(app, redis_url):
    import redis

    client = redis.Redis.from_url(redis_url)
    key = REDIS_PREFIX + "one"
    lock = job_lock(redis_url)
    with lock("one") as first:
        with lock("one") as second:
            assert (first, second) == (True, False)
        assert 0 < client.pttl(key) <= 15 * 60 * 1000
        # The lock expired meanwhile and another runner holds it now:
        client.set(key, "another runner's token")
    assert client.get(key) == b"another runner's token"  # not deleted by the first
    client.delete(key)
    with lock("one") as again:
        assert again
    assert client.get(key) is None


def test_jobs_run_in_the_stated_order_so_the_outbox_sends_what_others_queued(app, monkeypatch):
    """Every registered job is in the order; the outbox goes last."""
    from app.jobs import ORDER, run_all

    assert set(ORDER) == set(jobs.JOBS)
    ran = []
    monkeypatch.setattr(
        jobs, "JOBS", {name: (lambda now, name=name: ran.append(name)) for name in reversed(ORDER)}
    )
    run_all(app.config["FROZEN_NOW"])
    assert ran == list(ORDER) and ran[-1] == "send-outbox"
