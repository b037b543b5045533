"""The one entry for booking a class: a childcare programme's class is booked under the
programme's rules (childcare.submissions), every other class directly (booking.place)."""

from __future__ import annotations

from datetime import datetime

from app.models import (
    Booking,
    Person,
    Suspension,
    User,
)
from app.services.booking import eligibility
from app.services.booking.place import place_booking
from app.services.booking.targets import (
    Target,
)
from app.services.childcare.submissions import book_day


def book(
    person: Person,
    target: Target,
    *,
    by: User,
    channel: str,
    now: datetime,
    suspension: Suspension | None | object = eligibility.LOOK_UP,
) -> Booking:
    """Books `person` on `target`: confirmed when a seat is free, else waitlisted.
    `suspension`: the person's active suspension, when the caller loaded it.

    The one entry for every booking of a class (the class page, the kiosk, the
    desk). A childcare programme's class is booked under the programme's rules,
    exactly as on its own page (`programmes.book_day`): `target.activity.programme`
    is loaded with the activity on the busy path, so ordinary classes pay no query.

    Raises NotAllowed, Suspended, NotBookable, WindowNotOpen, WindowClosed, NotEligible
    (age, or a programme's grade, day limit or whole weeks), AlreadyBooked, Conflict
    or Full.
    """
    eligibility.check_actor(by, person)
    programme = target.activity.programme
    if programme is not None:
        return book_day(programme, person, target, by=by, channel=channel, now=now)
    return place_booking(person, target, by=by, channel=channel, now=now, suspension=suspension)
