"""The service report, called directly on a month whose every figure is counted by
hand (tests/report_helpers.py seeds it; the comments below say why each number is
what it is)."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest

from app.extensions import db
from app.models import Attendance, Booking, Rating
from app.services.feedback.ratings import next_to_rate, rate, rating_lines
from app.services.refusals import (
    AlreadyRated,
    BadPeriod,
    BadRating,
    NotAllowed,
    NotRateable,
    OutsideTime,
)
from app.services.reports.base import CENTRE, Frame, Scope, scope_for
from app.services.reports.breakdowns import FINE_BANDS, breakdowns, by_age, by_month, by_tag
from app.services.reports.details import child_days, comments, ledger
from app.services.reports.figures import figures
from app.services.reports.period import (
    last_month,
    month_period,
    quarter_period,
    range_period,
    utc_offsets,
    year_period,
)
from app.services.reports.places import unmet_demand
from app.services.reports.report import build_report
from tests.report_helpers import local, seed_october

OCTOBER = month_period(2026, 10)


@pytest.fixture
def october(make):
    world = seed_october(make)
    make.commit()
    return world


def _frame(now, period=OCTOBER, scope=CENTRE):
    return Frame(period, scope, now)


def _table(lines):
    return {line.key: (line.visits, line.people) for line in lines}


# --- the period ------------------------------------------------------------------


def test_the_default_period_is_last_month_in_the_centres_zone(app):
    # 1 November 00:30 in Shanghai is still 31 October in UTC: last month is October.
    assert last_month(local(date(2026, 11, 1), 0, 30)) == OCTOBER
    assert last_month(local(date(2026, 10, 31), 23, 30)) == month_period(2026, 9)
    assert last_month(datetime(2027, 1, 5)) == month_period(2026, 12)


def test_periods_and_their_utc_bounds(app):
    assert OCTOBER.start == datetime(2026, 9, 30, 16)
    assert OCTOBER.end == datetime(2026, 10, 31, 16)
    assert quarter_period(2026, 4).first == date(2026, 10, 1)
    assert quarter_period(2026, 4).last == date(2026, 12, 31)
    assert quarter_period(2026, 1).months() == [(2026, 1), (2026, 2), (2026, 3)]
    assert year_period(2024).last == date(2024, 12, 31)
    assert month_period(2024, 2).last == date(2024, 2, 29)
    assert range_period(date(2026, 10, 5), date(2026, 11, 2)).months() == [(2026, 10), (2026, 11)]
    assert OCTOBER.query_args() == {"kind": "month", "month": "2026-10"}
    assert quarter_period(2026, 4).query_args() == {"kind": "quarter", "quarter": "2026-Q4"}
    with pytest.raises(BadPeriod):
        range_period(date(2026, 10, 5), date(2026, 10, 4))
    with pytest.raises(BadPeriod):
        range_period(date(2020, 1, 1), date(2026, 1, 1))
    assert utc_offsets(year_period(2026)) == [(None, 480)]


def test_summer_time_is_followed_where_the_centre_has_it(app):
    app.config["TIMEZONE"] = "Europe/London"
    try:
        pieces = utc_offsets(year_period(2026))
    finally:
        app.config["TIMEZONE"] = "Asia/Shanghai"
    assert pieces == [(None, 0), (datetime(2026, 3, 29, 1), 60), (datetime(2026, 10, 25, 1), 0)]


# --- the figures -----------------------------------------------------------------


def test_every_figure_of_the_month(october, now):
    f = figures(_frame(now))
    # Held: s1 s2 s3 t1 t2 ev1 and two childcare slots. Not the cancelled sx, not
    # ev2 (07:30 on 1 November local), not September's.
    assert f.sessions == 8
    # 3 × 1.5 h calligraphy, 2 × 1.5 h choir, 1 h event, 3.5 h + 4 h childcare.
    assert f.hours == 16.0
    # 人次: s1 3, s2 3, s3 2, t1 3, t2 1, ev1 2, childcare 2. Excused and absent
    # marks are no visits; walk-ins are; the cancelled session's mark is not.
    assert f.visits == 16
    # One person coming many times is one 人数: e1 e2 e3 w1 nb c1 c2.
    assert f.people == 7
    assert f.walk_ins == 3  # w1 at s1, nb at s2, e3 at the event
    assert f.came_booked == 13
    # 10 × 3 + 20 × 2 + 5 + 40 × 2.
    assert f.seats_offered == 155
    # Places held: s1 2, s2 3, s3 3 (e3 on leave), t1 3 (e2 still enrolled on 9
    # October), t2 2 (e1 on leave), ev1 1, childcare 1 + 1.
    assert f.booked == 16
    assert f.expected == 14
    assert f.seats_taken == 14
    assert f.fill_rate == pytest.approx(14 / 155)
    assert f.attendance_rate == pytest.approx(13 / 14)
    # e3 at s2. Not e1 at t2: leave for one date of a term is no no-show.
    assert f.no_shows == 1
    assert f.leaves == 2  # e3 at s3, e1 at t2 (not the cancelled session's)
    # x2 at s3, and e2's choir term; not e3's late single booking (that was 请假).
    assert f.late_cancels == 2
    assert f.unmet == 2  # x1 and x2
    assert (f.new_people, f.returning_people) == (6, 1)  # e1 came in September
    assert f.child_days == 2
    assert (f.pickups, f.late_pickups, f.refused_pickups) == (2, 1, 1)
    # Teacher A: calligraphy 4.5 h + childcare 7.5 h (helping at s2 counts once);
    # teacher B: 3 h; the helper at s1: 1.5 h.
    assert (f.volunteers, f.volunteer_hours) == (3, 16.5)
    assert (f.welfare_calls, f.welfare_done) == (1, 1)
    assert f.ratings == {"good": 2, "ok": 1, "bad": 1}
    assert f.satisfaction == 0.5


def test_nothing_counts_before_it_happened(october, now):
    # Seen from 10 October, only what was held by then counts.
    f = figures(_frame(local(date(2026, 10, 10), 0)))
    assert f.sessions == 2  # s1 (6 October) and t1 (9 October)
    assert f.visits == 6


def test_a_late_event_on_the_last_night_belongs_to_its_month(october, now):
    november = figures(_frame(now, month_period(2026, 11)))
    assert (november.sessions, november.visits, november.people) == (1, 1, 1)
    assert _table(by_month(_frame(now)))[202610] == (16, 7)


def test_breakdowns_of_visits_and_people(october, now):
    tables = {name: _table(lines) for name, lines in breakdowns(_frame(now)).items()}
    assert tables["category"] == {
        "calligraphy": (8, 4),
        "choir": (4, 3),
        "childcare": (2, 1),
        "event": (2, 2),
    }
    assert tables["audience"] == {"all": (10, 6), "elder": (4, 3), "child": (2, 1)}
    calligraphy = october.activities["calligraphy"].id
    assert tables["activity"][calligraphy] == (8, 4)
    assert list(tables["month"].items()) == [(202610, (16, 7))]
    assert tables["tag"] == {
        "独居": (4, 1),
        "高龄": (4, 1),
        "留守儿童": (3, 2),
        "困境儿童": (0, 0),
        "低保": (4, 1),
        "none": (5, 3),
    }


def test_age_bands_use_the_age_on_the_day_in_the_centres_zone(october, now):
    # e2 turns 60 on 27 October: 59 at s1, t1 and s2, 60 at s3 (07:00 local, which
    # is still 26 October in UTC). c2 is 12 at the late event. nb has no birth date.
    assert _table(by_age(_frame(now))) == {
        "0-6": (2, 1),
        "7-18": (1, 1),
        "19-59": (4, 2),
        "60+": (8, 3),
        "unknown": (1, 1),
    }
    assert _table(by_age(_frame(now), FINE_BANDS)) == {
        "0-6": (2, 1),
        "7-12": (1, 1),
        "13-18": (0, 0),
        "19-59": (4, 2),
        "60-69": (1, 1),
        "70-79": (4, 1),
        "80+": (3, 1),
        "unknown": (1, 1),
    }


def test_unmet_demand_per_activity_with_the_sessions_it_needs(october, now):
    total, per_activity = unmet_demand(_frame(now))
    assert total == 2
    rows = {u.title: (u.people, u.extra_sessions) for u in per_activity}
    assert rows == {"书法班": (2, 1), "合唱团": (1, 1)}


def test_a_waitlisted_person_who_got_in_another_way_is_no_unmet_demand(october, now):
    # x1 left s2's waiting list and booked again when a seat came free.
    x1, s2 = october.people["x1"], october.sessions["s2"]
    waited = db.session.scalar(
        db.select(Booking).where(Booking.person_id == x1.id, Booking.session_id == s2.id)
    )
    waited.status = "cancelled"
    db.session.flush()
    db.session.add(
        Booking(
            person_id=x1.id,
            household_id=x1.household_id,
            activity_id=s2.activity_id,
            session_id=s2.id,
            status="confirmed",
            queued_at=now,
            confirmed_at=s2.starts_at - timedelta(hours=2),
        )
    )
    db.session.flush()
    total, per_activity = unmet_demand(_frame(now))
    assert total == 2  # x2 for calligraphy, x1 still for the choir's term
    assert {u.title: u.people for u in per_activity} == {"书法班": 1, "合唱团": 1}
    # A term's waiting list counts in periods when the class ran.
    total, per_activity = unmet_demand(
        _frame(now, range_period(date(2026, 10, 20), date(2026, 10, 31)))
    )
    assert (total, per_activity) == (0, [])


def test_a_year_shows_the_trend_by_month(october, now):
    frame = _frame(now, year_period(2026))
    months = _table(by_month(frame))
    assert len(months) == 12
    assert months[202609] == (1, 1)
    assert months[202610] == (16, 7)
    assert months[202611] == (1, 1)
    f = figures(frame)
    assert (f.visits, f.people, f.new_people, f.returning_people) == (18, 7, 7, 0)


def test_childcare_days_remarks_and_the_ledger(october, now):
    frame = _frame(now)
    assert [(d.title, d.kind, d.days) for d in child_days(frame)] == [
        ("秋假托管", "afternoon", 1),
        ("秋假托管", "morning", 1),
    ]
    assert [(c.comment, c.value, c.name) for c in comments(frame)] == [
        ("太吵", "bad", "老一"),
        ("很好", "good", "老一"),
    ]
    lines = ledger(frame)
    assert len(lines) == 8
    counts = {
        (line.title, line.starts_at): (
            line.booked,
            line.present,
            line.late,
            line.absent,
            line.excused,
            line.walk_ins,
        )
        for line in lines
    }
    s = october.sessions
    assert counts[("书法班", s["s1"].starts_at)] == (2, 3, 0, 0, 0, 1)
    assert counts[("书法班", s["s2"].starts_at)] == (3, 2, 1, 1, 0, 1)
    assert counts[("书法班", s["s3"].starts_at)] == (3, 2, 0, 0, 1, 0)
    assert counts[("合唱团", s["t2"].starts_at)] == (2, 1, 0, 0, 1, 0)
    assert lines[0].teacher == october.teacher_a.person.name
    assert sum(line.present + line.late for line in lines) == 16


def test_a_teacher_sees_only_their_own_classes(october, now):
    teacher_a = october.teacher_a
    frame = _frame(now, scope=scope_for(teacher_a))
    assert frame.scope == Scope(teacher_id=teacher_a.id)
    f = figures(frame)
    # Calligraphy s1 s2 s3 and the childcare slots; not the choir, not the event.
    assert (f.sessions, f.visits, f.people) == (5, 10, 5)
    assert (f.new_people, f.returning_people) == (4, 1)
    assert f.ratings == {"good": 1, "ok": 1, "bad": 1}
    assert "choir" not in _table(breakdowns(frame)["category"])
    assert {line.title for line in ledger(frame)} == {"书法班", "秋假托管"}
    # Remarks without names.
    assert [(c.comment, c.name) for c in comments(frame)] == [("太吵", None), ("很好", None)]
    assert scope_for(october.staff) == CENTRE


def test_the_whole_report_in_one_call(october, now):
    report = build_report(OCTOBER, CENTRE, now, with_ledger=True)
    assert report.figures.visits == 16
    assert len(report.ledger) == 8
    assert set(report.breakdowns) == {
        "category",
        "activity",
        "audience",
        "age_civil",
        "age_fine",
        "tag",
        "month",
    }
    assert build_report(OCTOBER, CENTRE, now).ledger is None


def test_an_empty_month_has_zeros_and_no_rates(app, now):
    f = figures(_frame(now))
    assert (f.visits, f.people, f.sessions, f.hours) == (0, 0, 0, 0.0)
    assert f.fill_rate is None and f.attendance_rate is None and f.satisfaction is None
    assert _table(by_tag(_frame(now)))["独居"] == (0, 0)


# --- ratings ---------------------------------------------------------------------


@pytest.fixture
def class_today(make, now):
    """A session that ended an hour ago with one elder present and one absent."""
    activity = make.activity(sessions=1, start_in=-timedelta(hours=3))
    session = activity.sessions[0]
    came, missed = make.resident(), make.resident()
    for user, status in ((came, "present"), (missed, "absent")):
        db.session.add(
            Attendance(
                session_id=session.id, person_id=user.person.id, status=status, marked_at=now
            )
        )
    db.session.flush()
    return session, came, missed


def test_a_person_who_came_rates_the_session_once(class_today, now):
    session, came, _missed = class_today
    rating = rate(came.person, session, "good", "  老师讲得清楚  ", by=came, now=now)
    assert (rating.value, rating.comment, rating.rated_by_id) == ("good", "老师讲得清楚", came.id)
    with pytest.raises(AlreadyRated):
        rate(came.person, session, "bad", None, by=came, now=now)
    assert db.session.scalar(db.select(db.func.count()).select_from(Rating)) == 1


def test_who_may_not_rate(class_today, make, now):
    session, came, missed = class_today
    stranger = make.resident()
    with pytest.raises(NotAllowed):
        rate(came.person, session, "good", None, by=stranger, now=now)  # another household
    with pytest.raises(NotRateable):
        rate(missed.person, session, "good", None, by=missed, now=now)  # did not come
    with pytest.raises(NotRateable):
        rate(stranger.person, session, "good", None, by=stranger, now=now)  # not on the roll
    with pytest.raises(OutsideTime):
        rate(came.person, session, "good", None, by=came, now=now + timedelta(days=8))
    with pytest.raises(BadRating):
        rate(came.person, session, "great", None, by=came, now=now)
    with pytest.raises(BadRating):
        rate(came.person, session, "good", "长" * 201, by=came, now=now)
    assert db.session.scalar(db.select(db.func.count()).select_from(Rating)) == 0


def test_a_guardian_rates_for_a_child_and_staff_for_anyone(class_today, make, now):
    session, came, _missed = class_today
    child = make.person(household=came.person.household, age=8)
    db.session.add(
        Attendance(session_id=session.id, person_id=child.id, status="late", marked_at=now)
    )
    db.session.flush()
    assert rate(child, session, "ok", None, by=came, now=now).rated_by_id == came.id
    staff = make.user(role="staff", age=40)
    assert rate(came.person, session, "good", None, by=staff, now=now).rated_by_id == staff.id


def test_a_session_not_yet_held_or_cancelled_cannot_be_rated(class_today, make, now):
    session, came, _missed = class_today
    session.status = "cancelled"
    with pytest.raises(NotRateable):
        rate(came.person, session, "good", None, by=came, now=now)


def test_what_is_left_to_rate(class_today, make, now):
    session, came, missed = class_today
    lines = rating_lines([came.person, missed.person], now)
    assert [(line.person.id, line.session.id, line.rating) for line in lines] == [
        (came.person.id, session.id, None)
    ]
    assert next_to_rate([came.person], now).session.id == session.id
    rate(came.person, session, "good", None, by=came, now=now)
    assert rating_lines([came.person], now)[0].rating.value == "good"
    assert next_to_rate([came.person], now) is None
    assert rating_lines([came.person], now + timedelta(days=8)) == []


def test_a_confirmed_link_may_rate_a_pending_one_may_not(class_today, make, now):
    from app.models import HouseholdLink

    session, came, _missed = class_today
    helper, hopeful = make.resident(age=40), make.resident(age=40)
    db.session.add_all(
        [
            HouseholdLink(user_id=helper.id, person_id=came.person.id, status="confirmed"),
            HouseholdLink(user_id=hopeful.id, person_id=came.person.id, status="pending"),
        ]
    )
    db.session.flush()
    with pytest.raises(NotAllowed):
        rate(came.person, session, "good", None, by=hopeful, now=now)
    assert rate(came.person, session, "good", None, by=helper, now=now).rated_by_id == helper.id
