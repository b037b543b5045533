"""The kiosk's part of attendance: today's sessions for a visitor, check-in and drop-in."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, or_, select
from sqlalchemy.orm import selectinload

from app.extensions import db
from app.formatting import lazy_when
from app.inputs import ascii_digits, fold
from app.models import (
    LIVE_STATUSES,
    Activity,
    ActivityStatus,
    Attendance,
    AttendanceStatus,
    Booking,
    BookingStatus,
    Channel,
    Person,
    Session,
    SessionStatus,
    User,
)
from app.services.attendance.leave import leave_session_ids, leave_still_open
from app.services.attendance.marking import PRESENT_STATUSES, attendance_of, set_status
from app.services.attendance.roster import covering_booking, int_setting
from app.services.booking import catalogue, eligibility
from app.services.booking.book import book
from app.services.booking.place import check_free_to_book, insert_booking
from app.services.booking.seats import claim_seat, needs_seat
from app.services.booking.targets import Target, booking_covers
from app.services.people.login import normalise_phone
from app.services.refusals import (
    Full,
    NotBookable,
    OutsideTime,
    Refusal,
)
from app.timeutil import local_date, local_day_bounds

# --- the kiosk ---------------------------------------------------------------


@dataclass
class KioskEntry:
    session: Session
    person: Person
    booking: Booking | None
    attendance: Attendance | None
    on_leave: bool
    seats_left: int = 0
    # A booking that leave may still be taken for (the session has not started).
    leave_open: bool = False
    # Leave that may still be taken back (我又能来了: the session has not started).
    back_open: bool = False

    @property
    def checked_in(self) -> bool:
        return self.attendance is not None and self.attendance.status in PRESENT_STATUSES


def _today_sessions(now: datetime) -> list[Session]:
    start, end = local_day_bounds(local_date(now))
    return list(
        db.session.scalars(
            select(Session)
            .join(Activity)
            .options(selectinload(Session.activity))
            .where(
                Activity.status == ActivityStatus.PUBLISHED,
                Session.status == SessionStatus.SCHEDULED,
                Session.starts_at >= start,
                Session.starts_at < end,
                Session.ends_at > now,
            )
            .order_by(Session.starts_at)
        )
    )


def kiosk_today(user: User, now: datetime) -> tuple[list[KioskEntry], list[KioskEntry]]:
    """Today's sessions of the kiosk user's household: (booked, open for drop-in).
    The household's bookings, marks and leaves on all of them are read at once."""
    members = list(
        db.session.scalars(
            select(Person).where(Person.household_id == user.household_id).order_by(Person.id)
        )
    )
    sessions = _today_sessions(now)
    member_ids = [m.id for m in members]
    bookings = _household_bookings_on(member_ids, sessions)
    marks = _household_marks_on(member_ids, sessions)
    leaves = leave_session_ids(member_ids, [s.id for s in sessions])
    seats_of = catalogue.seats_left_of(sessions)
    booked: list[KioskEntry] = []
    drop_ins: list[KioskEntry] = []
    for session in sessions:
        expected = {b.person_id: b for b in bookings if _holds_place(b, session)}
        seats = seats_of[session.id]
        for person in members:
            entry = KioskEntry(
                session,
                person,
                expected.get(person.id),
                marks.get((person.id, session.id)),
                (person.id, session.id) in leaves,
                seats,
                leave_open=person.id in expected and leave_still_open(session, now),
                back_open=(person.id, session.id) in leaves and leave_still_open(session, now),
            )
            if entry.booking is not None or entry.attendance is not None or entry.on_leave:
                booked.append(entry)
            elif seats > 0 and person.id == user.person_id and _may_join(person, session, now):
                drop_ins.append(entry)
    return booked, drop_ins


def _household_bookings_on(person_ids: list[int], sessions: list[Session]) -> list[Booking]:
    """The people's confirmed bookings of any of the sessions or of their terms."""
    if not person_ids or not sessions:
        return []
    return list(
        db.session.scalars(
            select(Booking).where(
                Booking.person_id.in_(person_ids),
                Booking.status == BookingStatus.CONFIRMED,
                or_(
                    Booking.session_id.in_([s.id for s in sessions]),
                    and_(
                        Booking.session_id.is_(None),
                        Booking.activity_id.in_({s.activity_id for s in sessions}),
                    ),
                ),
            )
        )
    )


def _holds_place(booking: Booking, session: Session) -> bool:
    """`roster.holds_place_on` for a confirmed booking already loaded: no statement."""
    if not booking_covers(booking, session):
        return False
    return booking.session_id is not None or (
        booking.confirmed_at is not None and booking.confirmed_at < session.ends_at
    )


def _household_marks_on(
    person_ids: list[int], sessions: list[Session]
) -> dict[tuple[int, int], Attendance]:
    if not person_ids or not sessions:
        return {}
    rows = db.session.scalars(
        select(Attendance).where(
            Attendance.person_id.in_(person_ids),
            Attendance.session_id.in_([s.id for s in sessions]),
        )
    )
    return {(a.person_id, a.session_id): a for a in rows}


def _may_join(person: Person, session: Session, now: datetime) -> bool:
    """Drop-ins offered on the kiosk: only classes the person could book (an elder
    is not offered the children's after-school club)."""
    try:
        eligibility.check_person(person, Target(session.activity, session), now)
    except Refusal:
        return False
    return True


