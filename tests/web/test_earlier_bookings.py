"""My bookings shows what is coming; the past is on the "earlier" pages, twenty at a
time, newest first, each page after the last one's (session start, booking id)
(issue 18). Residents see their household's past only, the desk anyone's."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest

from app.extensions import db
from app.models import Booking, BookingStatus, Channel, Role
from app.services.booking.history import Cursor

OLDER = re.compile(r'href="([^"]*before=[^"]*)"')


def held_booking(person, activity, session=None, status=BookingStatus.CONFIRMED, queued_at=None):
    """A booking written as it stands, whenever its class is (no booking rule asked)."""
    booking = Booking(
        person_id=person.id,
        household_id=person.household_id,
        activity_id=activity.id,
        session_id=session.id if session is not None else None,
        status=status,
        channel=Channel.ONLINE,
        queued_at=queued_at or activity.sessions[0].starts_at - timedelta(days=30),
    )
    db.session.add(booking)
    db.session.flush()
    return booking


def past_booking(
    make, person, *, days_ago=7, series=False, status=BookingStatus.CONFIRMED, title=None
):
    """A booking of `person` on a class held `days_ago` days ago (a whole term whose
    last session was then, with `series`)."""
    activity = make.activity(
        title=title or f"旧课{days_ago}",
        series=series,
        sessions=2 if series else 1,
        start_in=-timedelta(days=days_ago + (7 if series else 0)),
    )
    return held_booking(person, activity, None if series else activity.sessions[0], status)


def _pages(client, url):
    """Every page from `url`, following "Older": their bodies."""
    bodies = []
    while url:
        response = client.get(url)
        assert response.status_code == 200
        body = response.get_data(as_text=True)
        bodies.append(body)
        older = OLDER.findall(body)
        url = older[-1].replace("&amp;", "&") if older else None
        assert len(bodies) < 10
    return bodies


@pytest.fixture
def elder(make):
    return make.resident()


def test_my_bookings_lists_the_coming_and_links_to_the_earlier(make, client, auth, elder, now):
    coming = make.activity(title="太极拳")
    held_booking(elder.person, coming, coming.sessions[0])
    past_booking(make, elder.person, title="去年的书法")
    make.commit()
    auth.login(elder)
    page = client.get("/me/bookings").get_data(as_text=True)
    assert "太极拳" in page and "去年的书法" not in page
    assert 'href="/me/bookings/earlier"' in page
    earlier = client.get("/me/bookings/earlier").get_data(as_text=True)
    assert "去年的书法" in earlier and "太极拳" not in earlier


def test_a_term_is_coming_while_it_has_coming_sessions(make, client, auth, elder, now):
    running = make.activity(title="八段锦", series=True, sessions=3, start_in=-timedelta(days=7))
    held_booking(elder.person, running)
    past_booking(make, elder.person, series=True, title="五禽戏")
    make.commit()
    auth.login(elder)
    page = client.get("/me/bookings").get_data(as_text=True)
    earlier = client.get("/me/bookings/earlier").get_data(as_text=True)
    assert "八段锦" in page and "八段锦" not in earlier
    assert "五禽戏" in earlier and "五禽戏" not in page


def test_the_earlier_pages_hold_every_past_booking_once_newest_first(make, client, auth, elder):
    made = [past_booking(make, elder.person, days_ago=d, title=f"课{d:02d}") for d in range(1, 46)]
    past_booking(make, elder.person, days_ago=50, status=BookingStatus.CANCELLED, title="取消的课")
    make.commit()
    auth.login(elder)
    bodies = _pages(client, "/me/bookings/earlier")
    assert len(bodies) == 3  # 20, 20 and 6
    shown = [re.findall(r"课(\d\d)", body) for body in bodies]
    assert [len(s) for s in shown] == [20, 20, 5]
    days = [int(d) for page in shown for d in page]
    assert days == sorted(days) and len(set(days)) == len(made)
    assert "取消的课" in bodies[-1]


def test_another_household_sees_none_of_it_even_with_its_cursor(make, client, auth, elder):
    mine = [past_booking(make, elder.person, days_ago=d, title="别人家的课") for d in range(1, 25)]
    stranger = make.resident()
    make.commit()
    auth.login(stranger)
    cursors = [Cursor.parse("0-0"), Cursor(mine[0].session.starts_at + timedelta(1), 10**6)]
    for url in ["/me/bookings/earlier"] + [
        f"/me/bookings/earlier?before={c.token}" for c in cursors
    ]:
        body = client.get(url).get_data(as_text=True)
        assert "别人家的课" not in body and elder.person.name not in body


@pytest.mark.parametrize(
    "before",
    ["x", "9" * 40, "\x00", "１２３-４", "-1-5", "99999999999999999-1", "1-99999999999", "1-", "%"],
)
def test_a_malformed_cursor_is_the_first_page(make, client, auth, elder, before):
    """Or refused as a bad request (the app refuses a NUL in any input), never a 5xx."""
    past_booking(make, elder.person, title="旧的太极")
    make.commit()
    auth.login(elder)
    response = client.get("/me/bookings/earlier", query_string={"before": before})
    if "\x00" in before:
        assert response.status_code == 400
    else:
        assert response.status_code == 200
        assert "旧的太极" in response.get_data(as_text=True)


def test_the_desk_pages_a_persons_past(make, client, auth, elder):
    for d in range(1, 26):
        past_booking(make, elder.person, days_ago=d, title=f"课{d:02d}")
    staff = make.user(role=Role.STAFF, age=40)
    make.commit()
    auth.login(staff)
    page = client.get(f"/staff/people/{elder.person_id}").get_data(as_text=True)
    assert "课01" not in page
    assert f'href="/staff/people/{elder.person_id}/earlier"' in page
    bodies = _pages(client, f"/staff/people/{elder.person_id}/earlier")
    assert [len(re.findall(r"课\d\d", b)) for b in bodies] == [20, 5]


@pytest.mark.parametrize("role", [Role.TEACHER, Role.RESIDENT])
def test_only_the_desk_sees_a_persons_past(make, client, auth, elder, role):
    past_booking(make, elder.person, title="旧的太极")
    other = make.user(role=role, age=40)
    make.commit()
    auth.login(other)
    response = client.get(f"/staff/people/{elder.person_id}/earlier")
    assert response.status_code in (403, 404)
    assert "旧的太极" not in response.get_data(as_text=True)
