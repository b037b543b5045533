"""Leave (请假): saying ahead that one will miss a session of a booking; what it will
do (said before it is done); and 我又能来了, taking it back while the seat is free."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from app.database import add_if_new
from app.extensions import db
from app.models import (
    AttendanceChange,
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
from app.services.attendance.marking import attendance_of, set_status
from app.services.attendance.roster import covering_booking
from app.services.booking.cancel import cancel_booking, someone_waiting
from app.services.booking.eligibility import check_actor
from app.services.booking.place import live_booking
from app.services.booking.seats import claim_seat, date_seat_still_free, needs_seat
from app.services.booking.status import transition
from app.services.booking.targets import Target, booking_covers, covers_session
from app.services.booking.waitlist import promote_waitlist
from app.services.refusals import (
    AlreadyBooked,
    NotBookable,
    OutsideTime,
    SeatGone,
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
    booking: Booking, session: Session, *, by: User, now: datetime, channel: str = Channel.ONLINE
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


# --- what leave will do, and taking it back (我又能来了) ----------------------------


@dataclass(frozen=True)
class LeaveEffects:
    """What 请假 for one session will do, said before it is done."""

    booking: Booking
    session: Session
    whole_term: bool  # a term enrolment: only that date is given up
    passes_on: bool  # someone is waiting: the seat goes to them at once


def leave_effects(booking: Booking, session: Session) -> LeaveEffects:
    return LeaveEffects(
        booking=booking,
        session=session,
        whole_term=booking.session_id is None,
        passes_on=someone_waiting(Target(booking.activity, session)),
    )


def leave_effects_on(person: Person, session: Session) -> LeaveEffects:
    """`leave_effects` of the person's booking covering `session` (the kiosk).
    Raises NotBookable when there is none."""
    booking = covering_booking(session, person)
    if booking is None:
        raise NotBookable(_l("There is no booking to give up for this session."))
    return leave_effects(booking, session)


def come_back(person: Person, session: Session, *, by: User, now: datetime) -> Booking:
    """我又能来了: takes back the person's leave for `session` before it starts,
    while the seat given up is still free: a term enrolment holds that date again,
    a single-session booking is confirmed again (a seat claimed as any booking's).
    The excused mark the leave made goes too. Returns the booking.

    Raises NotAllowed, OutsideTime, NotBookable (no leave to take back), SeatGone
    (the seat went to someone else: nothing changes), AlreadyBooked.
    """
    check_actor(by, person)
    if session.status != SessionStatus.SCHEDULED or not leave_still_open(session, now):
        raise OutsideTime(
            _l("This session has already started, so leave can no longer be taken back.")
        )
    leave = db.session.scalar(
        select(Leave).where(Leave.session_id == session.id, Leave.person_id == person.id)
    )
    if leave is None:
        raise NotBookable(_l("There is no leave to take back for this session."))
    booking = leave.booking
    if booking.session_id is None:
        if booking.status != BookingStatus.CONFIRMED:
            raise NotBookable(_l("This booking has been cancelled."))
        if not date_seat_still_free(session):
            raise SeatGone()
    else:
        _confirm_again(booking, now)
    _undo_excused(session, person, by=by, now=now)
    db.session.delete(leave)
    db.session.flush()
    return booking


def _confirm_again(booking: Booking, now: datetime) -> None:
    """A single-session booking cancelled by leave holds a seat again, if one is free."""
    target = Target.of_booking(booking)
    if live_booking(booking.person, target) is not None:
        raise AlreadyBooked()
    if needs_seat(target, booking.household_id, exclude_id=booking.id) and not claim_seat(
        target, now
    ):
        raise SeatGone()
    values = {
        "status": BookingStatus.CONFIRMED,
        "cancelled_at": None,
        "cancelled_by_id": None,
        "late_cancel": False,
    }
    if not transition(booking, (BookingStatus.CANCELLED,), values):
        raise NotBookable(_l("This booking has changed meanwhile. Please look again."))


def _undo_excused(session: Session, person: Person, *, by: User, now: datetime) -> None:
    """The mark leave made goes: the row, when leave made it (nothing else marked
    the person), else back to the mark it had before."""
    attendance = attendance_of(session, person)
    if attendance is None or attendance.status != AttendanceStatus.EXCUSED:
        return
    changes = list(
        db.session.scalars(
            select(AttendanceChange)
            .where(AttendanceChange.attendance_id == attendance.id)
            .order_by(AttendanceChange.changed_at, AttendanceChange.id)
        )
    )
    last = changes[-1] if changes else None
    if last is None or last.source != "leave":
        return
    if last.from_status is None and len(changes) == 1:
        db.session.delete(last)
        db.session.flush()
        db.session.delete(attendance)
        return
    if last.from_status is not None:
        set_status(
            session,
            person,
            last.from_status,
            by=by,
            now=now,
            source="leave",
            booking=None,
        )
