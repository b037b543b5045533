from app.services import jobs


def test_run_jobs_runs_each_registered_job_once(app, runner, monkeypatch):
    calls = []
    monkeypatch.setattr(jobs, "JOBS", {"count": lambda now: calls.append(now) or 7})
    result = runner.invoke(args=["run-jobs"])
    assert result.exit_code == 0, result.output
    assert "count: 7" in result.output
    assert calls == [app.config["FROZEN_NOW"]]
