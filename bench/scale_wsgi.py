"""gunicorn's entry for bench/scale.py: the app wsgi.py builds, plus a
count of the SQL statements each request sends, returned in the response header
`X-Statements` (the app's code is unchanged; sync workers run one request at a
time, so one counter per process is enough). The count is of statements sent to
the database until the response starts, every `after_request` hook included, as
tests/web/test_query_counts.py counts them."""

from __future__ import annotations

import sys
from pathlib import Path

from sqlalchemy import event
from sqlalchemy.engine import Engine

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from wsgi import app as flask_app  # noqa: E402

_sent = [0]


@event.listens_for(Engine, "before_cursor_execute")
def _count(*_args) -> None:
    _sent[0] += 1


def app(environ, start_response):
    _sent[0] = 0

    def counted(status, headers, exc_info=None):
        headers.append(("X-Statements", str(_sent[0])))
        return start_response(status, headers, exc_info)

    return flask_app(environ, counted)
