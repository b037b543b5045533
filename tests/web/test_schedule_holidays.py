"""The schedule generator proposes China's statutory holidays and weekend working
days (调休) for the range, from the `holidays` library (checked on 2026); staff
accept, drop or add days before anything is made. The year's list is a page."""

from datetime import date

import pytest
from sqlalchemy import func, select

from app.extensions import db
from app.models import AuditEntry, Role, Session
from app.timeutil import to_local

SCHOOL_WEEK = ["1", "2", "3", "4", "5"]


@pytest.fixture
def staff(make, auth):
    user = make.user(role=Role.STAFF, age=40)
    db.session.commit()
    auth.login(user)
    return user


def _pattern(**extra):
    return {
        "weekdays": SCHOOL_WEEK,
        "first_day": "2026-09-28",
        "last_day": "2026-10-11",
        "start": "16:30",
        "end": "18:00",
        **extra,
    }


def _days(activity):
    db.session.expire_all()
    rows = db.session.scalars(
        select(Session).where(Session.activity_id == activity.id).order_by(Session.starts_at)
    )
    return [to_local(s.starts_at).date() for s in rows]


def test_the_first_press_proposes_the_holidays_and_writes_nothing(client, staff, make):
    activity = make.activity(sessions=0, title="四点半课堂")
    db.session.commit()
    response = client.post(f"/staff/activities/{activity.id}/schedule", data=_pattern())
    assert response.status_code == 200
    text = response.text
    assert "请先核对下面的节假日" in text
    for day in ("2026-10-01", "2026-10-07", "2026-10-10"):
        assert f'value="{day}" checked' in text
    assert "国庆节" in text and "调休上班" in text
    assert 'name="proposed" type="hidden" value="2026-09-28/2026-10-11/12345"' in text
    assert _days(activity) == []
    assert db.session.scalar(select(func.count(AuditEntry.id))) == 0


def test_staff_accept_drop_and_add_days(client, staff, make):
    activity = make.activity(sessions=0, title="四点半课堂")
    db.session.commit()
    holidays = ["2026-10-01", "2026-10-02", "2026-10-05", "2026-10-06"]  # 7 Oct unticked
    response = client.post(
        f"/staff/activities/{activity.id}/schedule",
        data=_pattern(
            proposed="2026-09-28/2026-10-11/12345",
            skip_proposed=holidays,
            extra_proposed=["2026-10-10"],
            skip="2026-09-30",
            extra="2026-10-11",
        ),
    )
    assert response.status_code == 303
    assert _days(activity) == [
        date(2026, 9, 28),
        date(2026, 9, 29),
        date(2026, 10, 7),
        date(2026, 10, 8),
        date(2026, 10, 9),
        date(2026, 10, 10),
        date(2026, 10, 11),
    ]
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "schedule.generate"))
    assert sorted(entry.after["added"]) == ["2026-10-10", "2026-10-11"]


def test_another_range_is_proposed_again_before_anything_is_made(client, staff, make):
    activity = make.activity(sessions=0)
    db.session.commit()
    response = client.post(
        f"/staff/activities/{activity.id}/schedule",
        data=_pattern(proposed="2026-03-01/2026-03-31/12345", last_day="2026-10-31"),
    )
    assert response.status_code == 200
    assert _days(activity) == []


def test_a_day_to_add_outside_the_range_is_refused(client, staff, make):
    activity = make.activity(sessions=0)
    db.session.commit()
    response = client.post(
        f"/staff/activities/{activity.id}/schedule",
        data=_pattern(proposed="2026-09-28/2026-10-11/12345", extra="2026-12-05"),
    )
    assert response.status_code == 422
    assert "field-error" in response.text
    assert _days(activity) == []


def test_a_range_without_holidays_is_made_at_once(client, staff, make):
    activity = make.activity(sessions=0)
    db.session.commit()
    response = client.post(
        f"/staff/activities/{activity.id}/schedule",
        data=_pattern(weekdays=["2"], first_day="2026-03-02", last_day="2026-03-31"),
    )
    assert response.status_code == 303
    assert len(_days(activity)) == 5


def test_the_years_holidays_are_listed(client, staff):
    page = client.get("/staff/holidays?year=2026")
    assert page.status_code == 200
    assert "国庆节" in page.text and "10月10日" in page.text
    later = client.get("/staff/holidays?year=2027")
    assert "尚未公布" in later.text
    for odd in ("９９９９", "abc", "-1", "１９００"):
        assert client.get(f"/staff/holidays?year={odd}").status_code == 200


def test_residents_cannot_see_the_holidays(client, auth, make):
    resident = make.resident()
    db.session.commit()
    auth.login(resident)
    assert client.get("/staff/holidays").status_code in (403, 404)
