"""The demo centre's past: three months before this term and the term's weeks so
far, so that the service report (/staff/reports) has something to show.

Thirty residents of the neighbourhood (a few households tagged 独居, 高龄, 低保,
留守儿童) enrolled in the term classes before they began (the guzheng class is full,
with people waiting), came most weeks, sometimes late, absent or on leave (请假),
brought the odd walk-in, rated some sessions, and came to a birthday party each
month. The demo's own login accounts are left out of it: their bookings are what
the demo and its browser journeys show and try. Rows are added in bulk and the
random choices are seeded, so `flask seed-demo` stays quick and gives the same
centre every time.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from app.extensions import db
from app.models import (
    Activity,
    Attendance,
    AttendanceStatus,
    Booking,
    BookingStatus,
    Channel,
    Leave,
    Person,
    Rating,
    Session,
    SessionHelper,
    User,
    WelfareCall,
)
from app.services.booking.book import book
from app.services.booking.targets import Target
from app.services.people.residents import add_person, create_household
from app.services.privacy.consent import record_for_children
from app.services.refusals import Refusal
from app.services.schedule.sessions import add_session, generate_weekly
from app.timeutil import from_local, local_date

HISTORY_WEEKS = 13
REMARKS = (
    "老师很耐心，讲得清楚。",
    "音响有点小，后排听不清。",
    "希望多开一个班！",
    "很开心，认识了新朋友。",
)

# (household name, tags, [(name, birth date)])
NEIGHBOURS = [
    ("赵家", ("独居", "高龄"), [("赵桂芳", date(1941, 4, 3))]),
    ("钱家", (), [("钱国庆", date(1949, 10, 1)), ("钱秀兰", date(1952, 2, 14))]),
    ("孙家", ("低保",), [("孙丽华", date(1958, 6, 21))]),
    ("李家", ("高龄",), [("李德明", date(1939, 12, 8)), ("李淑珍", date(1943, 7, 19))]),
    ("周家", (), [("周建华", date(1955, 3, 30)), ("周玉兰", date(1957, 9, 9))]),
    ("吴家", ("独居",), [("吴美玲", date(1950, 1, 27))]),
    ("郑家", (), [("郑志强", date(1962, 11, 11)), ("郑红梅", date(1964, 5, 5))]),
    ("冯家", ("独居", "高龄"), [("冯爱华", date(1937, 8, 15))]),
    ("陈家巷", (), [("陈文斌", date(1954, 4, 4)), ("陈素芬", date(1956, 12, 25))]),
    ("褚家", (), [("褚永红", date(1960, 2, 29))]),
    ("卫家", ("低保",), [("卫金凤", date(1951, 6, 6)), ("卫大勇", date(1948, 3, 3))]),
    ("蒋家", (), [("蒋淑英", date(1946, 10, 10)), ("蒋福生", date(1944, 1, 1))]),
    ("沈家", (), [("沈月娥", date(1959, 7, 7))]),
    ("韩家", ("高龄",), [("韩玉珍", date(1934, 5, 20))]),
    ("杨家", (), [("杨春生", date(1953, 9, 18)), ("杨桂英", date(1955, 11, 30))]),
    ("朱家", ("留守儿童",), [("朱晓雯", date(1961, 3, 8)), ("朱小宝", date(2016, 6, 1))]),
    ("秦家", ("困境儿童",), [("秦乐乐", date(2018, 10, 2)), ("秦奶奶", date(1957, 1, 15))]),
    ("许家", (), [("许思远", date(1990, 8, 8))]),
]


@dataclass
class TermClass:
    """A term class of the demo and its weekly pattern (ISO weekdays, local times)."""

    activity: Activity
    weekdays: tuple[int, ...]
    start: time
    end: time


def _neighbours(now: datetime) -> list[Person]:
    people = []
    for name, tags, members in NEIGHBOURS:
        household = create_household(name, now=now, tags=tags)
        people += [add_person(household, n, now=now, birth_date=born) for n, born in members]
    # The demo's families agreed at the desk to keeping their children's records.
    record_for_children(people, now=now)
    return people


def _enrol(people: list[Person], target: Target, count: int, *, by: User, when: datetime):
    """Books the first `count` of `people` a rule allows (age, audience, no class at
    the same time); past the capacity they wait. Returns the confirmed bookings."""
    booked = []
    for person in people:
        if len(booked) == count:
            break
        try:
            booked.append(book(person, target, by=by, channel=Channel.DESK, now=when))
        except Refusal:
            continue
    return [b for b in booked if b.status == BookingStatus.CONFIRMED]


def _roll(rng, session: Session, bookings: list[Booking], walk_ins: list[Person], by: User):
    """Marks, leave and ratings of one session that is over. Leave (请假) is for
    term classes here: a single booking given up is cancelled, not marked."""
    rows, absent = [], []
    term = session.activity.is_series
    for booking in bookings:
        roll = rng.random()
        status = (
            AttendanceStatus.PRESENT
            if roll < 0.80
            else AttendanceStatus.LATE
            if roll < 0.87
            else AttendanceStatus.ABSENT
            if roll < 0.93 or not term
            else AttendanceStatus.EXCUSED
        )
        if status == AttendanceStatus.EXCUSED:
            db.session.add(
                Leave(
                    session_id=session.id,
                    person_id=booking.person_id,
                    booking_id=booking.id,
                    channel=Channel.PHONE,
                    created_at=session.starts_at - timedelta(days=1),
                )
            )
        rows.append((booking.person_id, booking.id, status))
    for person in rng.sample(walk_ins, rng.choice((0, 0, 1, 2))):
        if all(person.id != person_id for person_id, _b, _s in rows):
            rows.append((person.id, None, AttendanceStatus.PRESENT))
    for person_id, booking_id, status in rows:
        came = status in (AttendanceStatus.PRESENT, AttendanceStatus.LATE)
        mark = Attendance(
            session_id=session.id,
            person_id=person_id,
            booking_id=booking_id,
            status=status,
            checked_in_at=session.starts_at if came else None,
            marked_by_id=by.id,
            marked_at=session.ends_at,
        )
        db.session.add(mark)
        if status == AttendanceStatus.ABSENT:
            absent.append(mark)
        if came and rng.random() < 0.35:
            value = rng.choices(("good", "ok", "bad"), weights=(78, 18, 4))[0]
            remark = rng.choice(REMARKS) if rng.random() < 0.12 else None
            db.session.add(
                Rating(
                    person_id=person_id,
                    session_id=session.id,
                    value=value,
                    comment=remark,
                    created_at=session.ends_at + timedelta(hours=2),
                )
            )
    return absent


def seed_history(
    now: datetime, *, classes: list[TermClass], first_day: date, staff: User, volunteer: User
) -> None:
    """The past of the demo's term classes from HISTORY_WEEKS weeks before
    `first_day` (this term's first Monday), and a birthday party a month."""
    rng = random.Random(2026)
    people = _neighbours(now)
    elders = [p for p in people if (p.age_on(first_day) or 0) >= 60]
    start = first_day - timedelta(weeks=HISTORY_WEEKS)
    enrolled_at = from_local(datetime.combine(start - timedelta(days=7), time(9)))
    sessions: list[tuple[Session, list[Booking], User]] = []
    for term in classes:
        generate_weekly(
            term.activity,
            first_day=start,
            last_day=first_day - timedelta(days=1),
            weekdays=term.weekdays,
            start=term.start,
            end=term.end,
        )
        rng.shuffle(elders)
        capacity = term.activity.capacity
        # The smallest class is full, with three waiting; the others two-thirds full.
        count = capacity + 3 if capacity <= 8 else capacity * 2 // 3
        booked = _enrol(elders, Target(term.activity, None), count, by=staff, when=enrolled_at)
        teacher = term.activity.teacher or staff
        for session in db.session.scalars(
            db.select(Session).where(Session.activity_id == term.activity.id, Session.ends_at < now)
        ):
            sessions.append((session, booked, teacher))
    party = db.session.scalar(db.select(Activity).where(Activity.title == "集体生日会"))
    for months_ago in (3, 2, 1):
        day = local_date(now).replace(day=15) - timedelta(days=30 * months_ago)
        session = add_session(
            party,
            from_local(datetime.combine(day, time(14))),
            from_local(datetime.combine(day, time(16))),
        )
        when = session.starts_at - timedelta(days=5)
        guests = _enrol(rng.sample(people, 18), Target(party, session), 40, by=staff, when=when)
        sessions.append((session, guests, staff))
    db.session.flush()
    others = [p for p in people if p not in elders] + elders[:6]
    calls = []
    for session, booked, teacher in sessions:
        absent = _roll(rng, session, booked, others, teacher)
        calls += [(session, mark) for mark in absent]
        if session.activity.category == "choir" and rng.random() < 0.7:
            db.session.add(
                SessionHelper(
                    session_id=session.id,
                    user_id=volunteer.id,
                    added_by_id=teacher.id,
                    created_at=session.starts_at,
                )
            )
    db.session.flush()
    alone = {p.id for p in people if set(p.household.tag_names) & {"独居", "高龄"}}
    for session, mark in calls:
        if mark.person_id in alone:
            db.session.add(
                WelfareCall(
                    session_id=session.id,
                    person_id=mark.person_id,
                    attendance_id=mark.id,
                    call_date=local_date(session.starts_at),
                    created_at=session.ends_at,
                    done_at=session.ends_at + timedelta(hours=3) if rng.random() < 0.8 else None,
                )
            )
    db.session.flush()
