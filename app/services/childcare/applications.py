"""Lottery applications: applying for days and withdrawing, while applications are open."""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select, update

from app.database import add_if_new
from app.extensions import db
from app.formatting import lazy_when
from app.models import (
    Allocation,
    ApplicationStatus,
    LotteryApplication,
    Person,
    Programme,
    Session,
    User,
)
from app.services.booking import eligibility
from app.services.booking.place import check_free_to_book
from app.services.booking.targets import Target
from app.services.childcare.grades import check_grade
from app.services.childcare.submissions import (
    Outcome,
    check_day_limit,
    lock_people,
    refused_outcome,
)
from app.services.refusals import (
    AlreadyApplied,
    Conflict,
    NotEligible,
    Refusal,
    WindowClosed,
    WindowNotOpen,
)

# --- applying -------------------------------------------------------------------


def applied_days(programme: Programme, person: Person) -> int:
    return db.session.scalar(
        select(func.count(LotteryApplication.id)).where(
            LotteryApplication.programme_id == programme.id,
            LotteryApplication.person_id == person.id,
            LotteryApplication.status == ApplicationStatus.APPLIED,
        )
    )


def _check_application_window(programme: Programme, now: datetime) -> None:
    activity = programme.activity
    if activity.allocation != Allocation.LOTTERY:
        raise NotEligible(_l("This programme is first come, first served: please book instead."))
    if eligibility.window_state(activity, now).not_open:
        raise WindowNotOpen(_l("Applications open on %(when)s.", when=lazy_when(activity.opens_at)))
    if applications_closed(programme, now):
        raise WindowClosed(_l("Applications have closed. The places are being drawn."))


def applications_closed(programme: Programme, now: datetime) -> bool:
    """Once drawn, once the window closed, or once the seed is fixed (a lottery
    without a closing time), applications can neither be made nor withdrawn: what
    is drawn is fixed before the seed is."""
    return (
        programme.drawn_at is not None
        or programme.seed_sha256 is not None
        or eligibility.window_state(programme.activity, now).closed
    )


def apply_days(
    programme: Programme,
    pairs: list[tuple[Person, Session]],
    *,
    together: bool = False,
    by: User,
    now: datetime,
) -> list[Outcome]:
    """Records an application per (child, slot); siblings applying together for a
    slot are drawn as one unit. Refusals are outcomes, one per pair."""
    _check_application_window(programme, now)
    lock_people(p for p, _ in pairs)
    slot_of = {s.session_id: s for s in programme.slots}
    outcomes: list[Outcome] = []
    counted: dict[int, int] = {}
    per_slot = defaultdict(list)
    for person, session in pairs:
        per_slot[session.id].append(person)
    for person, session in sorted(pairs, key=lambda p: (p[1].starts_at, p[1].id, p[0].id)):
        try:
            slot = slot_of.get(session.id)
            target = Target.of(programme.activity, session)
            if slot is None:
                raise Refusal()
            eligibility.check_actor(by, person)
            eligibility.check_bookable(target, now)
            # Booking's own rule (age, booked already, busy then); the draw asks it again.
            check_free_to_book(person, target, now)
            check_grade(programme, person, slot.day)
            _check_overlap(programme, person, session)
            check_day_limit(programme, person, counted, applied_days)
            siblings = [p for p in per_slot[session.id] if p.household_id == person.household_id]
            key = f"h{person.household_id}" if together and len(siblings) > 1 else None
            _upsert_application(programme, person, session, key, by, now)
            if programme.per_child_limit is not None:
                counted[person.id] += 1
        except Refusal as refusal:
            outcomes.append(refused_outcome(person, session, refusal))
            continue
        outcomes.append(Outcome(person, session, ApplicationStatus.APPLIED))
    return outcomes


def _check_overlap(programme: Programme, person: Person, session: Session) -> None:
    """A child cannot apply for a morning and a full day on the same day."""
    rows = db.session.scalars(
        select(Session)
        .join(LotteryApplication, LotteryApplication.session_id == Session.id)
        .where(
            LotteryApplication.person_id == person.id,
            LotteryApplication.status == ApplicationStatus.APPLIED,
            LotteryApplication.session_id != session.id,
            Session.starts_at < session.ends_at,
            Session.ends_at > session.starts_at,
        )
    )
    if next(iter(rows), None) is not None:
        raise Conflict(
            _l("%(name)s has already applied for another slot at that time.", name=person.name)
        )


def _upsert_application(programme, person, session, key, by, now) -> LotteryApplication:
    existing = db.session.scalar(
        select(LotteryApplication).where(
            LotteryApplication.session_id == session.id,
            LotteryApplication.person_id == person.id,
        )
    )
    if existing is not None:
        if existing.status == ApplicationStatus.APPLIED:
            raise AlreadyApplied()
        existing.status = ApplicationStatus.APPLIED
        existing.together_key, existing.created_at, existing.applied_by_id = key, now, by.id
        return existing
    application = LotteryApplication(
        programme_id=programme.id,
        session_id=session.id,
        person_id=person.id,
        household_id=person.household_id,
        together_key=key,
        applied_by_id=by.id,
        created_at=now,
    )
    if not add_if_new(application):
        raise AlreadyApplied()
    return application


def withdraw_application(application: LotteryApplication, *, by: User, now: datetime) -> None:
    """Withdraws an application before the draw. Raises NotAllowed or WindowClosed."""
    person = db.session.get(Person, application.person_id)
    eligibility.check_actor(by, person)
    programme = db.session.get(Programme, application.programme_id)
    if applications_closed(programme, now):
        raise WindowClosed(_l("This application can no longer be withdrawn."))
    changed = db.session.execute(
        update(LotteryApplication)
        .where(
            LotteryApplication.id == application.id,
            LotteryApplication.status == ApplicationStatus.APPLIED,
        )
        .values(status=ApplicationStatus.WITHDRAWN)
        .execution_options(synchronize_session=False)
    ).rowcount
    db.session.expire(application)
    if not changed:
        raise WindowClosed(_l("This application can no longer be withdrawn."))


def household_applications(programme: Programme, household_id: int) -> list[LotteryApplication]:
    return list(
        db.session.scalars(
            select(LotteryApplication)
            .join(Session, LotteryApplication.session_id == Session.id)
            .where(
                LotteryApplication.programme_id == programme.id,
                LotteryApplication.household_id == household_id,
            )
            .order_by(Session.starts_at, LotteryApplication.person_id)
        )
    )
