"""Term classes through the pages: listed once as a whole term ("整学期 · 每周二 …
· 共 N 次"), named by their next session and its number in the term on the slip, in
notices and in "My bookings", and a single freed date booked on its own (issues 12
and 17)."""

from datetime import timedelta

import pytest

from app.extensions import db
from app.jobs import run_all
from app.models import Booking, BookingStatus, Channel, Notice
from app.services.attendance import leave as attendance_leave
from app.services.booking.book import book
from app.services.booking.targets import Target
from app.services.schedule.sessions import add_session
from tests.conftest import assert_seat_invariant

DAY = timedelta(days=1)
WEEK = timedelta(days=7)
HX = {"HX-Request": "true"}


def _mid_term(make, now, capacity=10):
    """太极拳 on Tuesdays and Thursdays at 10:00, twelve weeks, four of them over:
    24 sessions, the next (Tuesday 24 Nov) is the 9th."""
    activity = make.activity(
        title="太极拳", series=True, sessions=12, start_in=-4 * WEEK + DAY, capacity=capacity
    )
    for tuesday in list(activity.sessions):
        add_session(activity, tuesday.starts_at + 2 * DAY, tuesday.ends_at + 2 * DAY)
    db.session.expire(activity, ["sessions"])
    return activity


def _enrol(user, activity, now):
    return book(user.person, Target.of(activity), by=user, channel=Channel.PHONE, now=now)


def _kiosk_login(client, user):
    return client.post("/kiosk/login", data={"who": user.phone, "pin": "123456"})


# --- 12.6: one entry per term, on the kiosk and the phone --------------------------


@pytest.mark.parametrize(
    ("lang", "pattern", "number"),
    [
        ("zh", "整学期 · 每周二和周四 10:00 · 共 24 次", "第 9 次课，共 24 次"),
        (
            "en",
            "The whole term · every Tuesday and Thursday 10:00 · 24 sessions",
            "session 9 of 24",
        ),
    ],
    ids=["zh", "en"],
)
def test_the_kiosk_lists_a_term_once_and_its_slip_names_the_next_session(
    make, client, now, lang, pattern, number
):
    activity = _mid_term(make, now)
    elder = make.resident()
    make.commit()
    start = client.get(f"/kiosk/?lang={lang}").get_data(as_text=True)
    assert start.count("太极拳") == 1 and pattern in start
    _kiosk_login(client, elder)
    listing = client.get(f"/kiosk/classes?lang={lang}").get_data(as_text=True)
    # One entry and one button for the whole term, not one per session this week.
    assert listing.count(f'name="activity_id" value="{activity.id}"') == 1
    assert pattern in listing
    booked = client.post("/kiosk/book", data={"activity_id": activity.id}, follow_redirects=True)
    html = booked.get_data(as_text=True)
    assert booked.status_code == 200 and number in html
    booking = db.session.query(Booking).one()
    assert booking.session_id is None and booking.status == BookingStatus.CONFIRMED
    slip = client.get(f"/kiosk/bookings/{booking.id}/slip?lang={lang}").get_data(as_text=True)
    assert number in slip
    assert "第一次" not in slip and "first of the term" not in slip
    assert number in client.get(f"/kiosk/bookings?lang={lang}").get_data(as_text=True)


def test_the_phones_class_list_shows_a_term_once(make, client, now):
    _mid_term(make, now)
    make.activity(title="讲座", start_in=2 * DAY)
    make.commit()
    html = client.get("/classes").get_data(as_text=True)
    assert html.count("太极拳") == 1 and "整学期 · 每周二和周四 10:00 · 共 24 次" in html
    assert "讲座" in html


def test_my_bookings_names_the_next_session_and_its_number(make, auth, client, now):
    activity = _mid_term(make, now)
    member = make.resident()
    _enrol(member, activity, now)
    make.commit()
    auth.login(member)
    html = client.get("/me/bookings").get_data(as_text=True)
    assert (
        "整个学期 · 下次上课：11月24日 周二 10:00–11:30" in html and "第 9 次课，共 24 次" in html
    )


# --- 12.7 and 17.10: notices name the right session --------------------------------


