"""Demo childcare: 寒托班 with day slots and 40 seats, and 四点半课堂 as a term
programme with two children enrolled and their pickup lists."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from app.models import Allocation, Channel, Person, ProgrammeKind, SlotKind, User
from app.services.childcare.pickup_list import add_pickup_person
from app.services.childcare.programmes import create_programme
from app.services.childcare.submissions import book_days
from app.timeutil import from_local, local_date


def seed_programmes(
    now: datetime,
    *,
    staff: User,
    teacher: User,
    guardians: list[tuple[User, list[Person]]],
) -> list[str]:
    """Returns one line per pickup code issued ("child: person code"), for the seed
    command to print once: codes are stored hashed, so nothing can show them later."""
    codes = []
    today = local_date(now)
    monday = today - timedelta(days=today.weekday())
    winter_start = date(today.year + 1, 1, 18) if today.month >= 6 else date(today.year, 1, 18)
    winter_start -= timedelta(days=winter_start.weekday())
    create_programme(
        by=staff,
        now=now,
        title="寒托班",
        title_en="Winter holiday childcare",
        description="寒假日间托管：上午作业辅导，下午兴趣活动（书法、剪纸、运动），全天含午餐。",
        room="活动室一",
        teacher_id=teacher.id,
        first_day=winter_start,
        last_day=winter_start + timedelta(days=18),
        weekdays=(1, 2, 3, 4, 5),
        slot_times={
            SlotKind.FULL: (time(8, 30), time(17)),
            SlotKind.MORNING: (time(8, 30), time(12)),
            SlotKind.AFTERNOON: (time(13, 30), time(17)),
        },
        capacity=40,
        min_age=6,
        max_age=12,
        min_grade=1,
        max_grade=6,
        per_child_limit=10,
        allocation=Allocation.FCFS,
        opens_at=from_local(datetime.combine(monday + timedelta(days=14), time(8))),
        closes_at=from_local(datetime.combine(monday + timedelta(days=28), time(20))),
        # 春节: the centre is closed on the holiday's first days.
        closed_days=(winter_start + timedelta(days=17),),
    )
    afterschool = create_programme(
        by=staff,
        now=now,
        title="四点半课堂",
        title_en="After-school club",
        description="放学后作业辅导与阅读，由大学生志愿者到校门口接孩子，18:00前接回。",
        kind=ProgrammeKind.AFTERSCHOOL,
        room="阅览室",
        teacher_id=teacher.id,
        first_day=monday,
        last_day=monday + timedelta(weeks=2, days=6),
        weekdays=(1, 2, 3, 4, 5),
        slot_times={SlotKind.AFTERNOON: (time(16, 30), time(18))},
        capacity=30,
        min_age=6,
        max_age=12,
    )
    first_slot = next((s.session for s in afterschool.slots if s.session.starts_at > now), None)
    for guardian, children in guardians:
        school_age = [c for c in children if (c.age_on(today) or 0) >= 6]
        if first_slot is not None and school_age:
            book_days(
                afterschool,
                [(c, first_slot) for c in school_age],
                by=guardian,
                channel=Channel.ONLINE,
                now=now,
            )
        for child in children:
            listed = add_pickup_person(
                child,
                name=guardian.person.name,
                phone=guardian.phone,
                relation="家长",
                by=guardian,
                now=now,
            )
            codes.append(f"{child.name}: {listed.name} {listed.issued_code}")
    return codes
