"""The audit log of staff actions."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from app.extensions import db
from app.models import (
    AuditEntry,
    Role,
    User,
)
from app.timeutil import local_day_bounds


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


@dataclass
class AuditFilter:
    action: str | None = None
    actor_id: int | None = None
    subject_type: str | None = None
    since: datetime | None = None
    until: datetime | None = None


def filter_by_days(
    *, action: str | None, actor_id: int | None, since: date | None, until: date | None
) -> AuditFilter:
    """The filter for the audit page's form: entries whose action starts with
    `action`, by `actor_id`, from the start of local day `since` to the end of local
    day `until` (a None leaves that bound open)."""
    return AuditFilter(
        action=action,
        actor_id=actor_id,
        since=local_day_bounds(since)[0] if since else None,
        until=local_day_bounds(until)[1] if until else None,
    )


def audit_entries(filters: AuditFilter, page: int, per_page: int = 50):
    query = select(AuditEntry).options(selectinload(AuditEntry.actor))
    if filters.action:
        query = query.where(AuditEntry.action.startswith(filters.action))
    if filters.actor_id:
        query = query.where(AuditEntry.actor_id == filters.actor_id)
    if filters.subject_type:
        query = query.where(AuditEntry.subject_type == filters.subject_type)
    if filters.since:
        query = query.where(AuditEntry.created_at >= filters.since)
    if filters.until:
        query = query.where(AuditEntry.created_at < filters.until)
    query = query.order_by(AuditEntry.created_at.desc(), AuditEntry.id.desc())
    return db.paginate(query, page=page, per_page=per_page, error_out=False)


def audit_actions() -> list[str]:
    return list(
        db.session.scalars(select(AuditEntry.action).distinct().order_by(AuditEntry.action))
    )


def staff_users() -> list[User]:
    return list(
        db.session.scalars(
            select(User)
            .where(User.role.in_([Role.STAFF, Role.ADMIN, Role.TEACHER]))
            .order_by(User.id)
        )
    )
