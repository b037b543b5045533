"""How long a freed seat is held for the next person on the waiting list: a hold
that counts only time outside the centre's quiet hours, shorter close to the class."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time, timedelta

from flask import current_app

from app.timeutil import centre_zone, from_local, to_local


@dataclass(frozen=True)
class OfferRules:
    long_hold: timedelta = timedelta(hours=24)
    long_before: timedelta = timedelta(hours=48)
    short_hold: timedelta = timedelta(hours=2)
    none_within: timedelta = timedelta(hours=6)
    min_margin: timedelta = timedelta(hours=1)
    quiet_start: time = time(22, 0)
    quiet_end: time = time(7, 0)

    @classmethod
    def from_config(cls, config) -> OfferRules:
        start, end = config.get("QUIET_HOURS", ("22:00", "07:00"))
        return cls(
            long_hold=timedelta(hours=config.get("OFFER_LONG_HOURS", 24)),
            long_before=timedelta(hours=config.get("OFFER_LONG_BEFORE_HOURS", 48)),
            short_hold=timedelta(hours=config.get("OFFER_SHORT_HOURS", 2)),
            none_within=timedelta(hours=config.get("OFFER_NONE_WITHIN_HOURS", 6)),
            min_margin=timedelta(hours=config.get("OFFER_MIN_MARGIN_HOURS", 1)),
            quiet_start=time.fromisoformat(start),
            quiet_end=time.fromisoformat(end),
        )

    def is_quiet(self, wall: datetime) -> bool:
        moment = wall.time()
        if self.quiet_start <= self.quiet_end:
            return self.quiet_start <= moment < self.quiet_end
        return moment >= self.quiet_start or moment < self.quiet_end


def _next_at(wall: datetime, at: time) -> datetime:
    """The first wall-clock moment after `wall` showing `at`."""
    candidate = datetime.combine(wall.date(), at)
    return candidate if candidate > wall else candidate + timedelta(days=1)


def run_hold_clock(now: datetime, hold: timedelta, rules: OfferRules) -> datetime:
    """`now` + `hold`, counting only time outside quiet hours (naive UTC in and out)."""
    zone = centre_zone()
    wall = to_local(now, zone).replace(tzinfo=None)
    remaining = hold
    while remaining > timedelta(0):
        if rules.is_quiet(wall):
            wall = _next_at(wall, rules.quiet_end)
            continue
        step = min(remaining, _next_at(wall, rules.quiet_start) - wall)
        wall += step
        remaining -= step
    return from_local(wall, zone)


def offer_deadline(now: datetime, start: datetime, rules: OfferRules | None = None):
    """Until when a freed seat is held for the next person, or None when the class
    is too close to ask (the next person is then confirmed at once)."""
    rules = rules or OfferRules.from_config(current_app.config)
    left = start - now
    if left >= rules.long_before:
        hold = rules.long_hold
    elif left >= rules.none_within:
        hold = rules.short_hold
    else:
        return None
    deadline = run_hold_clock(now, hold, rules)
    if deadline > start - rules.min_margin:
        return None
    return deadline
