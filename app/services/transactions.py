"""The one place in app/services that commits (scripts/measures.py holds it to that).

A service is a step of its caller's unit of work: it flushes and never commits, and
the view, CLI command or job runner that owns the transaction commits once (or rolls
back on a refusal), so services compose and a failure undoes all of it.

Only work that cannot be one transaction calls `commit_step`, and says why:

- work that must not hold a write transaction across a slow step. On SQLite a write
  transaction holds the whole database from its BEGIN, so every booking would wait
  for it. Logging in checks a PIN hash (tens of milliseconds on purpose) in a read
  transaction of its own and writes only the outcome (people/login.py `log_in`); the
  outbox commits each claim before it calls an SMS gateway or a mail server, and each
  outcome after (messaging/outbox.py `send_outbox`).
- a record that must be kept whatever the caller does with the rest of its unit of
  work. None does today: a failed login is kept because the login views commit the
  refusal's count themselves.

Anything else commits in its caller. A new use is a design decision: name it above.
"""

from __future__ import annotations

from app.extensions import db


def commit_step() -> None:
    """Commits the session's transaction: a step of a service that must not be one
    transaction with what follows (see the module docstring for when). Everything the
    session holds is committed, the caller's earlier work too, so a service calls it
    only where that work is finished (as the login pages and the job runner are)."""
    db.session.commit()