def test_a_seat_freed_on_a_term_is_announced_with_the_next_class(make, auth, client, now):
    activity = _mid_term(make, now, capacity=1)
    holder, waiting = make.resident(), make.resident()
    mine = _enrol(holder, activity, now - DAY)
    _enrol(waiting, activity, now - DAY)
    make.commit()
    auth.login(holder)
    confirmed = {"confirmed": "y"}  # past the second screen (a waiting person gets the seat)
    assert client.post(f"/me/bookings/{mine.id}/cancel", data=confirmed).status_code == 303
    auth.logout()
    auth.login(waiting)
    inbox = client.get("/me/inbox").get_data(as_text=True)
    assert "11月24日 周二 10:00，第 9 次课，共 24 次" in inbox
    assert "10月27日" not in inbox  # the term's first date, long past


def test_the_suspension_notice_names_the_session_missed(make, auth, client, now):
    activity = _mid_term(make, now)
    member = make.resident()
    _enrol(member, activity, now - 5 * WEEK)
    missed = sorted((s for s in activity.sessions if s.ends_at < now), key=lambda s: s.starts_at)[
        -3:
    ]
    # Only the last three sessions are missed: the earlier ones were attended.
    make.commit()
    for session in activity.sessions:
        if session.ends_at < now and session not in missed:
            attendance_leave.take_leave(
                db.session.get(Booking, _booking_id(member)),
                session,
                by=member,
                now=session.starts_at - DAY,
            )
    run_all(now)
    make.commit()
    notice = db.session.query(Notice).filter_by(kind="suspended").one()
    assert notice.params["starts_at"] == missed[-1].starts_at.isoformat()
    auth.login(member)
    inbox = client.get("/me/inbox").get_data(as_text=True)
    assert "11月19日 周四 10:00，第 8 次课，共 24 次" in inbox


def _booking_id(user):
    return db.session.query(Booking.id).filter_by(person_id=user.person.id).scalar()


# --- 17.2: a single freed date, online -----------------------------------------------


def _full_with_a_freed_date(make, now):
    """A one-seat term, its seat held; the holder takes leave on Thursday 26 Nov."""
    activity = _mid_term(make, now, capacity=1)
    holder = make.resident()
    enrolment = _enrol(holder, activity, now - DAY)
    thursday = min(
        (s for s in activity.sessions if s.starts_at > now + DAY), key=lambda s: s.starts_at
    )
    attendance_leave.take_leave(enrolment, thursday, by=holder, now=now)
    return activity, thursday


@pytest.mark.parametrize("headers", [{}, HX], ids=["plain", "htmx"])
def test_a_freed_date_is_offered_and_booked_on_the_class_page(make, auth, client, now, headers):
    activity, thursday = _full_with_a_freed_date(make, now)
    visitor = make.resident()
    make.commit()
    auth.login(visitor)
    page = client.get(f"/classes/{activity.id}").get_data(as_text=True)
    assert f'id="card-session-{thursday.id}"' in page and "只约这一次" in page
    data = {"activity_id": activity.id, "session_id": thursday.id, "person_id": visitor.person.id}
    response = client.post("/me/bookings", data=data, headers=headers)
    assert response.status_code == (200 if headers else 303)
    if headers:
        assert f'id="card-session-{thursday.id}"' in response.get_data(as_text=True)
    booking = db.session.query(Booking).filter_by(person_id=visitor.person.id).one()
    assert (booking.session_id, booking.status) == (thursday.id, BookingStatus.CONFIRMED)
    html = client.get("/me/bookings").get_data(as_text=True)
    assert "只上这一次 · 11月26日 周四 10:00" in html and "第 10 次课，共 24 次" in html
    assert_seat_invariant()


def test_the_kiosk_offers_a_freed_date_of_a_full_term_and_books_it_alone(make, client, now):
    activity, thursday = _full_with_a_freed_date(make, now)
    elder = make.resident()
    make.commit()
    _kiosk_login(client, elder)
    listing = client.get("/kiosk/classes").get_data(as_text=True)
    assert "排队等整学期的名额" in listing and "只约这一次" in listing
    assert f'name="session_id" value="{thursday.id}"' in listing
    booked = client.post(
        "/kiosk/book",
        data={"activity_id": activity.id, "session_id": thursday.id},
        follow_redirects=True,
    )
    html = booked.get_data(as_text=True)
    assert booked.status_code == 200 and "只上这一次" in html and "第 10 次课，共 24 次" in html
    booking = db.session.query(Booking).filter_by(person_id=elder.person.id).one()
    assert (booking.session_id, booking.status) == (thursday.id, BookingStatus.CONFIRMED)
    assert_seat_invariant()
