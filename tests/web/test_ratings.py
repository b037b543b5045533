"""Satisfaction ratings through the pages (issue 13): "最近的课怎么样？" on My
bookings, "上次的课怎么样？" at the kiosk after login; one tap on a face."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from app.extensions import db
from app.models import Attendance, HouseholdLink, Rating


def _ratings() -> int:
    return db.session.scalar(select(func.count()).select_from(Rating))


def _came(session, person, now, status="present"):
    db.session.add(
        Attendance(session_id=session.id, person_id=person.id, status=status, marked_at=now)
    )


@pytest.fixture
def held(make, now):
    """A session that ended an hour ago: `came` was there, `missed` was not."""
    activity = make.activity(title="太极拳", sessions=1, start_in=-timedelta(hours=3))
    session = activity.sessions[0]
    came, missed = make.resident(), make.resident()
    _came(session, came.person, now)
    _came(session, missed.person, now, status="absent")
    make.commit()
    return session, came, missed


def _rate(client, url, person, session, value="good", **extra):
    data = {"person_id": person.id, "session_id": session.id, "value": value, **extra}
    return client.post(url, data=data)


# --- My bookings --------------------------------------------------------------------


def test_a_resident_rates_a_session_from_my_bookings(held, auth, client):
    session, came, _missed = held
    auth.login(came)
    page = client.get("/me/bookings").get_data(as_text=True)
    assert "最近的课怎么样？" in page and "太极拳" in page
    assert 'name="value" value="good"' in page and 'maxlength="200"' in page
    response = _rate(client, "/me/ratings", came.person, session, "ok", comment=" 老师很耐心 ")
    assert response.status_code == 303
    assert response.headers["Location"].endswith("/me/bookings#ratings")
    rating = db.session.scalars(select(Rating)).one()
    assert (rating.person_id, rating.value, rating.comment) == (came.person.id, "ok", "老师很耐心")
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "谢谢您的评价！" in page and "您评价了：一般" in page
    assert 'name="value"' not in page
    # A second rating is refused, with the page and the refusal's status.
    again = _rate(client, "/me/ratings", came.person, session, "bad")
    assert again.status_code == 409
    assert _ratings() == 1
    assert db.session.scalars(select(Rating)).one().value == "ok"


def test_another_households_person_answers_404_and_nothing_is_written(held, make, auth, client):
    session, came, _missed = held
    stranger = make.resident()
    make.commit()
    auth.login(stranger)
    assert _rate(client, "/me/ratings", came.person, session).status_code == 404
    assert _ratings() == 0


def test_a_session_not_attended_cannot_be_rated(held, auth, client):
    session, _came_user, missed = held
    auth.login(missed)
    assert "最近的课怎么样？" not in client.get("/me/bookings").get_data(as_text=True)
    assert _rate(client, "/me/ratings", missed.person, session).status_code == 409
    assert _ratings() == 0


def test_a_bad_face_is_refused(held, auth, client):
    session, came, _missed = held
    auth.login(came)
    assert _rate(client, "/me/ratings", came.person, session, "great").status_code == 422
    assert _ratings() == 0


def test_a_stranger_not_logged_in_is_sent_to_log_in(held, client):
    session, came, _missed = held
    response = _rate(client, "/me/ratings", came.person, session)
    assert response.status_code == 302 and "/login" in response.headers["Location"]
    assert _ratings() == 0


def test_a_linked_person_is_rated_from_my_bookings(held, make, auth, client):
    """代办: a confirmed helper sees and rates the person's session on the web."""
    session, came, _missed = held
    helper = make.resident(age=40)
    db.session.add(HouseholdLink(user_id=helper.id, person_id=came.person.id, status="confirmed"))
    make.commit()
    auth.login(helper)
    assert "太极拳" in client.get("/me/bookings").get_data(as_text=True)
    assert _rate(client, "/me/ratings", came.person, session).status_code == 303
    assert db.session.scalars(select(Rating)).one().rated_by_id == helper.id


# --- the kiosk ------------------------------------------------------------------------


def _kiosk_login(client, user):
    response = client.post("/kiosk/login", data={"who": user.phone, "pin": "123456"})
    assert response.status_code == 303
    return client.get(response.headers["Location"]).get_data(as_text=True)


def test_the_kiosk_asks_after_login_and_one_tap_rates(held, client):
    session, came, _missed = held
    page = _kiosk_login(client, came)
    assert "上次的课怎么样？" in page and "太极拳" in page and came.person.name in page
    assert "跳过" in page
    response = _rate(client, "/kiosk/ratings", came.person, session, "good")
    assert response.status_code == 303 and response.headers["Location"].endswith("/kiosk/me")
    assert db.session.scalars(select(Rating)).one().value == "good"
    page = client.get("/kiosk/me").get_data(as_text=True)
    assert "谢谢您的评价！" in page and "上次的课怎么样？" not in page


def test_a_skip_is_remembered_for_the_visit(held, client):
    _session, came, _missed = held
    _kiosk_login(client, came)
    response = client.post("/kiosk/ratings/skip")
    assert response.status_code == 303
    assert "上次的课怎么样？" not in client.get("/kiosk/me").get_data(as_text=True)
    assert _ratings() == 0
    # The next visit asks again.
    client.post("/kiosk/done")
    assert "上次的课怎么样？" in _kiosk_login(client, came)


def test_the_kiosk_does_not_ask_about_a_session_not_attended(held, client):
    _session, _came_user, missed = held
    assert "上次的课怎么样？" not in _kiosk_login(client, missed)


def test_a_linked_person_is_refused_at_the_kiosk(held, make, client):
    """A shared screen acts for its household only: 代办 is for the web and the desk."""
    session, came, _missed = held
    helper = make.resident(age=40)
    db.session.add(HouseholdLink(user_id=helper.id, person_id=came.person.id, status="confirmed"))
    make.commit()
    assert "上次的课怎么样？" not in _kiosk_login(client, helper)
    assert _rate(client, "/kiosk/ratings", came.person, session).status_code == 404
    assert _ratings() == 0
