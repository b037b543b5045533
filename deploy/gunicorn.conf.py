"""gunicorn settings of a Zhaoxi instance (deploy/systemd/zhaoxi@.service passes the
rest on its command line).

Prometheus multiprocess mode: each worker keeps its counters in files under
PROMETHEUS_MULTIPROC_DIR and /metrics adds up every file there. When a worker dies
(killed, or replaced after --max-requests), its live gauges must be dropped, or
/metrics would go on reporting them.
"""

import os


def child_exit(server, worker):
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(worker.pid)
