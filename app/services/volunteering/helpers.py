"""Helpers added to a session by its teacher or the desk."""

from __future__ import annotations

from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from app.extensions import db
from app.models import (
    Role,
    Session,
    SessionHelper,
    User,
)
from app.services import audit
from app.services.attendance.roster import check_roster_access
from app.services.people.login import normalise_phone
from app.services.refusals import (
    NotEligible,
)
from app.timeutil import local_date


def session_helpers(session: Session) -> list[SessionHelper]:
    return list(
        db.session.scalars(
            select(SessionHelper)
            .where(SessionHelper.session_id == session.id)
            .order_by(SessionHelper.id)
        )
    )


def _volunteer_by_phone(phone: str, now: datetime) -> User | None:
    """The account a helper is recorded under: an active resident or teacher who is
    an adult today. Staff and admin accounts, children and closed accounts are not
    volunteers, and answer like a number nobody has (the caller learns no name)."""
    user = db.session.scalar(select(User).where(User.phone == normalise_phone(phone)))
    if (
        user is None
        or not user.active
        or user.is_staff
        or user.role not in (Role.RESIDENT, Role.TEACHER)
        or user.person is None
        or user.person.is_child_on(local_date(now))
    ):
        return None
    return user


def add_helper(session: Session, phone: str, *, by: User, now: datetime) -> SessionHelper:
    """The teacher (or staff) records who helped run the session, found by phone:
    a volunteer (see _volunteer_by_phone). Audited.
    Raises NotAllowed or NotEligible (no volunteer account with that phone)."""
    check_roster_access(by, session)
    helper = _volunteer_by_phone(phone, now)
    if helper is None:
        raise NotEligible(
            _l(
                "No volunteer account has this phone number. The front desk can register volunteers."
            )
        )
    existing = db.session.scalar(
        select(SessionHelper).where(
            SessionHelper.session_id == session.id, SessionHelper.user_id == helper.id
        )
    )
    if existing is not None:
        return existing
    entry = SessionHelper(
        session_id=session.id, user_id=helper.id, added_by_id=by.id, created_at=now
    )
    db.session.add(entry)
    db.session.flush()
    audit.record(by, "session.helper_add", session, now, after={"user_id": helper.id})
    return entry


def remove_helper(entry: SessionHelper, *, by: User, now: datetime) -> None:
    """Raises NotAllowed unless `by` teaches the session or is staff. Audited."""
    session = db.session.get(Session, entry.session_id)
    check_roster_access(by, session)
    user_id = entry.user_id
    db.session.delete(entry)
    db.session.flush()
    audit.record(by, "session.helper_remove", session, now, before={"user_id": user_id})
