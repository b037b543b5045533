"""Which `flask run-jobs` may run a job now: one lock per job, taken without waiting.
A runner that finds a job's lock taken skips that job; the lock is held until the
job's transaction has ended, so the next runner finds the job's work committed.

One kind of lock per deployment, shared by every instance that runs jobs:

- REDIS_URL set: a Redis key per job, `SET key token NX PX`, with a random token so
  that only its holder deletes it (compare-and-delete in one Lua script). It expires
  after LOCK_SECONDS, longer than a run may last (systemd kills zhaoxi-jobs.service
  after 10 minutes), so a runner killed while holding it stops the job for at most
  that long. Redis unreachable: the run fails, loudly, rather than run unguarded.
- else PostgreSQL: `pg_try_advisory_xact_lock`, held by the job's transaction and
  let go by its commit or rollback (a killed runner's lock goes with its connection);
- else SQLite: `flock` on a file per job beside the database, non-blocking (a killed
  runner's lock goes with its process). A database in memory has one process: no lock.

Used by app/jobs.py only.
"""

from __future__ import annotations

import fcntl
import os
import secrets
import zlib
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager

from sqlalchemy import text

from app.extensions import db

LOCK_SECONDS = 15 * 60
REDIS_PREFIX = "zhaoxi:job-lock:"
# Deletes the key only if it still holds our token: after an expiry another runner's.
_RELEASE = """
if redis.call("get", KEYS[1]) == ARGV[1] then
    return redis.call("del", KEYS[1])
end
return 0
"""

JobLock = Callable[[str], AbstractContextManager[bool]]


def job_lock(redis_url: str | None) -> JobLock:
    """The lock for this deployment: `with lock(name) as held:` runs the job only if
    `held`, and commits or rolls back inside the block."""
    if redis_url:
        return _redis_lock(redis_url)
    if db.engine.dialect.name == "postgresql":
        return _advisory_lock
    database = db.engine.url.database
    if database in (None, "", ":memory:"):
        return _no_lock
    return lambda name: _file_lock(f"{database}-job-{name}")


def _redis_lock(url: str) -> JobLock:
    import redis

    client = redis.Redis.from_url(url, socket_connect_timeout=2, socket_timeout=5)

    @contextmanager
    def lock(name: str) -> Iterator[bool]:
        key, token = REDIS_PREFIX + name, secrets.token_hex(16)
        held = bool(client.set(key, token, nx=True, px=LOCK_SECONDS * 1000))
        try:
            yield held
        finally:
            if held:
                client.eval(_RELEASE, 1, key, token)

    return lock


@contextmanager
def _advisory_lock(name: str) -> Iterator[bool]:
    key = zlib.crc32(f"zhaoxi-job:{name}".encode())
    yield bool(db.session.scalar(text("SELECT pg_try_advisory_xact_lock(:k)"), {"k": key}))


@contextmanager
def _file_lock(path: str) -> Iterator[bool]:
    # A new open file each time: flock excludes other open files, even in this process.
    handle = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            yield False
            return
        yield True
    finally:
        os.close(handle)  # lets go of the lock


@contextmanager
def _no_lock(_name: str) -> Iterator[bool]:
    yield True
