"""What /readyz checks: the database answers within a short time, its schema is at
the head of this release's migrations, and Redis answers when REDIS_URL is set.

Each check gives a short word for the JSON body. Why a check failed goes to the log
only: a driver's error text can name hosts, users and databases.
"""

from __future__ import annotations

import logging
from functools import cache

from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from flask import current_app
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from app.extensions import db

log = logging.getLogger("zhaoxi.ops")

# A database that takes longer than this for SELECT 1 is not ready. Connecting has
# its own limit: PGCONNECT_TIMEOUT in the environment (deploy/zhaoxi.env.example).
STATEMENT_TIMEOUT_MS = 2000
REDIS_TIMEOUT_S = 1.0


@cache
def migration_heads(directory: str) -> frozenset[str]:
    """The head revisions of the migrations, read once per process: the code that
    runs is the code that was loaded, whatever is on disk since."""
    return frozenset(ScriptDirectory(directory).get_heads())


def check_database() -> dict[str, str]:
    """{"database": "ok"|"unreachable", "migrations": "at head"|"not at head"|"unknown"}."""
    try:
        with db.engine.connect() as conn:
            if conn.dialect.name == "postgresql":
                conn.exec_driver_sql(f"SET LOCAL statement_timeout = {STATEMENT_TIMEOUT_MS}")
            conn.execute(text("SELECT 1"))
            current = frozenset(MigrationContext.configure(conn).get_current_heads())
    except SQLAlchemyError:
        log.warning("readyz: the database did not answer", exc_info=True)
        return {"database": "unreachable", "migrations": "unknown"}
    heads = migration_heads(current_app.extensions["migrate"].directory)
    if current != heads:
        log.warning("readyz: database at %s, migrations at %s", sorted(current), sorted(heads))
        return {"database": "ok", "migrations": "not at head"}
    return {"database": "ok", "migrations": "at head"}


def check_redis() -> str:
    """Redis: "ok", "unreachable", or "not configured" (no REDIS_URL, nothing to check)."""
    url = current_app.config.get("REDIS_URL")
    if not url:
        return "not configured"
    import redis

    client = redis.Redis.from_url(
        url, socket_connect_timeout=REDIS_TIMEOUT_S, socket_timeout=REDIS_TIMEOUT_S
    )
    try:
        client.ping()
    except redis.RedisError:
        log.warning("readyz: Redis did not answer", exc_info=True)
        return "unreachable"
    finally:
        client.close()
    return "ok"


def readiness() -> tuple[bool, dict[str, str]]:
    """Whether this instance can serve, and what each check found."""
    checks = {**check_database(), "redis": check_redis()}
    ready = (
        checks["database"] == "ok"
        and checks["migrations"] == "at head"
        and checks["redis"] in ("ok", "not configured")
    )
    return ready, checks
