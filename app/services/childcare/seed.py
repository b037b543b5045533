"""The lottery's seed: fixed and its fingerprint published before the draw."""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime

from sqlalchemy import select, update

from app.extensions import db
from app.models import (
    Activity,
    Allocation,
    Programme,
)
from app.services import audit
from app.services.booking.eligibility import window_state
from app.services.jobs import job


def seed_sha256(seed: str) -> str:
    """The public commitment to a seed: its SHA-256, in hex."""
    return hashlib.sha256(seed.encode("utf-8")).hexdigest()


def seed_due(programme: Programme, now: datetime) -> bool:
    """Applications of this lottery closed and its seed is not drawn yet."""
    activity = programme.activity
    return (
        activity.allocation == Allocation.LOTTERY
        and programme.draw_seed is None
        and window_state(activity, now).closed
    )


def draw_seed(programme: Programme, now: datetime) -> bool:
    """Draws the seed from `secrets` unless one is already stored: a conditional
    UPDATE, so of two at the same moment only one writes. True when this call drew
    it. The programme's seed fields are reloaded either way."""
    seed = secrets.token_hex(16)
    commitment = seed_sha256(seed)
    drawn = db.session.execute(
        update(Programme)
        .where(Programme.id == programme.id, Programme.draw_seed.is_(None))
        .values(draw_seed=seed, seed_sha256=commitment, seed_drawn_at=now)
        .execution_options(synchronize_session=False)
    ).rowcount
    db.session.expire(programme, ["draw_seed", "seed_sha256", "seed_drawn_at"])
    if drawn:
        audit.record(None, "lottery_seed_drawn", programme, now, after={"seed_sha256": commitment})
        db.session.flush()
    return bool(drawn)


def seal_seed(programme: Programme, now: datetime) -> bool:
    """Once applications closed, fixes the seed (drawn from `secrets`, once) and its
    public SHA-256. Does nothing before the close or when already fixed; True when
    this call drew it."""
    if not seed_due(programme, now):
        return False
    return draw_seed(programme, now)


@job("lottery_seeds")
def seal_seeds_job(now: datetime) -> int:
    """Fixes the seed of every lottery whose applications closed (idempotent)."""
    due = db.session.scalars(
        select(Programme)
        .join(Activity, Activity.id == Programme.activity_id)
        .where(
            Activity.allocation == Allocation.LOTTERY,
            Activity.closes_at <= now,
            Programme.draw_seed.is_(None),
        )
        .order_by(Programme.id)
    )
    return sum(seal_seed(programme, now) for programme in due)
