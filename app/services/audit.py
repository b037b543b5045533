"""The audit log of staff actions."""

from __future__ import annotations

from datetime import datetime

from app.extensions import db
from app.models import AuditEntry, User


def record(
    actor: User | None,
    action: str,
    subject,
    now: datetime,
    *,
    before: dict | None = None,
    after: dict | None = None,
    reason: str | None = None,
) -> AuditEntry:
    entry = AuditEntry(
        actor_id=actor.id if actor else None,
        action=action,
        subject_type=type(subject).__name__.lower(),
        subject_id=getattr(subject, "id", None),
        before=before,
        after=after,
        reason=reason,
        created_at=now,
    )
    db.session.add(entry)
    return entry
