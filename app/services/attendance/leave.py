"""Leave (请假): saying ahead that one will miss a session of a booking."""

from __future__ import annotations

from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from app.database import add_if_new
from app.extensions import db
from app.models import (
    AttendanceStatus,
    Booking,
    BookingStatus,
    Channel,
    Leave,
    Person,
    Session,
    SessionStatus,
    User,
)
from app.services.attendance.marking import set_status
from app.services.attendance.roster import covering_booking
from app.services.booking.cancel import cancel_booking
from app.services.booking.eligibility import check_actor
from app.services.booking.targets import Target, booking_covers, covers_session
from app.services.booking.waitlist import promote_waitlist
from app.services.refusals import (
    AlreadyBooked,
    NotBookable,
    OutsideTime,
)

# --- leave (请假) ------------------------------------------------------------


def coming_sessions_of(booking: Booking, now: datetime, limit: int = 6) -> list[Session]:
    """The next sessions a confirmed booking covers, for choosing a date of leave."""
    query = (
        select(Session)
        .join(Booking, covers_session())
        .where(
            Booking.id == booking.id,
            Session.status == SessionStatus.SCHEDULED,
            Session.starts_at > now,
        )
    )
    return list(db.session.scalars(query.order_by(Session.starts_at).limit(limit)))


def leave_choices(bookings: list[Booking], now: datetime) -> dict[int, list[tuple[Session, bool]]]:
    """For each confirmed booking, its coming sessions and whether leave is taken
    (two statements for the whole list, however long)."""
    confirmed = [b for b in bookings if b.status == BookingStatus.CONFIRMED]
    coming = coming_sessions_of_each(confirmed, now)
    taken = leave_session_ids(
        list({b.person_id for b in confirmed}),
        list({s.id for sessions in coming.values() for s in sessions}),
    )
    return {
        b.id: [(s, (b.person_id, s.id) in taken) for s in coming.get(b.id, [])] for b in confirmed
    }


def coming_sessions_of_each(
    bookings: list[Booking], now: datetime, limit: int = 6
) -> dict[int, list[Session]]:
    """`coming_sessions_of` for several bookings in one statement, by booking id."""
    if not bookings:
        return {}
    rows = db.session.execute(
        select(Booking.id, Session)
        .join(Booking, covers_session())
        .where(
            Booking.id.in_([b.id for b in bookings]),
            Session.status == SessionStatus.SCHEDULED,
            Session.starts_at > now,
        )
        .order_by(Session.starts_at, Session.id)
    )
    coming: dict[int, list[Session]] = {}
    for booking_id, session in rows:
        sessions = coming.setdefault(booking_id, [])
        if len(sessions) < limit:
            sessions.append(session)
    return coming


def leave_session_ids(person_ids: list[int], session_ids: list[int]) -> set[tuple[int, int]]:
    if not person_ids or not session_ids:
        return set()
    rows = db.session.execute(
        select(Leave.person_id, Leave.session_id).where(
            Leave.person_id.in_(person_ids), Leave.session_id.in_(session_ids)
        )
    )
    return {(p, s) for p, s in rows}


def leave_still_open(session: Session, now: datetime) -> bool:
    """Leave can be taken for a session until it starts (`coming_sessions_of`
    offers only such sessions)."""
    return session.starts_at > now


def take_leave_on(person: Person, session: Session, *, by: User, now: datetime) -> Leave:
    """请假 at the kiosk: the person's confirmed booking covering `session` (for that
    date, or the term) is given up for that date. Raises NotBookable when there is
    none, and what `take_leave` raises."""
    booking = covering_booking(session, person)
    if booking is None:
        raise NotBookable(_l("There is no booking to give up for this session."))
    return take_leave(booking, session, by=by, now=now, channel=Channel.KIOSK)


def take_leave(
    booking: Booking, session: Session, *, by: User, now: datetime, channel: str = Channel.PHONE
) -> Leave:
    """请假: the person cannot come to `session`. A single-session booking is
    cancelled (its seat goes to the waitlist at once); a term enrolment frees that
    one date's seat for a drop-in or a one-time waitlisted person.

    Raises NotAllowed, NotBookable, OutsideTime, AlreadyBooked (leave already taken).
    """
    check_actor(by, booking.person)
    if booking.status != BookingStatus.CONFIRMED:
        raise NotBookable(_l("Only a confirmed place can be given up for one day."))
    if not booking_covers(booking, session) or session.status != SessionStatus.SCHEDULED:
        raise NotBookable(_l("This booking does not cover that session."))
    if not leave_still_open(session, now):
        raise OutsideTime(_l("This session has already started, so leave can no longer be taken."))
    leave = Leave(
        session_id=session.id,
        person_id=booking.person_id,
        booking_id=booking.id,
        channel=channel,
        created_by_id=by.id,
        created_at=now,
    )
    if not add_if_new(leave):
        raise AlreadyBooked(_l("Leave for this session has already been taken."))
    set_status(
        session,
        booking.person,
        AttendanceStatus.EXCUSED,
        by=by,
        now=now,
        source="leave",
        booking=booking,
    )
    if booking.session_id is not None:
        cancel_booking(booking, by=by, now=now)
    else:
        promote_waitlist(Target(booking.activity, session), now=now)
    return leave
