"""A household's request to be deleted: a guardian asks (an adult of the household,
on their own account; or staff record it for a guardian standing at the desk), staff
confirm it at the desk, and it runs at once as anonymisation of every member, the
job's own function (anonymise.py). Confirming is audited as
`privacy.delete_request`, declining as `privacy.delete_declined`. Staff cannot
confirm a deletion nobody asked for: a request must be waiting."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import select, update

from app.database import add_if_new
from app.extensions import db
from app.models import (
    ApplicationStatus,
    DeletionRequest,
    DeletionStatus,
    Household,
    LotteryApplication,
    Person,
    PrivacyHold,
    User,
)
from app.services import audit
from app.services.booking.cancel import cancel_booking
from app.services.booking.targets import Target
from app.services.privacy.anonymise import anonymise_person, live_bookings_of
from app.services.refusals import NotAllowed, PrivacyRefused, ReasonRequired
from app.timeutil import local_date

CONFIRMED, DECLINED = "privacy.delete_request", "privacy.delete_declined"


def may_request(user: User, household: Household, now: datetime) -> bool:
    """A guardian (an adult resident of the household) on their own account, or staff
    at the desk."""
    if user.is_staff:
        return True
    return (
        user.role == "resident"
        and user.household_id == household.id
        and user.person.is_adult_on(local_date(now))
    )


def pending_request(household_id: int) -> DeletionRequest | None:
    return db.session.scalar(
        select(DeletionRequest).where(
            DeletionRequest.household_id == household_id,
            DeletionRequest.status == DeletionStatus.PENDING,
        )
    )


def request_deletion(household: Household, *, by: User, now: datetime) -> DeletionRequest:
    """Records the request (one waiting per household: asking again returns it).
    Raises NotAllowed unless `may_request`, PrivacyRefused when already anonymised."""
    if not may_request(by, household, now):
        raise NotAllowed()
    if household.anonymised_at is not None:
        raise PrivacyRefused(_l("This household's records have already been deleted."))
    row = DeletionRequest(
        household_id=household.id,
        requested_by_id=by.id,
        requested_at=now,
        status=DeletionStatus.PENDING,
    )
    if not add_if_new(row):
        return pending_request(household.id)
    db.session.flush()
    return row


def _decide(request: DeletionRequest, status: str, *, by: User, now: datetime) -> None:
    changed = db.session.execute(
        update(DeletionRequest)
        .where(DeletionRequest.id == request.id, DeletionRequest.status == DeletionStatus.PENDING)
        .values(status=status, decided_by_id=by.id, decided_at=now)
        .execution_options(synchronize_session=False)
    ).rowcount
    if changed != 1:
        raise PrivacyRefused(_l("This request is no longer waiting."))
    db.session.expire(request)


def withdraw_request(request: DeletionRequest, *, by: User, now: datetime) -> None:
    """The household takes its request back. Raises NotAllowed (another household),
    PrivacyRefused (no longer waiting)."""
    if by.household_id != request.household_id or by.role != "resident":
        raise NotAllowed()
    _decide(request, DeletionStatus.WITHDRAWN, by=by, now=now)


def decline_request(request: DeletionRequest, reason: str, *, by: User, now: datetime) -> None:
    """Staff decline a request (the guardian changed their mind at the desk, or it
    was not theirs to make); audited with the reason. Raises NotAllowed,
    ReasonRequired, PrivacyRefused."""
    if not by.is_staff:
        raise NotAllowed()
    if not (reason or "").strip():
        raise ReasonRequired()
    _decide(request, DeletionStatus.WITHDRAWN, by=by, now=now)
    audit.record(by, DECLINED, request.household, now, reason=reason.strip())


def bookings_ahead(household_id: int, now: datetime) -> list:
    """The household's live bookings with a session still to come: a confirmed
    deletion cancels them (the desk's page lists them first)."""
    return [
        booking
        for booking in live_bookings_of(household_id)
        if Target.of_booking(booking).first_start_after(now) is not None
    ]


def confirm_deletion(request: DeletionRequest, *, by: User, now: datetime) -> int:
    """Staff confirm a waiting request at the desk: the household's bookings still
    ahead are cancelled (their seats go to the waiting list), its open lottery
    applications withdrawn, and every member anonymised at once. Audited. Returns
    how many people were anonymised. Raises NotAllowed (not staff), PrivacyRefused
    (not waiting, or a member is on hold: release the hold first)."""
    if not by.is_staff:
        raise NotAllowed()
    members = list(
        db.session.scalars(
            select(Person).where(Person.household_id == request.household_id).order_by(Person.id)
        )
    )
    held = select(PrivacyHold.id).where(PrivacyHold.person_id.in_([p.id for p in members]))
    if db.session.scalar(held.limit(1)) is not None:
        raise PrivacyRefused(
            _l("Someone in this household is on hold. Release the hold first, if that is right.")
        )
    _decide(request, DeletionStatus.CONFIRMED, by=by, now=now)
    for booking in bookings_ahead(request.household_id, now):
        cancel_booking(booking, by=by, now=now)
    db.session.execute(
        update(LotteryApplication)
        .where(
            LotteryApplication.household_id == request.household_id,
            LotteryApplication.status == ApplicationStatus.APPLIED,
        )
        .values(status=ApplicationStatus.WITHDRAWN)
        .execution_options(synchronize_session=False)
    )
    done = sum(anonymise_person(p, now=now, by=by, why="request") for p in members)
    audit.record(
        by, CONFIRMED, request.household, now, after={"request": request.id, "people": done}
    )
    db.session.flush()
    return done


@dataclass
class Waiting:
    """One waiting request on the staff page, as finished values."""

    request: DeletionRequest
    household: Household
    people: int
    asked_at_desk: bool


def waiting_requests() -> list[Waiting]:
    rows = db.session.scalars(
        select(DeletionRequest)
        .where(DeletionRequest.status == DeletionStatus.PENDING)
        .order_by(DeletionRequest.requested_at, DeletionRequest.id)
    )
    return [
        Waiting(
            request=row,
            household=row.household,
            people=len(row.household.members),
            asked_at_desk=row.requested_by is not None and row.requested_by.is_staff,
        )
        for row in rows
    ]
