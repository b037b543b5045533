"""Builders for childcare programmes, shared by the service, web and concurrency tests."""

from __future__ import annotations

from datetime import date, time, timedelta

from app.models import Allocation, ProgrammeKind, Role, SlotKind
from app.services.childcare.programmes import create_programme

WINTER_START = date(2027, 1, 18)  # a Monday


def holiday(make, *, capacity=40, days=5, slots=("full",), staff=None, **fields):
    """A winter holiday programme from WINTER_START, Monday–Friday, open now."""
    staff = staff or make.user(role=Role.STAFF, age=40)
    times = {
        SlotKind.FULL: (time(8, 30), time(17)),
        SlotKind.MORNING: (time(8, 30), time(12)),
        SlotKind.AFTERNOON: (time(13), time(17)),
    }
    fields.setdefault("opens_at", make.now - timedelta(hours=1))
    fields.setdefault("room", "活动室一")
    return create_programme(
        by=staff,
        now=make.now,
        title=fields.pop("title", "寒托班"),
        first_day=WINTER_START,
        last_day=WINTER_START + timedelta(days=days - 1),
        weekdays=(1, 2, 3, 4, 5),
        slot_times={k: times[k] for k in slots},
        capacity=capacity,
        **fields,
    )


def lottery(make, **fields):
    fields.setdefault("opens_at", make.now - timedelta(days=2))
    fields.setdefault("closes_at", make.now + timedelta(days=1))
    return holiday(make, allocation=Allocation.LOTTERY, **fields)


def afterschool(make, *, teacher=None, capacity=30, **fields):
    staff = make.user(role=Role.STAFF, age=40)
    return create_programme(
        by=staff,
        now=make.now,
        title="四点半课堂",
        kind=ProgrammeKind.AFTERSCHOOL,
        first_day=make.now.date(),
        last_day=make.now.date() + timedelta(days=13),
        weekdays=(1, 2, 3, 4, 5),
        slot_times={SlotKind.AFTERNOON: (time(16, 30), time(18))},
        capacity=capacity,
        teacher_id=teacher.id if teacher else None,
        room="阅览室",
        **fields,
    )


def family(make, children=2, ages=(8, 6), tags=()):
    """A household with a guardian account and `children` children."""
    household = make.household(name="家长家", tags=tags)
    guardian = make.user(make.person(household=household, age=38, phone="13812345678"))
    kids = [make.person(household=household, age=ages[i % len(ages)]) for i in range(children)]
    return guardian, kids


def sessions(programme, kind=None):
    return [s.session for s in programme.slots if kind is None or s.kind == kind]
