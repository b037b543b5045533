"""Who may book what, and when: the actor, suspensions, the booking window and
the person's age and audience."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from functools import cache

from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, bindparam, select

from app import database
from app.extensions import db
from app.formatting import lazy_when
from app.models import (
    Activity,
    ActivityStatus,
    Allocation,
    Audience,
    Person,
    Session,
    SessionInvitation,
    SessionStatus,
    Suspension,
    User,
)
from app.models.people import ADULT_AGE, ELDER_AGE
from app.services.booking.targets import Target
from app.services.privacy.consent import check_consent
from app.services.refusals import (
    NotAllowed,
    NotBookable,
    NotEligible,
    Suspended,
    WindowClosed,
    WindowNotOpen,
)
from app.timeutil import local_date


def check_actor(by: User, person: Person, *, household_only: bool = False) -> None:
    """Raises NotAllowed unless `by` may act for `person` (`User.may_act_for`, THE
    rule): every service checks every act with it, so booking, cancelling, leave,
    offers, applications and check-in can never answer differently. The kiosk passes
    a `KioskActor`, which acts for its household only; `household_only` asks the same
    of a plain user."""
    if not by.may_act_for(person, household_only=household_only):
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


def suspensions_in_force(
    person_ids: Iterable[int], now: datetime, *, lock: bool = False
) -> dict[int, Suspension]:
    """`active_suspension` of many people in one query, by person id (only those
    with one). `lock`: on a database server the people's rows are locked in the
    same statement, in id order, until the commit (what `lock_people` of
    childcare submissions does). The suspensions are then read as they were when
    the statement began, before any wait for the lock: no booking transaction
    writes one, so what another submission did is not missed; one that staff
    record during that moment is, as it would be a moment earlier."""
    ids = sorted(set(person_ids))
    if not ids:
        return {}
    found: dict[int, Suspension] = {}
    params = {"ids": ids, "now": now}
    if lock and not database.reads_hold_the_write_lock(db.engine):
        rows = db.session.execute(_locking_suspensions_query(), params)
        suspensions = (suspension for _, suspension in rows if suspension is not None)
    else:
        suspensions = db.session.scalars(_suspensions_query(), params)
    for suspension in suspensions:
        found[suspension.person_id] = suspension  # the one ending last comes last
    return found


@cache
def _locking_suspensions_query():
    return (
        select(Person.id, Suspension)
        .outerjoin(
            Suspension,
            and_(Suspension.person_id == Person.id, suspension_in_force(bindparam("now"))),
        )
        .where(Person.id.in_(bindparam("ids", expanding=True)))
        .order_by(Person.id, Suspension.ends_at)
        .with_for_update(of=Person)
    )


@cache
def _suspensions_query():
    return (
        select(Suspension)
        .where(
            Suspension.person_id.in_(bindparam("ids", expanding=True)),
            suspension_in_force(bindparam("now")),
        )
        .order_by(Suspension.ends_at)
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


class WindowPhase(StrEnum):
    NOT_OPEN = "not_open"
    OPEN = "open"
    CLOSED = "closed"


@dataclass(frozen=True)
class WindowState:
    """Where an activity's registration window stands at one moment, with its dates:
    what the booking rules enforce and what the class page says, from one answer."""

    phase: WindowPhase
    opens_at: datetime | None
    closes_at: datetime | None
    # Whole seconds until it opens (the programme page's countdown); 0 once open.
    seconds_to_open: int = 0

    @property
    def not_open(self) -> bool:
        return self.phase == WindowPhase.NOT_OPEN

    @property
    def closed(self) -> bool:
        return self.phase == WindowPhase.CLOSED

    @property
    def label(self):
        """What a resident is told: when it opens, or that it closed; "" while open.
        Also the message of the refusal `check_window` raises."""
        if self.not_open:
            return _l("Booking opens on %(when)s.", when=lazy_when(self.opens_at))
        if self.closed:
            return WindowClosed.default_message()
        return ""


def window_state(
    activity: Activity, now: datetime, *, invited_at: datetime | None = None
) -> WindowState:
    """The registration window of `activity` at `now`: not open yet (before
    `opens_at`), closed (from `closes_at` on), else open. No dates: always open.
    `invited_at`: the person asking was invited to the session then (a reserved
    window, `SessionInvitation`): for them it is open from that moment."""
    opens_at, closes_at = activity.opens_at, activity.closes_at
    reserved = invited_at is not None and invited_at <= now
    if opens_at is not None and now < opens_at and not reserved:
        seconds = int((opens_at - now).total_seconds())
        return WindowState(WindowPhase.NOT_OPEN, opens_at, closes_at, seconds)
    if closes_at is not None and now >= closes_at:
        return WindowState(WindowPhase.CLOSED, opens_at, closes_at)
    return WindowState(WindowPhase.OPEN, opens_at, closes_at)


def invitation_time(session: Session | None, person: Person | None) -> datetime | None:
    """When `person` was invited to `session` (its reserved window), or None."""
    if session is None or person is None:
        return None
    return db.session.scalar(
        select(SessionInvitation.invited_at).where(
            SessionInvitation.session_id == session.id,
            SessionInvitation.person_id == person.id,
        )
    )


def check_window(target: Target, by: User, now: datetime, person: Person | None = None) -> None:
    """Raises WindowNotOpen / WindowClosed outside the registration window
    (`window_state`), with the sentence the class page shows. Before it opens, a
    `person` invited to the session may already book it (`invitation_time`).

    Staff at the desk may still book after the window closed, not before it opens.
    """
    activity = target.activity
    window = window_state(activity, now)
    if window.not_open:
        # Read only while the window is shut: an open window costs no query.
        window = window_state(activity, now, invited_at=invitation_time(target.session, person))
    if window.not_open:
        raise WindowNotOpen(window.label)
    if window.closed and not by.is_staff:
        raise WindowClosed(window.label)
    if activity.allocation == Allocation.LOTTERY and not by.is_staff:
        # Residents apply; after the draw the desk fills any seat left over.
        raise NotEligible(_l("Places for this class are drawn by lottery. Please apply instead."))


def check_person(
    person: Person,
    target: Target,
    now: datetime,
    *,
    consents: dict[int, set[str]] | None = None,
) -> None:
    """Raises NotEligible when the person's age does not fit the class, NoConsent
    for a child under 14 without a guardian's consent to booking records
    (`privacy.consent.check_consent`): every channel books through here (the
    class page, the kiosk, the desk, childcare days and lottery applications,
    walk-ins and waitlist promotion). `consents`: the consents in force of many
    children, read once by a caller deciding many pairs (`check_consent`)."""
    activity = target.activity
    day = local_date(target.first_start() or now)
    age = person.age_on(day)
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
    if activity.audience == Audience.CHILD and person.is_adult_on(day) and activity.max_age is None:
        raise NotEligible(_l("This class is for children."))
    if activity.min_age is not None and age < activity.min_age:
        raise NotEligible(
            _l(
                "%(name)s is too young for this class: it is for people aged %(range)s.",
                name=person.name,
                range=age_range(activity),
            )
        )
    if activity.max_age is not None and age > activity.max_age:
        raise NotEligible(
            _l(
                "%(name)s is too old for this class: it is for people aged %(range)s.",
                name=person.name,
                range=age_range(activity),
            )
        )
    check_consent(person, now, in_force=consents)


def age_bounds(activity: Activity) -> tuple[int | None, int | None]:
    """The youngest and oldest age the activity admits, with its audience's own
    bound where staff left the field blank: an elders' class is for 60 and over
    (ELDER_AGE), a children's class for under 18 (ADULT_AGE). `check_person` refuses
    outside these bounds; `age_range` says them."""
    low, high = activity.min_age, activity.max_age
    if low is None and activity.audience == Audience.ELDER:
        low = ELDER_AGE
    if high is None and activity.audience == Audience.CHILD:
        high = ADULT_AGE - 1
    return low, high


def age_range(activity: Activity):
    """The activity's age range as everyone reads it: "6 to 12 years", "60 years
    and over", "up to 12 years", or "" without one (`age_bounds`, the audience's
    bound included). The class page, the programme page and the age refusals of
    `check_person` all say it this way."""
    low, high = age_bounds(activity)
    if low is not None and high is not None:
        return _l("%(low)s to %(high)s years", low=low, high=high)
    if low is not None:
        return _l("%(low)s years and over", low=low)
    if high is not None:
        return _l("up to %(high)s years", high=high)
    return ""
