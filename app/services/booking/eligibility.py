"""Who may book what, and when: the actor, suspensions, the booking window and
the person's age and audience."""

from __future__ import annotations

from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, select

from app.extensions import db
from app.formatting import lazy_when
from app.models import (
    ActivityStatus,
    Allocation,
    Audience,
    Person,
    SessionStatus,
    Suspension,
    User,
)
from app.services.booking.targets import Target
from app.services.refusals import (
    NotAllowed,
    NotBookable,
    NotEligible,
    Suspended,
    WindowClosed,
    WindowNotOpen,
)
from app.timeutil import local_date

ELDER_AGE = 60


ADULT_AGE = 18


def check_actor(by: User, person: Person) -> None:
    """Raises NotAllowed unless `by` may act for `person`."""
    if not by.may_act_for(person):
        raise NotAllowed()


# Passed for `suspension` when the caller has not loaded it: it is looked up.
LOOK_UP = object()


def suspension_in_force(now: datetime):
    """SQL condition: the suspension row pauses booking at `now`."""
    return and_(
        Suspension.lifted_at.is_(None),
        Suspension.starts_at <= now,
        Suspension.ends_at > now,
    )


def active_suspension(person: Person, now: datetime) -> Suspension | None:
    return db.session.scalar(
        select(Suspension)
        .where(Suspension.person_id == person.id, suspension_in_force(now))
        .order_by(Suspension.ends_at.desc())
        .limit(1)
    )


def check_not_suspended(
    person: Person, by: User, now: datetime, suspension: Suspension | None | object = LOOK_UP
) -> None:
    """Raises Suspended while the person's online booking is paused for no-shows.

    Staff at the desk may still book for them. `suspension` is the person's active
    suspension (or None) when the caller loaded it with the rest of the request.
    """
    if by.is_staff:
        return
    if suspension is LOOK_UP:
        suspension = active_suspension(person, now)
    if suspension is not None:
        raise Suspended(
            _l(
                "%(name)s missed %(count)s booked classes without saying so, so booking "
                "online is paused until %(when)s. The front desk can still help you.",
                name=person.name,
                count=suspension.strikes,
                when=lazy_when(suspension.ends_at, "date"),
            )
        )


def check_bookable(target: Target, now: datetime) -> None:
    """Raises NotBookable when the class is not published, cancelled or over."""
    activity = target.activity
    if activity.status != ActivityStatus.PUBLISHED:
        raise NotBookable()
    if target.session is not None:
        if target.session.status != SessionStatus.SCHEDULED:
            raise NotBookable(_l("This session has been cancelled."))
        if target.session.starts_at <= now:
            raise NotBookable(_l("This session has already started."))
    elif target.last_end() is None or target.last_end() <= now:
        raise NotBookable(_l("This class has finished for the term."))


def check_window(target: Target, by: User, now: datetime) -> None:
    """Raises WindowNotOpen / WindowClosed outside the registration window.

    Staff at the desk may still book after the window closed, not before it opens.
    """
    activity = target.activity
    if activity.opens_at is not None and now < activity.opens_at:
        raise WindowNotOpen(_l("Booking opens on %(when)s.", when=lazy_when(activity.opens_at)))
    if activity.closes_at is not None and now >= activity.closes_at and not by.is_staff:
        raise WindowClosed()
    if activity.allocation == Allocation.LOTTERY and not by.is_staff:
        # Residents apply; after the draw the desk fills any seat left over.
        raise NotEligible(_l("Places for this class are drawn by lottery. Please apply instead."))


def check_person(person: Person, target: Target, now: datetime) -> None:
    """Raises NotEligible when the person's age does not fit the class."""
    activity = target.activity
    first = target.first_start() or now
    age = person.age_on(local_date(first))
    needs_age = (
        activity.min_age is not None
        or activity.max_age is not None
        or activity.audience in (Audience.ELDER, Audience.CHILD)
    )
    if needs_age and age is None:
        raise NotEligible(
            _l(
                "We need %(name)s's date of birth first. Please ask at the front desk.",
                name=person.name,
            )
        )
    if activity.audience == Audience.ELDER and age < ELDER_AGE and activity.min_age is None:
        raise NotEligible(_l("This class is for residents aged %(age)s and over.", age=ELDER_AGE))
    if activity.audience == Audience.CHILD and age >= ADULT_AGE and activity.max_age is None:
        raise NotEligible(_l("This class is for children."))
    if activity.min_age is not None and age < activity.min_age:
        raise NotEligible(
            _l(
                "%(name)s is too young for this class: it is for ages %(range)s.",
                name=person.name,
                range=age_range(activity),
            )
        )
    if activity.max_age is not None and age > activity.max_age:
        raise NotEligible(
            _l(
                "%(name)s is too old for this class: it is for ages %(range)s.",
                name=person.name,
                range=age_range(activity),
            )
        )


def age_range(activity) -> str:
    if activity.min_age is not None and activity.max_age is not None:
        return f"{activity.min_age}–{activity.max_age}"
    if activity.min_age is not None:
        return f"{activity.min_age}+"
    if activity.max_age is not None:
        return f"0–{activity.max_age}"
    return ""
