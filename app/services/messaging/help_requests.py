"""The kiosk's "call staff" requests and the desk answering them."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select, update

from app.extensions import db
from app.models import HelpRequest, User
from app.services.refusals import AlreadyHandled


def request_help(user: User | None, now: datetime) -> HelpRequest:
    """Rings the front desk. A second press while one is open changes nothing."""
    who = HelpRequest.user_id == user.id if user else HelpRequest.user_id.is_(None)
    pending = db.session.scalar(select(HelpRequest).where(HelpRequest.resolved_at.is_(None), who))
    if pending is not None:
        return pending
    request = HelpRequest(user_id=user.id if user else None, created_at=now)
    db.session.add(request)
    db.session.flush()
    return request


def open_help_requests() -> list[HelpRequest]:
    return list(
        db.session.scalars(
            select(HelpRequest)
            .where(HelpRequest.resolved_at.is_(None))
            .order_by(HelpRequest.created_at)
        )
    )


def resolve_help(request: HelpRequest, *, by: User, now: datetime) -> None:
    """Marks a call as answered. Raises AlreadyHandled when someone else did."""
    result = db.session.execute(
        update(HelpRequest)
        .where(HelpRequest.id == request.id, HelpRequest.resolved_at.is_(None))
        .values(resolved_at=now, resolved_by_id=by.id)
        .execution_options(synchronize_session=False)
    )
    db.session.expire(request)
    if result.rowcount != 1:
        raise AlreadyHandled()
