"""Residents see and book up to the booking horizon (60 days), not only the next 7:
the class list week by week, the coming events, the kiosk's weeks. Beyond the
horizon, or unpublished, a session is neither shown nor bookable (the server
refuses, it is not only hidden); the desk may still book ahead."""

from datetime import timedelta

import pytest

from app.extensions import db
from app.models import ActivityStatus, Booking, Channel, Role
from app.services.booking.book import book
from app.services.booking.targets import Target


def _book(client, user, activity, lang="en"):
    return client.post(
        f"/me/bookings?lang={lang}",
        data={
            "person_id": user.person.id,
            "activity_id": activity.id,
            "session_id": activity.sessions[0].id,
        },
    )


@pytest.fixture
def ahead(make):
    """An event in 10 days, one in 50 days, one beyond the horizon (70 days) and a
    draft class in 10 days."""
    soon = make.activity(title="越剧班", start_in=timedelta(days=10), category="event")
    later = make.activity(title="写春联", start_in=timedelta(days=50), category="event")
    beyond = make.activity(title="元宵灯会", start_in=timedelta(days=70), category="event")
    draft = make.activity(title="草稿班", start_in=timedelta(days=10))
    draft.status = ActivityStatus.DRAFT
    resident = make.resident()
    make.commit()
    return soon, later, beyond, draft, resident


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_the_class_list_pages_week_by_week_to_the_horizon(ahead, client, lang):
    soon, later, beyond, draft, _ = ahead
    first = client.get(f"/classes?lang={lang}").get_data(as_text=True)
    assert soon.title not in first
    # The next week's link, with the filters chosen, and the week after it.
    assert 'href="/classes?week=1"' in first and 'rel="prev"' not in first
    second = client.get(f"/classes?week=1&lang={lang}").get_data(as_text=True)
    assert soon.title in second and draft.title not in second
    assert 'href="/classes"' in second  # back to this week
    eighth = client.get(f"/classes?week=7&lang={lang}").get_data(as_text=True)
    assert later.title in eighth
    # The last week stops at the horizon: no next link, nothing beyond it.
    last = client.get(f"/classes?week=8&lang={lang}").get_data(as_text=True)
    assert 'rel="next"' not in last and beyond.title not in last
    filtered = client.get(f"/classes?week=1&category=event&lang={lang}").get_data(as_text=True)
    assert "week=2&amp;category=event" in filtered or "category=event&amp;week=2" in filtered


@pytest.mark.parametrize("week", ["abc", "99999", "１", "-1", "", "9" * 40])
def test_an_odd_week_is_a_week_not_an_error(ahead, client, week):
    assert client.get("/classes", query_string={"week": week}).status_code == 200


def test_coming_events_lists_the_next_sixty_days(ahead, client):
    soon, later, beyond, draft, _ = ahead
    html = client.get("/events?lang=en").get_data(as_text=True)
    assert soon.title in html and later.title in html
    assert beyond.title not in html and draft.title not in html
    assert "Coming events" in client.get("/classes?lang=en").get_data(as_text=True)
    assert "即将举办的活动" in client.get("/events?lang=zh").get_data(as_text=True)


def test_a_resident_books_a_class_eight_weeks_ahead(ahead, auth, client):
    _, later, _, _, resident = ahead
    assert later.title in client.get(f"/classes/{later.id}?lang=en").get_data(as_text=True)
    auth.login(resident)
    assert _book(client, resident, later).status_code == 303
    assert db.session.query(Booking).filter_by(activity_id=later.id).count() == 1


def test_beyond_the_horizon_a_resident_cannot_see_or_book_but_the_desk_can(
    ahead, make, auth, client, now
):
    _, _, beyond, draft, resident = ahead
    staff = make.user(role=Role.STAFF, age=40)
    make.commit()
    page = client.get(f"/classes/{beyond.id}?lang=en").get_data(as_text=True)
    assert "There are no coming dates for this class." in page
    auth.login(resident)
    refused = _book(client, resident, beyond)
    assert refused.status_code == 409
    assert "too far ahead to book" in refused.get_data(as_text=True)
    # Unpublished: as if it did not exist.
    assert _book(client, resident, draft).status_code == 404
    assert db.session.query(Booking).count() == 0
    # The desk books ahead for someone who asks.
    booking = book(
        resident.person,
        Target.of(beyond, beyond.sessions[0]),
        by=staff,
        channel=Channel.PHONE,
        now=now,
    )
    assert booking.status == "confirmed"


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_the_kiosk_pages_through_weeks_with_large_buttons(ahead, client, lang):
    soon, _, beyond, _, resident = ahead
    client.post("/kiosk/login", data={"who": resident.phone, "pin": "123456"})
    first = client.get(f"/kiosk/classes?lang={lang}").get_data(as_text=True)
    assert soon.title not in first
    assert 'class="button button-secondary week-button week-next"' in first
    second = client.get(f"/kiosk/classes?week=1&lang={lang}").get_data(as_text=True)
    assert soon.title in second and "week-prev" in second
    assert '<input type="hidden" name="week" value="1">' in second
    booked = client.post(
        "/kiosk/book",
        data={"activity_id": soon.id, "session_id": soon.sessions[0].id, "week": "1"},
        follow_redirects=True,  # a kiosk POST answers with a redirect (issue 12)
    )
    assert booked.status_code == 200
    assert db.session.query(Booking).filter_by(channel=Channel.KIOSK).count() == 1
    refused = client.post(
        "/kiosk/book",
        data={"activity_id": beyond.id, "session_id": beyond.sessions[0].id, "week": "1"},
    )
    assert refused.status_code == 303 and "week=1" in refused.headers["Location"]
    assert db.session.query(Booking).count() == 1
