"""A month at the centre with known figures: October 2026, seeded row by row so that
every figure of the report can be counted by hand (tests/services/test_reports.py
says what each one must be, and why).

Times are the centre's (Asia/Shanghai, UTC+8). The calligraphy class starts at
07:00 local, which is 23:00 UTC the day before: an age or a month taken from the
UTC date would be wrong.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from app.extensions import db
from app.models import (
    Attendance,
    Audience,
    Booking,
    BookingStatus,
    Leave,
    PickupAttempt,
    Rating,
    Role,
    SessionHelper,
    SessionStatus,
    SlotKind,
    WelfareCall,
)
from app.services.childcare.programmes import create_programme
from app.services.schedule.activities import create_activity
from app.services.schedule.sessions import add_session
from app.timeutil import from_local


def local(day: date, hour: int, minute: int = 0) -> datetime:
    """A wall-clock time at the centre, as stored (naive UTC)."""
    return from_local(datetime.combine(day, time(hour, minute)))


@dataclass
class October:
    """What the seed made, by name."""

    teacher_a: object = None
    teacher_b: object = None
    staff: object = None
    people: dict = field(default_factory=dict)
    sessions: dict = field(default_factory=dict)
    activities: dict = field(default_factory=dict)


def _session(activity, day, start, minutes, status=SessionStatus.SCHEDULED):
    starts = local(day, *start)
    session = add_session(activity, starts, starts + timedelta(minutes=minutes))
    session.status = status
    return session


def seed_october(make) -> October:
    world = October()
    now = make.now
    world.teacher_a = make.user(role=Role.TEACHER, age=45)
    world.teacher_b = make.user(role=Role.TEACHER, age=50)
    world.staff = make.user(role=Role.STAFF, age=40)
    helper = make.user(age=30)

    h1 = make.household(name="一家", tags=("独居", "高龄"))
    h2 = make.household(name="二家", tags=("低保",))
    h3 = make.household(name="三家")
    h4 = make.household(name="四家", tags=("留守儿童",))
    h5 = make.household(name="五家")
    h6 = make.household(name="六家")
    p = world.people
    p["e1"] = make.person(household=h1, name="老一", birth_date=date(1951, 6, 1))
    # 59 until 27 October 2026, 60 from that day.
    p["e2"] = make.person(household=h2, name="老二", birth_date=date(1966, 10, 27))
    p["e3"] = make.person(household=h3, name="老三", birth_date=date(1940, 2, 2))
    p["c1"] = make.person(household=h4, name="小一", birth_date=date(2020, 3, 1))
    p["c2"] = make.person(household=h4, name="小二", birth_date=date(2014, 5, 5))
    p["w1"] = make.person(household=h5, name="路人", birth_date=date(1990, 1, 1))
    p["nb"] = make.person(household=h5, name="无生日", age=None)
    p["x1"] = make.person(household=h6, name="候补一", birth_date=date(1950, 1, 1))
    p["x2"] = make.person(household=h6, name="候补二", birth_date=date(1955, 1, 1))

    a = world.activities
    a["calligraphy"] = create_activity(
        now=now,
        title="书法班",
        title_en="Calligraphy",
        category="calligraphy",
        audience=Audience.ALL,
        capacity=10,
        teacher_id=world.teacher_a.id,
        room="书画室",
    )
    a["choir"] = create_activity(
        now=now,
        title="合唱团",
        category="choir",
        audience=Audience.ELDER,
        capacity=20,
        teacher_id=world.teacher_b.id,
        room="多功能厅",
        enrolment_unit="series",
    )
    a["event"] = create_activity(
        now=now, title="夜场晚会", category="event", audience=Audience.ALL, capacity=5, room="大厅"
    )
    s = world.sessions
    cal = a["calligraphy"]
    s["sep"] = _session(cal, date(2026, 9, 29), (7, 0), 90)
    s["s1"] = _session(cal, date(2026, 10, 6), (7, 0), 90)
    s["s2"] = _session(cal, date(2026, 10, 13), (7, 0), 90)
    s["sx"] = _session(cal, date(2026, 10, 20), (7, 0), 90, SessionStatus.CANCELLED)
    s["s3"] = _session(cal, date(2026, 10, 27), (7, 0), 90)
    s["t1"] = _session(a["choir"], date(2026, 10, 9), (9, 30), 90)
    s["t2"] = _session(a["choir"], date(2026, 10, 16), (9, 30), 90)
    # 23:30 on the last local day of October, and 07:30 on the first of November
    # (23:30 UTC on 31 October).
    s["ev1"] = _session(a["event"], date(2026, 10, 31), (23, 30), 60)
    s["ev2"] = _session(a["event"], date(2026, 11, 1), (7, 30), 60)
    programme = create_programme(
        by=world.staff,
        now=now,
        title="秋假托管",
        first_day=date(2026, 10, 12),
        last_day=date(2026, 10, 12),
        weekdays=(1,),
        slot_times={
            SlotKind.MORNING: (time(8, 30), time(12)),
            SlotKind.AFTERNOON: (time(13), time(17)),
        },
        capacity=40,
        teacher_id=world.teacher_a.id,
        room="活动室一",
    )
    a["childcare"] = programme.activity
    for slot in programme.slots:
        s[f"p_{slot.kind}"] = slot.session
    db.session.flush()

    def book(
        person,
        activity,
        session=None,
        *,
        status=BookingStatus.CONFIRMED,
        confirmed=None,
        cancelled=None,
        late=False,
    ):
        booking = Booking(
            person_id=person.id,
            household_id=person.household_id,
            activity_id=activity.id,
            session_id=session.id if session is not None else None,
            status=status,
            queued_at=local(date(2026, 9, 1), 9),
            confirmed_at=confirmed,
            cancelled_at=cancelled,
            late_cancel=late,
        )
        db.session.add(booking)
        db.session.flush()
        return booking

    def mark(session, person, status, booking=None, **extra):
        row = Attendance(
            session_id=session.id,
            person_id=person.id,
            booking_id=booking.id if booking is not None else None,
            status=status,
            marked_at=session.starts_at,
            **extra,
        )
        db.session.add(row)
        db.session.flush()
        return row

    def leave(session, person, booking):
        db.session.add(
            Leave(
                session_id=session.id,
                person_id=person.id,
                booking_id=booking.id,
                channel="phone",
                created_at=session.starts_at - timedelta(days=1),
            )
        )

    early = local(date(2026, 9, 20), 9)
    e1, e2, e3, c1, c2 = p["e1"], p["e2"], p["e3"], p["c1"], p["c2"]

    # September: e1 came (so is returning in October), e2 did not.
    mark(s["sep"], e1, "present", book(e1, cal, s["sep"], confirmed=early))
    mark(s["sep"], e2, "absent", book(e2, cal, s["sep"], confirmed=early))

    # s1: two booked and present, a walk-in; x2 waited in vain.
    mark(s["s1"], e1, "present", book(e1, cal, s["s1"], confirmed=early))
    mark(s["s1"], e2, "present", book(e2, cal, s["s1"], confirmed=early))
    mark(s["s1"], p["w1"], "present")
    book(p["x2"], cal, s["s1"], status=BookingStatus.WAITLISTED)

    # s2: e1 late, e2 present, e3 a no-show, a walk-in with no birth date; x1 waited.
    mark(s["s2"], e1, "late", book(e1, cal, s["s2"], confirmed=early))
    mark(s["s2"], e2, "present", book(e2, cal, s["s2"], confirmed=early))
    e3_s2 = mark(s["s2"], e3, "absent", book(e3, cal, s["s2"], confirmed=early))
    mark(s["s2"], p["nb"], "present")
    book(p["x1"], cal, s["s2"], status=BookingStatus.WAITLISTED)

    # The cancelled session: its bookings, marks, leave and rating count nowhere.
    sx = book(e1, cal, s["sx"], confirmed=early)
    mark(s["sx"], e1, "present", sx)
    leave(s["sx"], e2, book(e2, cal, s["sx"], confirmed=early))

    # s3: e1 and e2 (60 today) present; e3 took leave (the single booking is
    # cancelled, late, but it is 请假); x2 cancelled late, before the start.
    mark(s["s3"], e1, "present", book(e1, cal, s["s3"], confirmed=early))
    mark(s["s3"], e2, "present", book(e2, cal, s["s3"], confirmed=early))
    e3_s3 = book(
        e3,
        cal,
        s["s3"],
        status=BookingStatus.CANCELLED,
        confirmed=early,
        cancelled=s["s3"].starts_at - timedelta(hours=1),
        late=True,
    )
    leave(s["s3"], e3, e3_s3)
    mark(s["s3"], e3, "excused", e3_s3)
    book(
        p["x2"],
        cal,
        s["s3"],
        status=BookingStatus.CANCELLED,
        confirmed=early,
        cancelled=s["s3"].starts_at - timedelta(minutes=30),
        late=True,
    )

    # The choir is a term class: e1 and e3 enrolled; e2 enrolled and dropped out
    # (late) on 12 October; x1 waited for the term in vain.
    choir = a["choir"]
    t_e1 = book(e1, choir, confirmed=early)
    t_e3 = book(e3, choir, confirmed=early)
    t_e2 = book(
        e2,
        choir,
        status=BookingStatus.CANCELLED,
        confirmed=early,
        cancelled=local(date(2026, 10, 12), 9),
        late=True,
    )
    book(p["x1"], choir, status=BookingStatus.WAITLISTED)
    mark(s["t1"], e1, "present", t_e1)
    mark(s["t1"], e3, "present", t_e3)
    mark(s["t1"], e2, "present", t_e2)
    # t2: e1 on leave (请假) for this one date of the term: not a no-show.
    leave(s["t2"], e1, t_e1)
    mark(s["t2"], e1, "excused", t_e1)
    mark(s["t2"], e3, "present", t_e3)

    # The late-night event belongs to October; the early-morning one to November.
    mark(s["ev1"], c2, "present", book(c2, a["event"], s["ev1"], confirmed=early))
    mark(s["ev1"], e3, "present")
    mark(s["ev2"], e1, "present", book(e1, a["event"], s["ev2"], confirmed=early))

    # Childcare: c1 checked in at the door to both slots of 12 October; collected
    # late from the morning (12:20, grace 15 minutes after 12:00) after a wrong code,
    # on time from the afternoon (17:05).
    for kind, out in ((SlotKind.MORNING, (12, 20)), (SlotKind.AFTERNOON, (17, 5))):
        slot = s[f"p_{kind}"]
        booking = book(c1, a["childcare"], slot, confirmed=early)
        row = mark(slot, c1, "present", booking, checked_in_at=slot.starts_at)
        collected = local(date(2026, 10, 12), *out)
        row.checked_out_at = collected
        if kind == SlotKind.MORNING:
            db.session.add(
                PickupAttempt(
                    session_id=slot.id,
                    child_id=c1.id,
                    attendance_id=row.id,
                    ok=False,
                    reason="wrong_code",
                    created_at=collected - timedelta(minutes=10),
                )
            )
        db.session.add(
            PickupAttempt(
                session_id=slot.id,
                child_id=c1.id,
                attendance_id=row.id,
                ok=True,
                created_at=collected,
            )
        )

    # Helpers: a volunteer at s1; teacher A listed at their own s2 (counted once).
    for session, user in ((s["s1"], helper), (s["s2"], world.teacher_a)):
        db.session.add(SessionHelper(session_id=session.id, user_id=user.id, created_at=now))

    # Welfare: e3's no-show at s2 was called and done; September's is outside.
    db.session.add(
        WelfareCall(
            session_id=s["s2"].id,
            person_id=e3.id,
            attendance_id=e3_s2.id,
            call_date=date(2026, 10, 13),
            created_at=s["s2"].ends_at,
            done_at=s["s2"].ends_at,
        )
    )
    sep_absent = db.session.scalar(
        db.select(Attendance).where(
            Attendance.session_id == s["sep"].id, Attendance.person_id == e2.id
        )
    )
    db.session.add(
        WelfareCall(
            session_id=s["sep"].id,
            person_id=e2.id,
            attendance_id=sep_absent.id,
            call_date=date(2026, 9, 29),
            created_at=s["sep"].ends_at,
        )
    )

    # Ratings: four of October's held sessions; the cancelled one's and November's
    # are outside.
    for session, person, value, comment in (
        (s["s1"], e1, "good", "很好"),
        (s["s1"], e2, "ok", None),
        (s["s2"], e1, "bad", "太吵"),
        (s["t1"], e3, "good", None),
        (s["sx"], e1, "good", "取消了"),
        (s["ev2"], e1, "good", "十一月"),
    ):
        db.session.add(
            Rating(
                person_id=person.id,
                session_id=session.id,
                value=value,
                comment=comment,
                rated_by_id=None,
                created_at=session.ends_at,
            )
        )
    db.session.flush()
    return world
