"""A history for the retention job: people last seen long ago and lately, children
with care notes, old and new messages, login attempts and audit entries."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from app.extensions import db
from app.models import (
    AccessRecord,
    Attendance,
    AuditEntry,
    Booking,
    BookingStatus,
    LoginAttempt,
    OutboxMessage,
    PrivacyHold,
    Role,
)
from app.services.schedule.activities import create_activity
from app.services.schedule.sessions import add_session


@dataclass
class History:
    people: dict = field(default_factory=dict)
    users: dict = field(default_factory=dict)
    households: dict = field(default_factory=dict)
    sessions: dict = field(default_factory=dict)


def past_session(activity, starts: datetime, minutes: int = 90):
    return add_session(activity, starts, starts + timedelta(minutes=minutes))


def came(person, session, *, booked_at: datetime | None = None):
    """A confirmed booking made `booked_at` (a week before, by default) and a mark."""
    booking = Booking(
        person_id=person.id,
        household_id=person.household_id,
        activity_id=session.activity_id,
        session_id=session.id,
        status=BookingStatus.CONFIRMED,
        queued_at=booked_at or session.starts_at - timedelta(days=7),
        created_at=booked_at or session.starts_at - timedelta(days=7),
    )
    db.session.add(booking)
    session.taken += 1
    db.session.flush()
    db.session.add(
        Attendance(
            session_id=session.id,
            person_id=person.id,
            booking_id=booking.id,
            status="present",
            marked_at=session.starts_at,
        )
    )
    db.session.flush()
    return booking


def _age(moment: datetime, *rows) -> None:
    for row in rows:
        row.created_at = moment


def seed_history(make) -> History:
    """Now is Monday 23 November 2026; 24 months before is 23 November 2024."""
    now = make.now
    long_ago = datetime(2023, 3, 1, 2)
    world = History()
    h, p, u, s = world.households, world.people, world.users, world.sessions
    calligraphy = create_activity(
        now=now, title="书法班", category="calligraphy", audience="all", capacity=20
    )
    s["2024"] = past_session(calligraphy, datetime(2024, 5, 6, 1))
    s["sep"] = past_session(calligraphy, datetime(2026, 9, 14, 1))
    s["nov"] = past_session(calligraphy, datetime(2026, 11, 9, 1))

    # An elder living alone, last here in May 2024: anonymised, household too.
    h["old"] = make.household(name="老张家", tags=("独居", "高龄"))
    p["old"] = make.person(household=h["old"], name="张老汉", birth_date=date(1950, 8, 17))
    p["old"].phone = "13800000001"
    u["old"] = make.user(person=p["old"], phone="13900000001")
    u["old"].last_login_at = datetime(2024, 5, 1, 1)
    came(p["old"], s["2024"])
    # A couple: she came in 2024 only, he still comes. She goes, the household stays.
    h["couple"] = make.household(name="李家", tags=("高龄",))
    p["she"] = make.person(household=h["couple"], name="李奶奶", birth_date=date(1948, 3, 3))
    p["he"] = make.person(household=h["couple"], name="李爷爷", birth_date=date(1947, 4, 4))
    came(p["she"], s["2024"])
    came(p["he"], s["2024"])
    came(p["he"], s["nov"])
    # A family: the child's last class was in September (care notes go, the child
    # stays); the sibling came this month (care notes stay).
    h["family"] = make.household(name="王家")
    p["parent"] = make.person(household=h["family"], name="王妈妈", age=38)
    u["parent"] = make.user(person=p["parent"], phone="13900000003")
    p["kid"] = make.person(
        household=h["family"], name="王小明", birth_date=date(2017, 9, 1), care_notes="花生过敏"
    )
    p["sib"] = make.person(
        household=h["family"], name="王小红", birth_date=date(2018, 9, 1), care_notes="哮喘"
    )
    came(p["kid"], s["sep"])
    came(p["sib"], s["nov"])
    # Held: inactive, but staff keep the record.
    h["held"] = make.household(name="赵家")
    p["held"] = make.person(household=h["held"], name="赵大爷", age=80)
    came(p["held"], s["2024"])
    db.session.add(PrivacyHold(person_id=p["held"].id, reason="纠纷处理中", held_at=now))
    # A teacher not seen for years: staff accounts are the desk's to close.
    u["teacher"] = make.user(role=Role.TEACHER, age=45, phone="13900000005")
    p["teacher"] = u["teacher"].person
    h["teacher"] = p["teacher"].household
    for key in ("old", "couple", "family", "held", "teacher"):
        _age(long_ago, h[key], *h[key].members)

    # Messages, login attempts and audit entries, old and new.
    for age in (100, 10):
        db.session.add(
            OutboxMessage(
                channel="log",
                address="13900000003",
                kind="reminder",
                body="明天上课",
                status="sent",
                created_at=now - timedelta(days=age),
            )
        )
    for phone, age in (("13712345678", 40), ("13787654321", 5)):
        db.session.add(
            LoginAttempt(
                phone=phone,
                address="10.0.0.1",
                failures=1,
                locks=1,
                last_failed_at=now - timedelta(days=age),
            )
        )
    # Who saw the sibling's data: four years ago (goes) and last week (stays).
    for age in (4 * 365, 7):
        db.session.add(
            AccessRecord(
                viewer_id=u["teacher"].id,
                role="teacher",
                person_id=p["sib"].id,
                page="roster",
                at=now - timedelta(days=age),
            )
        )
    db.session.add(
        AuditEntry(
            action="household.tags",
            subject_type="household",
            subject_id=h["family"].id,
            created_at=datetime(2023, 1, 1),
        )
    )
    db.session.flush()
    return world
