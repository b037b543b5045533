"""Calendars on phones: the household's bookings as an iCalendar feed at a private
address (/me/calendar.ics?key=…), parsed back with `icalendar`; renewing or turning
it off makes the old address 404; one booking's "add to calendar" file."""

from datetime import UTC, timedelta

import icalendar
import pytest
from sqlalchemy import func, select

from app.extensions import db
from app.models import CalendarFeed, Channel, Role
from app.services.booking.book import book
from app.services.booking.targets import Target
from app.services.calendar.feeds import renew_feed, token_for
from app.services.schedule.sessions import cancel_session, move_session


def _book(user, activity, session, now, person=None):
    return book(
        person or user.person,
        Target.of(activity, session),
        by=user,
        channel=Channel.PHONE,
        now=now,
    )


def _feed_path(user, now) -> str:
    feed = renew_feed(user, now=now)
    return f"/me/calendar.ics?key={token_for(feed)}"


def _events(response) -> dict:
    assert response.status_code == 200
    assert response.mimetype == "text/calendar"
    calendar = icalendar.Calendar.from_ical(response.data)
    return {str(e["UID"]): e for e in calendar.walk("VEVENT")}


@pytest.fixture
def family(make):
    parent = make.resident(age=40)
    child = make.person(household=parent.person.household, age=9, name="小明")
    return parent, child


def test_the_feed_carries_the_households_bookings_only(client, make, now, family):
    parent, child = family
    club = make.activity(title="四点半课堂", room="二楼活动室", sessions=2)
    choir = make.activity(title="合唱团", room="礼堂")
    _book(parent, club, club.sessions[0], now, person=child)
    _book(parent, choir, choir.sessions[0], now)
    neighbour = make.resident()
    _book(neighbour, club, club.sessions[1], now)
    path = _feed_path(parent, now)
    db.session.commit()

    events = _events(client.get(path))
    assert set(events) == {
        f"zhaoxi-session-{club.sessions[0].id}@zhaoxi",
        f"zhaoxi-session-{choir.sessions[0].id}@zhaoxi",
    }
    club_event = events[f"zhaoxi-session-{club.sessions[0].id}@zhaoxi"]
    assert str(club_event["SUMMARY"]) == "四点半课堂"
    assert str(club_event["LOCATION"]) == "二楼活动室"
    assert club_event.decoded("DTSTART") == club.sessions[0].starts_at.replace(tzinfo=UTC)
    assert club_event.decoded("DTEND") == club.sessions[0].ends_at.replace(tzinfo=UTC)
    # The address may leak: it names nobody.
    assert "小明".encode() not in client.get(path).data
    assert parent.person.name.encode() not in client.get(path).data


def test_moved_and_cancelled_sessions_are_updated(client, make, now, family):
    parent, _child = family
    staff = make.user(role=Role.STAFF, age=40)
    activity = make.activity(title="书法班", sessions=2)
    moved, called_off = activity.sessions
    for session in (moved, called_off):
        _book(parent, activity, session, now)
    path = _feed_path(parent, now)
    db.session.commit()
    before = _events(client.get(path))
    assert str(before[f"zhaoxi-session-{moved.id}@zhaoxi"]["STATUS"]) == "CONFIRMED"

    new_start = moved.starts_at + timedelta(days=1, hours=2)
    move_session(
        moved,
        starts_at=new_start,
        ends_at=new_start + timedelta(hours=1),
        room="三楼",
        by=staff,
        now=now,
    )
    cancel_session(called_off, by=staff, now=now)
    db.session.commit()

    after = _events(client.get(path))
    event = after[f"zhaoxi-session-{moved.id}@zhaoxi"]
    assert event.decoded("DTSTART") == new_start.replace(tzinfo=UTC)
    assert str(event["LOCATION"]) == "三楼"
    cancelled = after[f"zhaoxi-session-{called_off.id}@zhaoxi"]
    assert str(cancelled["STATUS"]) == "CANCELLED"
    assert "书法班" in str(cancelled["SUMMARY"])


def test_a_booking_the_family_cancelled_leaves_the_feed(client, make, now, family):
    parent, _child = family
    activity = make.activity()
    booking = _book(parent, activity, activity.sessions[0], now)
    from app.services.booking.cancel import cancel_booking

    cancel_booking(booking, by=parent, now=now)
    path = _feed_path(parent, now)
    db.session.commit()
    assert _events(client.get(path)) == {}


