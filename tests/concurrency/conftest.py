"""Helpers to fire many real transactions at the same moment."""

from __future__ import annotations

import threading
from collections.abc import Callable

import pytest

from app.extensions import db


@pytest.fixture
def fire(app):
    """Runs each callable in its own thread, app context and DB session, all
    released at once by a barrier; returns results (or exceptions) in order.
    Callables must close over plain values (ids), never the test's ORM objects."""

    def run(calls: list[Callable[[], object]], timeout: float = 60) -> list[object]:
        db.session.commit()
        barrier = threading.Barrier(len(calls))
        results: list[object] = [None] * len(calls)

        def worker(index: int, call: Callable[[], object]) -> None:
            with app.app_context():
                try:
                    barrier.wait()
                    results[index] = call()
                except BaseException as error:  # noqa: BLE001 - reported to the test
                    db.session.rollback()
                    results[index] = error
                finally:
                    db.session.remove()

        threads = [threading.Thread(target=worker, args=(i, c)) for i, c in enumerate(calls)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout)
            assert not t.is_alive(), "a worker hung"
        db.session.commit()  # end the test's own snapshot to see what the workers wrote
        return results

    return run
