"""A booking's status changes only from the state the caller saw.

Every status change is a conditional UPDATE, so two requests racing on the same
booking cannot both act."""

from __future__ import annotations

from sqlalchemy import update

from app.extensions import db
from app.models import (
    Booking,
)


def transition(booking: Booking, from_statuses, values: dict, *conditions) -> bool:
    """Changes a booking's status only if it still has one of `from_statuses` (and
    meets any extra SQL `conditions`)."""
    result = db.session.execute(
        update(Booking)
        .where(Booking.id == booking.id, Booking.status.in_(list(from_statuses)), *conditions)
        .values(**values)
        .execution_options(synchronize_session=False)
    )
    db.session.expire(booking)
    return result.rowcount == 1