def test_a_renewed_address_404s_and_the_new_one_works(client, auth, make, now, family):
    parent, _child = family
    old = _feed_path(parent, now)
    db.session.commit()
    assert client.get(old).status_code == 200
    auth.login(parent)
    page = client.post("/me/calendar")
    assert page.status_code == 303
    assert client.get(old).status_code == 404
    shown = client.get("/me/calendar")
    new = db.session.scalar(select(CalendarFeed).where(CalendarFeed.user_id == parent.id))
    token = token_for(new)
    assert token in shown.text
    assert client.get(f"/me/calendar.ics?key={token}").status_code == 200


def test_a_turned_off_address_404s(client, auth, make, now, family):
    parent, _child = family
    path = _feed_path(parent, now)
    db.session.commit()
    auth.login(parent)
    assert client.post("/me/calendar/off").status_code == 303
    assert client.get(path).status_code == 404
    assert db.session.scalar(select(func.count(CalendarFeed.id))) == 0


@pytest.mark.parametrize(
    "key", ["", "x", "A" * 43, "A" * 44, "０" * 43, "%00" * 3, "../../etc/passwd"]
)
def test_a_guessed_or_missing_token_is_404(client, make, now, family, key):
    parent, _child = family
    _feed_path(parent, now)
    db.session.commit()
    assert client.get(f"/me/calendar.ics?key={key}").status_code in (400, 404)
    assert client.get("/me/calendar.ics").status_code == 404


def test_a_deactivated_accounts_feed_404s(client, make, now, family):
    parent, _child = family
    path = _feed_path(parent, now)
    parent.active = False
    db.session.commit()
    assert client.get(path).status_code == 404


def test_the_feed_is_revalidated_not_stored(client, make, now, family):
    parent, _child = family
    activity = make.activity()
    _book(parent, activity, activity.sessions[0], now)
    path = _feed_path(parent, now)
    db.session.commit()
    first = client.get(path)
    assert first.headers["Cache-Control"] == "private, no-cache"
    assert first.headers["Referrer-Policy"] == "no-referrer"
    etag = first.headers["ETag"]
    again = client.get(path, headers={"If-None-Match": etag})
    assert again.status_code == 304
    make.activity(title="新课")  # not booked: the feed says the same
    db.session.commit()
    assert client.get(path, headers={"If-None-Match": etag}).status_code == 304


def test_one_bookings_file_is_for_its_household_only(client, auth, make, now, family):
    parent, child = family
    series = make.activity(title="舞蹈", series=True, sessions=3)
    booking = _book(parent, series, None, now, person=child)
    neighbour = make.resident()
    db.session.commit()

    auth.login(parent)
    response = client.get(f"/me/bookings/{booking.id}/calendar.ics")
    assert response.status_code == 200
    assert "attachment" in response.headers["Content-Disposition"]
    events = _events(response)
    assert len(events) == 3  # the whole term
    assert all(str(e["DESCRIPTION"]) == "小明" for e in events.values())
    assert f"/me/bookings/{booking.id}/calendar.ics" in client.get("/me/bookings").text

    auth.logout()
    auth.login(neighbour)
    assert client.get(f"/me/bookings/{booking.id}/calendar.ics").status_code == 404
    assert client.get("/me/bookings/999999/calendar.ics").status_code == 404


def test_a_linked_helper_gets_no_file_of_the_other_household(client, auth, make, now, family):
    """代办 lets a helper book for someone; the calendar stays the household's."""
    parent, child = family
    from app.models import HouseholdLink, LinkStatus

    helper = make.resident(age=45)
    db.session.add(
        HouseholdLink(
            user_id=helper.id,
            person_id=parent.person.id,
            status=LinkStatus.CONFIRMED,
            created_at=now,
        )
    )
    activity = make.activity()
    booking = _book(parent, activity, activity.sessions[0], now)
    db.session.commit()
    auth.login(helper)
    assert client.get(f"/me/bookings/{booking.id}/calendar.ics").status_code == 404


def test_a_helpers_feed_does_not_carry_whom_they_book_for(client, make, now):
    """A helper (代办) books for an elder of another household: the booking is in the
    elder's household's feed, not in the helper's."""
    from app.models import HouseholdLink, LinkStatus

    elder = make.resident(age=82)
    helper = make.resident(age=45)
    db.session.add(
        HouseholdLink(
            user_id=helper.id,
            person_id=elder.person.id,
            status=LinkStatus.CONFIRMED,
            created_at=now,
        )
    )
    activity = make.activity()
    _book(helper, activity, activity.sessions[0], now, person=elder.person)
    helper_path, elder_path = _feed_path(helper, now), _feed_path(elder, now)
    db.session.commit()
    assert _events(client.get(helper_path)) == {}
    assert len(_events(client.get(elder_path))) == 1
