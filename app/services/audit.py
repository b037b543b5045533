"""The audit log of staff actions: `record`, and the log staff read, a page at a
time by keyset (`audit_page`), each entry with the name of who and what."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import and_, or_, select
from sqlalchemy.orm import joinedload

from app.extensions import db
from app.formatting import when
from app.models import (
    Activity,
    Attendance,
    AuditEntry,
    Booking,
    Household,
    HouseholdLink,
    OfferCall,
    Person,
    Programme,
    Role,
    Session,
    Suspension,
    User,
    WelfareCall,
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


@dataclass
class AuditLine:
    """One entry as the log shows it: who (a name, None for the system) and the
    name of what it was done to (None when that row is gone)."""

    entry: AuditEntry
    who: str | None
    what: str | None


@dataclass
class AuditPage:
    lines: list[AuditLine]
    older: int | None  # `?before=` of the next, older page; None on the last


def _filtered(filters: AuditFilter):
    query = select(AuditEntry).options(joinedload(AuditEntry.actor).joinedload(User.person))
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
    return query


def audit_page(filters: AuditFilter, before: int | None = None, per_page: int = 50) -> AuditPage:
    """The newest `per_page` entries matching `filters` older than entry `before`
    (newest first, by time then id): keyset paging, no count of the whole log."""
    query = _filtered(filters)
    if before is not None:
        mark = db.session.execute(
            select(AuditEntry.created_at, AuditEntry.id).where(AuditEntry.id == before)
        ).first()
        if mark is not None:
            query = query.where(
                or_(
                    AuditEntry.created_at < mark.created_at,
                    and_(AuditEntry.created_at == mark.created_at, AuditEntry.id < mark.id),
                )
            )
    query = query.order_by(AuditEntry.created_at.desc(), AuditEntry.id.desc()).limit(per_page + 1)
    entries = list(db.session.scalars(query))
    older = entries[per_page - 1].id if len(entries) > per_page else None
    entries = entries[:per_page]
    names = subject_names(entries)
    return AuditPage(
        [
            AuditLine(
                e,
                e.actor.person.name if e.actor is not None else None,
                names.get((e.subject_type, e.subject_id)),
            )
            for e in entries
        ],
        older,
    )


def _session_label(session: Session) -> str:
    return f"{session.activity.title} ({when(session.starts_at)})"


def _names(model, ids, label, options=()) -> dict[int, str]:
    query = select(model).where(model.id.in_(ids)).options(*options)
    rows = db.session.scalars(query) if ids else []
    return {row.id: label(row) for row in rows}


def _session_with_activity(relationship):
    return joinedload(relationship).joinedload(Session.activity)


# subject_type (the model's name, lower case) -> how to name one such row, and what
# to load with the rows for it, joined (the names of a page: a statement per kind).
_LABELS = {
    "person": (Person, lambda p: p.name, ()),
    "user": (User, lambda u: u.person.name, (joinedload(User.person),)),
    "household": (Household, lambda h: h.name, ()),
    "activity": (Activity, lambda a: a.title, ()),
    "session": (Session, _session_label, (joinedload(Session.activity),)),
    "programme": (Programme, lambda p: p.activity.title, (joinedload(Programme.activity),)),
    "booking": (
        Booking,
        lambda b: (
            f"{b.person.name} · " + (_session_label(b.session) if b.session else b.activity.title)
        ),
        (
            joinedload(Booking.person),
            joinedload(Booking.activity),
            _session_with_activity(Booking.session),
        ),
    ),
    "attendance": (
        Attendance,
        lambda a: f"{a.person.name} · {_session_label(a.session)}",
        (joinedload(Attendance.person), _session_with_activity(Attendance.session)),
    ),
    "suspension": (Suspension, lambda s: s.person.name, (joinedload(Suspension.person),)),
    "welfarecall": (WelfareCall, lambda c: c.person.name, (joinedload(WelfareCall.person),)),
    "offercall": (OfferCall, lambda c: c.person.name, (joinedload(OfferCall.person),)),
    "householdlink": (
        HouseholdLink,
        lambda k: f"{k.user.person.name} → {k.person.name}",
        (
            joinedload(HouseholdLink.user).joinedload(User.person),
            joinedload(HouseholdLink.person),
        ),
    ),
}


def subject_names(entries: list[AuditEntry]) -> dict[tuple[str, int], str]:
    """The name of what each entry was done to, one query per kind of subject."""
    wanted: dict[str, set[int]] = {}
    for entry in entries:
        if entry.subject_type in _LABELS and entry.subject_id is not None:
            wanted.setdefault(entry.subject_type, set()).add(entry.subject_id)
    names = {}
    for kind, ids in wanted.items():
        model, label, options = _LABELS[kind]
        for row_id, name in _names(model, ids, label, options).items():
            names[(kind, row_id)] = name
    return names


def staff_users() -> list[User]:
    return list(
        db.session.scalars(
            select(User)
            .options(joinedload(User.person))
            .where(User.role.in_([Role.STAFF, Role.ADMIN, Role.TEACHER]))
            .order_by(User.id)
        )
    )