def kiosk_login_phone(who: str) -> str:
    """The phone number to log in with: typed as such, or found from the member
    number on a card (that person's own account)."""
    who = fold(who)
    if ascii_digits(who) is not None and len(who) <= 7:
        # The kiosk keypad has digits only: a short number is a member card number.
        who = f"ZX{int(who):06d}"
    if who[:2].upper() == "ZX":
        phone = db.session.scalar(
            select(User.phone)
            .join(Person, Person.id == User.person_id)
            .where(Person.member_no == who.upper())
        )
        return phone or who.upper()
    return normalise_phone(who)


def _check_kiosk_time(session: Session, now: datetime) -> None:
    if session.status != SessionStatus.SCHEDULED:
        raise NotBookable(_l("This session has been cancelled."))
    opens = session.starts_at - timedelta(minutes=int_setting("CHECK_IN_OPENS_MINUTES"))
    if now < opens:
        raise OutsideTime(_l("Check-in opens at %(when)s.", when=lazy_when(opens, "time")))
    if session.is_over(now):
        raise OutsideTime(_l("This session is over."))


def drop_in(person: Person, session: Session, *, by: User, now: datetime) -> Booking:
    """Books a free seat for today's session on the spot (kiosk).

    Raises NotAllowed, Suspended, NotEligible, AlreadyBooked, Conflict or Full.
    """
    eligibility.check_actor(by, person)
    target = Target(session.activity, session)
    if session.activity.programme is not None:
        # A childcare day follows its programme's rules, on the spot as anywhere.
        booking = book(person, target, by=by, channel=Channel.KIOSK, now=now)
        if booking.status != BookingStatus.CONFIRMED:
            raise Full(_l("Sorry, there is no free seat in this session today."))
        return booking
    eligibility.check_not_suspended(person, by, now)
    check_free_to_book(person, target, now)
    if needs_seat(target, person.household_id) and not claim_seat(target, now):
        raise Full(_l("Sorry, there is no free seat in this session today."))
    return insert_booking(person, target, confirmed=True, channel=Channel.KIOSK, by=by, now=now)


@dataclass
class CheckIn:
    attendance: Attendance
    already: bool
    dropped_in: bool


def kiosk_check_in(person: Person, session: Session, *, by: User, now: datetime) -> CheckIn:
    """签到 at the kiosk: marks the person present with the time. Twice is harmless;
    without a booking it books a free seat first (drop-in). Only for the kiosk
    user's own household, staff included.

    Raises NotAllowed, NotBookable, OutsideTime, Full, Suspended, NotEligible.
    """
    eligibility.check_actor(by, person, household_only=True)
    if session.activity.status != ActivityStatus.PUBLISHED:
        raise NotBookable()
    _check_kiosk_time(session, now)
    existing = attendance_of(session, person)
    if existing is not None and existing.status in PRESENT_STATUSES:
        return CheckIn(existing, True, False)
    booking = covering_booking(session, person)
    dropped_in = False
    if booking is None and existing is None:
        booking = drop_in(person, session, by=by, now=now)
        dropped_in = True
    attendance, _changed = set_status(
        session,
        person,
        AttendanceStatus.PRESENT,
        by=by,
        now=now,
        source="kiosk",
        booking=booking,
    )
    return CheckIn(attendance, False, dropped_in)


def week_for(person, now: datetime, week: int = 0):
    """The classes of week `week` (0: the seven days from today) the person may book,
    each with whether they already have it: a term class once (the whole term); while
    the term is full, also each of its dates that week on its own (a seat freed by
    leave, or that date's waiting list), unless the person holds a place for the term."""
    mine = {
        (activity_id, session_id): status
        for activity_id, session_id, status in db.session.execute(
            select(Booking.activity_id, Booking.session_id, Booking.status).where(
                Booking.person_id == person.id, Booking.status.in_(LIVE_STATUSES)
            )
        )
    }
    entries = catalogue.week_entries(now, catalogue.Filters(), week=week)
    _load_sessions_of({e.activity.id for e in entries if e.activity.is_series})
    listed = []
    for entry in entries:
        target = Target.of(entry.activity, entry.session)
        try:
            eligibility.check_person(person, target, now)
        except Refusal:
            continue
        listed.append((entry, (entry.activity.id, target.session.id if target.session else None)))
    dates = _dates(
        [
            entry
            for entry, key in listed
            if entry.term is not None
            and entry.is_full
            and mine.get(key) in (None, BookingStatus.WAITLISTED)
        ],
        now,
    )
    rows = []
    for entry, key in listed:
        rows.append((entry, key in mine))
        rows.extend(
            (date, (entry.activity.id, date.session.id) in mine)
            for date in dates.get(entry.activity.id, [])
        )
    return rows


def _load_sessions_of(activity_ids: set[int]) -> None:
    """The sessions of the term classes listed, in one statement: the eligibility
    check reads a term's first date (`Target.first_start`), one class at a time."""
    if activity_ids:
        db.session.execute(
            select(Activity)
            .where(Activity.id.in_(activity_ids))
            .options(selectinload(Activity.sessions))
        ).all()


def _dates(terms: list[catalogue.Entry], now: datetime) -> dict[int, list[catalogue.Entry]]:
    """The coming dates of the term classes listed with them (by activity id), each
    as an entry of its own (one date), read together."""
    dates: dict[int, list[catalogue.Entry]] = {}
    coming = [s for entry in terms for s in entry.term_dates if s.starts_at > now]
    for date in catalogue.date_entries(coming):
        dates.setdefault(date.activity.id, []).append(date)
    return dates
