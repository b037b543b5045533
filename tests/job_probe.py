"""`python -m tests.job_probe run-jobs --only probe`: the `flask` command itself, with
one more job, "probe", for tests/concurrency/test_jobs_once.py.

The probe takes PROBE_SECONDS (1 by default) and appends its process id to the file
PROBE_LOG, a witness of how often it really ran, apart from the runner's records.
Before handing over to `flask`, each process imports everything and waits at a gate
(PROBE_GATE, a directory) until PROBE_PROCESSES processes have arrived, so that the
runners reach the jobs' locks at the same moment rather than a start-up apart.
"""

from __future__ import annotations

import os
import sys
import time
from datetime import datetime
from pathlib import Path

from app.services.jobs import job


@job("probe")
def probe(_now: datetime) -> int:
    time.sleep(float(os.environ.get("PROBE_SECONDS", "1")))
    with open(os.environ["PROBE_LOG"], "a") as log:
        log.write(f"{os.getpid()}\n")
    return 1


def _gate(directory: str, processes: int, timeout: float = 60) -> None:
    Path(directory, str(os.getpid())).touch()
    deadline = time.monotonic() + timeout
    while len(os.listdir(directory)) < processes:
        if time.monotonic() > deadline:
            sys.exit("job_probe: the other runners never came to the gate")
        time.sleep(0.01)


if __name__ == "__main__":
    from flask.cli import main

    import app.jobs  # noqa: F401  (what `flask run-jobs` imports)
    import wsgi  # noqa: F401  (the app, created now; `flask` finds it imported)

    _gate(os.environ["PROBE_GATE"], int(os.environ.get("PROBE_PROCESSES", "2")))
    main()
