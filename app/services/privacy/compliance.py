"""The yearly compliance figures (未成年人网络保护条例: a yearly audit) and the
breaches staff record. Deletions and anonymisations are counted from the audit
log's `privacy.delete_request` and `privacy.anonymise` entries (written by the
retention and deletion services)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy import func, select

from app.extensions import db
from app.models import AccessRecord, AuditEntry, Breach, Consent, Person, User
from app.models.people import ADULT_AGE, years_before
from app.services import audit
from app.timeutil import local_day_bounds

DELETION_ACTIONS = ("privacy.delete_request", "privacy.anonymise")


@dataclass
class YearFigures:
    year: int
    children: int = 0
    consents_given: dict[str, int] = field(default_factory=dict)
    consents_withdrawn: dict[str, int] = field(default_factory=dict)
    access_by_role: dict[str, int] = field(default_factory=dict)
    deletions: dict[str, int] = field(default_factory=dict)
    breaches: list[Breach] = field(default_factory=list)


def year_bounds(year: int) -> tuple[datetime, datetime]:
    """The local calendar year as naive UTC bounds [start, end)."""
    return local_day_bounds(date(year, 1, 1))[0], local_day_bounds(date(year, 12, 31))[1]


def _counts(column, when, start, end) -> dict[str, int]:
    rows = db.session.execute(
        select(column, func.count()).where(when >= start, when < end).group_by(column)
    )
    return {key: n for key, n in rows}


def year_figures(year: int) -> YearFigures:
    """Every figure of the yearly export for local calendar year `year`."""
    start, end = year_bounds(year)
    last_day = date(year, 12, 31)
    figures = YearFigures(year)
    # Children's records: people on file during the year who were under 18 at some
    # point of it (born after the last day's 18-years-before date).
    figures.children = db.session.scalar(
        select(func.count(Person.id)).where(
            Person.created_at < end,
            Person.birth_date > years_before(date(year, 1, 1), ADULT_AGE),
            Person.birth_date <= last_day,
        )
    )
    figures.consents_given = _counts(Consent.kind, Consent.given_at, start, end)
    figures.consents_withdrawn = _counts(Consent.kind, Consent.withdrawn_at, start, end)
    figures.access_by_role = _counts(AccessRecord.role, AccessRecord.at, start, end)
    deletions = _counts(AuditEntry.action, AuditEntry.created_at, start, end)
    figures.deletions = {a: deletions.get(a, 0) for a in DELETION_ACTIONS}
    figures.breaches = list(
        db.session.scalars(
            select(Breach)
            .where(Breach.happened_on >= date(year, 1, 1), Breach.happened_on <= last_day)
            .order_by(Breach.happened_on, Breach.id)
        )
    )
    return figures


def record_breach(
    happened_on: date, what: str, who_was_told: str, *, by: User, now: datetime
) -> Breach:
    """Staff record a personal-data incident; audited."""
    breach = Breach(
        happened_on=happened_on,
        what=what,
        who_was_told=who_was_told,
        recorded_by_id=by.id,
        recorded_at=now,
    )
    db.session.add(breach)
    db.session.flush()
    audit.record(by, "privacy.breach", breach, now, after={"happened_on": happened_on.isoformat()})
    return breach


def recent_breaches(limit: int = 50) -> list[Breach]:
    return list(
        db.session.scalars(
            select(Breach).order_by(Breach.happened_on.desc(), Breach.id.desc()).limit(limit)
        )
    )
