"""The lobby kiosk: calling staff, and how long a kiosk login may stay idle."""

from __future__ import annotations

from datetime import datetime, timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import select, update

from app.extensions import db
from app.models import HelpRequest, Person, Role, User
from app.services.errors import BookingError

# The browser asks "still there?" after IDLE_PROMPT and logs out IDLE_ANSWER later;
# the server refuses a kiosk login idle for longer than both, JavaScript or not.
IDLE_PROMPT = timedelta(seconds=90)
IDLE_ANSWER = timedelta(seconds=20)
IDLE_LIMIT = IDLE_PROMPT + IDLE_ANSWER


def idle_settings() -> dict:
    """The browser's idle prompt, in seconds (kiosk pages, error pages included)."""
    return {
        "prompt": int(IDLE_PROMPT.total_seconds()),
        "answer": int(IDLE_ANSWER.total_seconds()),
        "limit": int(IDLE_LIMIT.total_seconds()),
    }


class AlreadyHandled(BookingError):
    code = "already_handled"

    @staticmethod
    def default_message():
        return _l("Someone has already helped here.")


class KioskActor:
    """The kiosk user as services see them: a resident acting for their own
    household, whatever their account's role. Staff and teachers get no desk rights
    at a shared screen (no booking after the window or for a lottery, no lifting of
    a suspension, no acting for other households)."""

    role = Role.RESIDENT
    is_staff = False

    def __init__(self, user: User):
        self.user = user
        self.id = user.id
        self.person = user.person
        self.person_id = user.person_id
        self.household_id = user.household_id

    def may_act_for(self, person: Person) -> bool:
        return person.household_id == self.household_id


def is_idle_too_long(last_seen: datetime | None, now: datetime) -> bool:
    return last_seen is not None and now - last_seen > IDLE_LIMIT


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


def week_for(person, now: datetime):
    """This week's sessions the person may book, each with whether they already have it."""
    from app.models import LIVE_STATUSES, Booking
    from app.services import catalogue, eligibility
    from app.services.targets import Target

    mine = {
        (activity_id, session_id)
        for activity_id, session_id in db.session.execute(
            select(Booking.activity_id, Booking.session_id).where(
                Booking.person_id == person.id, Booking.status.in_(LIVE_STATUSES)
            )
        )
    }
    rows = []
    for entry in catalogue.week_entries(now, catalogue.Filters()):
        target = Target.of(entry.activity, entry.session)
        try:
            eligibility.check_person(person, target, now)
        except BookingError:
            continue
        key = (entry.activity.id, target.session.id if target.session else None)
        rows.append((entry, key in mine))
    return rows
