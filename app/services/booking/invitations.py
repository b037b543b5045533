"""Inviting people to one session before it opens to everyone (the month's birthday
party): the invitation rows that open a reserved window for them
(`eligibility.check_window`), their notices, and the sessions the desk may invite to."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import contains_eager

from app.database import add_if_new
from app.extensions import db
from app.models import (
    LIVE_STATUSES,
    Activity,
    ActivityStatus,
    Allocation,
    Booking,
    EnrolmentUnit,
    Person,
    Session,
    SessionInvitation,
    SessionStatus,
    User,
)
from app.services import audit
from app.services.messaging.notices import notify_person
from app.services.refusals import NotBookable


def invitable_sessions(now: datetime, limit: int = 60) -> list[Session]:
    """Sessions the desk may invite to: coming, scheduled, of published classes
    booked per session and first come, first served; their classes read with them
    (the chooser names each)."""
    return list(
        db.session.scalars(
            select(Session)
            .join(Activity, Activity.id == Session.activity_id)
            .where(
                Session.status == SessionStatus.SCHEDULED,
                Session.starts_at > now,
                Activity.status == ActivityStatus.PUBLISHED,
                Activity.enrolment_unit == EnrolmentUnit.SESSION,
                Activity.allocation == Allocation.FCFS,
            )
            .options(contains_eager(Session.activity))
            .order_by(Session.starts_at, Session.id)
            .limit(limit)
        )
    )


def check_invitable(session: Session, now: datetime) -> None:
    """Raises NotBookable unless `invitable_sessions` would list the session."""
    activity = session.activity
    if (
        session.status != SessionStatus.SCHEDULED
        or session.starts_at <= now
        or activity.status != ActivityStatus.PUBLISHED
        or activity.is_series
        or activity.allocation != Allocation.FCFS
    ):
        raise NotBookable(_l("Invitations are for a coming session of a published class."))


def invited_ids(session: Session, person_ids: Iterable[int]) -> set[int]:
    """Which of `person_ids` are invited to `session` already."""
    ids = list(person_ids)
    if not ids:
        return set()
    return set(
        db.session.scalars(
            select(SessionInvitation.person_id).where(
                SessionInvitation.session_id == session.id,
                SessionInvitation.person_id.in_(ids),
            )
        )
    )


def invitation_states(session: Session, person_ids: Iterable[int]) -> dict[int, str]:
    """For the desk's list: "booked" (a live booking on the session) or "invited"
    for each of `person_ids` that is either."""
    ids = list(person_ids)
    states = {pid: "invited" for pid in invited_ids(session, ids)}
    if ids:
        booked = db.session.scalars(
            select(Booking.person_id).where(
                Booking.session_id == session.id,
                Booking.person_id.in_(ids),
                Booking.status.in_(list(LIVE_STATUSES)),
            )
        )
        states |= {pid: "booked" for pid in booked}
    return states


def invite(
    session: Session, people: list[Person], *, by: User, now: datetime
) -> list[SessionInvitation]:
    """Invites `people` to `session`: each may book it from `now`, before its class
    opens to everyone, and their household is told (inbox and message). Someone
    invited already is not invited or told again. Audited. Returns the new
    invitations. Raises NotBookable for a session one cannot invite to."""
    check_invitable(session, now)
    already = invited_ids(session, [p.id for p in people])
    new = []
    for person in people:
        if person.id in already:
            continue
        already.add(person.id)
        invitation = SessionInvitation(
            session_id=session.id, person_id=person.id, invited_at=now, invited_by_id=by.id
        )
        if not add_if_new(invitation):
            continue  # invited a moment ago by another request
        new.append(invitation)
        notify_person(
            "birthday_invited",
            person,
            now,
            activity_id=session.activity_id,
            title=session.activity.title,
            title_en=session.activity.title_en,
            starts_at=session.starts_at.isoformat(),
        )
    db.session.flush()
    audit.record(
        by,
        "session.invite",
        session,
        now,
        after={"invited": [i.person_id for i in new], "already": len(people) - len(new)},
    )
    return new
