"""Holds: people staff keep out of the retention job, each with its reason. Holding
and releasing are audited (`privacy.hold`, `privacy.release`); a hold keeps a
person's care notes too, and a requested deletion waits until it is released."""

from __future__ import annotations

from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from app.database import add_if_new
from app.extensions import db
from app.models import Person, PrivacyHold, User
from app.services import audit
from app.services.refusals import PrivacyRefused, ReasonRequired

HOLD, RELEASE = "privacy.hold", "privacy.release"


def hold(person: Person, reason: str, *, by: User, now: datetime) -> PrivacyHold:
    """Keeps `person` out of the retention job. Raises ReasonRequired without a
    reason, PrivacyRefused when already anonymised or already held."""
    reason = (reason or "").strip()
    if not reason:
        raise ReasonRequired(_l("Please write why this person's record must be kept."))
    if person.anonymised_at is not None:
        raise PrivacyRefused(_l("This person's record has already been anonymised."))
    row = PrivacyHold(person_id=person.id, reason=reason, held_by_id=by.id, held_at=now)
    if not add_if_new(row):
        raise PrivacyRefused(_l("This person's record is already being kept."))
    audit.record(by, HOLD, person, now, after={"person": person.name}, reason=reason)
    db.session.flush()
    return row


def release(person: Person, *, by: User, now: datetime, reason: str | None = None) -> None:
    """Ends the hold on `person`: the retention job may anonymise them again.
    Raises PrivacyRefused when they are not held."""
    row = db.session.scalar(select(PrivacyHold).where(PrivacyHold.person_id == person.id))
    if row is None:
        raise PrivacyRefused(_l("This person's record is not being kept."))
    before = {"person": person.name, "reason": row.reason}
    db.session.delete(row)
    audit.record(by, RELEASE, person, now, before=before, reason=(reason or "").strip() or None)
    db.session.flush()


def holds() -> list[PrivacyHold]:
    """Every hold, newest first (the staff page)."""
    return list(
        db.session.scalars(select(PrivacyHold).order_by(PrivacyHold.held_at.desc(), PrivacyHold.id))
    )
