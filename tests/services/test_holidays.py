"""The holiday calendar from the `holidays` library, checked against a known year
(2026, the State Council's notice of November 2025), and the schedule generator's
proposals: statutory holidays to skip, weekend working days (调休) to add."""

from datetime import date, time

from app.services.schedule.holidays import propose, year_calendar
from app.services.schedule.sessions import generate_by
from app.timeutil import to_local

SCHOOL_WEEK = [1, 2, 3, 4, 5]


def test_the_year_2026_has_its_statutory_holidays_and_shifted_working_days():
    calendar = year_calendar(2026)
    holidays = {d.day for d in calendar.holidays}
    assert {date(2026, 1, 1), date(2026, 2, 17), date(2026, 10, 1), date(2026, 9, 25)} <= holidays
    assert date(2026, 10, 8) not in holidays
    assert [d.day for d in calendar.workdays] == [
        date(2026, 1, 4),
        date(2026, 2, 14),
        date(2026, 2, 28),
        date(2026, 5, 9),
        date(2026, 9, 20),
        date(2026, 10, 10),
    ]
    assert all(d.day.isoweekday() in (6, 7) for d in calendar.workdays)
    assert calendar.announced
    assert "国庆节" in {d.name for d in calendar.holidays}


def test_a_year_not_announced_yet_says_so():
    # The library's rules give 2027's festivals, but not its shifted days yet.
    calendar = year_calendar(2027)
    assert calendar.holidays and not calendar.workdays and not calendar.announced


def test_a_school_week_skips_the_holidays_and_adds_the_weekend_working_days():
    proposals = propose(date(2026, 9, 1), date(2026, 10, 31), SCHOOL_WEEK)
    assert [p.day.day for p in proposals.skip] == [
        date(2026, 9, 25),
        date(2026, 10, 1),
        date(2026, 10, 2),
        date(2026, 10, 5),
        date(2026, 10, 6),
        date(2026, 10, 7),
    ]
    assert all(p.ticked for p in proposals.skip)
    assert [(p.day.day, p.ticked) for p in proposals.extra] == [
        (date(2026, 9, 20), True),
        (date(2026, 10, 10), True),
    ]
    assert proposals.announced


def test_a_weekly_class_skips_its_own_holidays_and_is_only_offered_the_working_days():
    proposals = propose(date(2026, 9, 1), date(2026, 10, 31), [2])  # Tuesdays
    assert [p.day.day for p in proposals.skip] == [date(2026, 10, 6)]
    # Shown, not ticked: an elders' Tuesday class does not follow the school week.
    assert [(p.day.day, p.ticked) for p in proposals.extra] == [
        (date(2026, 9, 20), False),
        (date(2026, 10, 10), False),
    ]
    # A Saturday class already meets on 10 October: nothing to add then.
    saturdays = propose(date(2026, 10, 1), date(2026, 10, 31), [6])
    assert [p.day.day for p in saturdays.skip] == [date(2026, 10, 3)]
    assert saturdays.extra == []


def test_the_generator_adds_the_extra_days_and_skips_the_holidays(make, now):
    staff = make.user(role="staff", age=40)
    activity = make.activity(sessions=0, title="四点半课堂")
    sessions = generate_by(
        activity,
        by=staff,
        now=now,
        first_day=date(2026, 10, 1),
        last_day=date(2026, 10, 11),
        weekdays=SCHOOL_WEEK,
        start=time(16, 30),
        end=time(18, 0),
        skip=[date(2026, 10, d) for d in (1, 2, 5, 6, 7)],
        extra=[date(2026, 10, 10)],
    )
    days = [to_local(s.starts_at).date() for s in sessions]
    assert days == [date(2026, 10, 8), date(2026, 10, 9), date(2026, 10, 10)]
