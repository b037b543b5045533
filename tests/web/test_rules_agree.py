"""One rule, one place: what a page shows is what the service enforces, because
both come from the same function. Each test fails if the two drift apart again."""

from datetime import timedelta
from html import escape

import pytest

from app.extensions import db
from app.models import Booking
from app.services.booking.eligibility import age_range, window_state


def _book_form(user, activity) -> dict:
    """The class page's booking form: `user` books themselves on the first session."""
    return {
        "person_id": user.person.id,
        "activity_id": activity.id,
        "session_id": activity.sessions[0].id,
    }


# --- the registration window ------------------------------------------------------


@pytest.mark.parametrize("phase", ["not_open", "open", "closed"])
def test_the_class_page_shows_the_window_the_booking_rule_enforces(
    phase, make, auth, client, app, now
):
    opens = {
        "not_open": dict(opens_at=now + timedelta(days=1)),
        "open": dict(opens_at=now - timedelta(days=1), closes_at=now + timedelta(days=1)),
        "closed": dict(closes_at=now - timedelta(hours=1)),
    }[phase]
    activity = make.activity(start_in=timedelta(days=5), **opens)
    user = make.resident()
    make.commit()
    with app.test_request_context("/?lang=en"):
        window = window_state(activity, now)
        label = str(window.label)
    assert window.phase == phase
    page = client.get(f"/classes/{activity.id}?lang=en").get_data(as_text=True)
    auth.login(user)
    answer = client.post("/me/bookings?lang=en", data=_book_form(user, activity))
    if phase == "open":
        assert "Booking opens" not in page and "has closed" not in page
        assert answer.status_code == 303
        return
    # The page's sentence is the refusal's sentence, and nothing is written.
    assert f'<p class="notice notice-info">{escape(label)}</p>' in page
    assert answer.status_code == 409
    assert escape(label) in answer.get_data(as_text=True)
    assert db.session.query(Booking).count() == 0


# --- the age range ----------------------------------------------------------------


@pytest.mark.parametrize("ages", [(6, 12), (None, 12)])
def test_the_class_page_the_programme_page_and_the_refusal_say_the_age_range_alike(
    ages, make, auth, client, app
):
    from tests.programme_helpers import holiday

    low, high = ages
    activity = make.activity(min_age=low, max_age=high)
    programme = holiday(make, min_age=low, max_age=high)
    # Too old or too young for either range.
    user = make.resident(age=13 if low is None else (low - 1))
    make.commit()
    with app.test_request_context("/?lang=en"):
        label = str(age_range(activity))
        assert label == str(age_range(programme.activity))
    assert label
    row = f"<dt>Ages</dt><dd>{escape(label)}</dd>"
    assert row in client.get(f"/classes/{activity.id}?lang=en").get_data(as_text=True)
    assert row in client.get(f"/programmes/{programme.id}?lang=en").get_data(as_text=True)
    auth.login(user)
    refusal = client.post("/me/bookings?lang=en", data=_book_form(user, activity))
    assert refusal.status_code == 409
    assert f"it is for people aged {escape(label)}." in refusal.get_data(as_text=True)


def test_a_blank_bound_is_the_audiences_own_in_the_label_as_in_the_rule(make, app):
    """A children's programme with no oldest age admits under-18s only, and an
    elders' class with no youngest age 60 and over: the label says so, as the
    booking rule decides."""
    from app.models import Audience
    from tests.programme_helpers import holiday

    programme = holiday(make, min_age=6, max_age=None)
    elders = make.activity(audience=Audience.ELDER)
    make.commit()
    with app.test_request_context("/?lang=en"):
        assert str(age_range(programme.activity)) == "6 to 17 years"
        assert str(age_range(elders)) == "60 years and over"


def test_no_age_range_shows_no_ages_row(make, client):
    activity = make.activity()
    make.commit()
    assert age_range(activity) == ""
    assert "<dt>Ages</dt>" not in client.get(f"/classes/{activity.id}?lang=en").get_data(
        as_text=True
    )


# --- "may act for" -------------------------------------------------------------------


def test_leave_on_my_bookings_follows_the_one_may_act_for_rule(make, auth, client, now):
    """The linked helper (代办) sees the elder's term booking on their "my bookings"
    and takes leave for one date; a resident of another household gets 404 for the
    same form, exactly as for cancelling, and nothing is written."""
    from app.models import HouseholdLink, Leave, LinkStatus

    elder = make.resident(age=80)
    helper, stranger = make.resident(age=45), make.resident(age=45)
    db.session.add(
        HouseholdLink(
            user_id=helper.id,
            person_id=elder.person.id,
            status=LinkStatus.CONFIRMED,
            created_at=now,
        )
    )
    term = make.activity(series=True, sessions=2)
    make.commit()
    auth.login(elder)
    form = {"person_id": elder.person.id, "activity_id": term.id}
    assert client.post("/me/bookings", data=form).status_code == 303
    auth.logout()
    booking = db.session.query(Booking).one()
    first = term.sessions[0]
    leave_url = f"/me/bookings/{booking.id}/leave?lang=en"
    auth.login(stranger)
    assert client.post(leave_url, data={"session_id": first.id}).status_code == 404
    assert client.post(f"/me/bookings/{booking.id}/cancel").status_code == 404
    assert db.session.query(Leave).count() == 0
    auth.logout()
    auth.login(helper)
    page = client.get("/me/bookings?lang=en").get_data(as_text=True)
    assert f'action="/me/bookings/{booking.id}/leave"' in page
    confirmed = {"session_id": first.id, "confirmed": "y"}  # past the second screen
    assert client.post(leave_url, data=confirmed).status_code == 303
    leave = db.session.query(Leave).one()
    assert (leave.person_id, leave.session_id, leave.created_by_id) == (
        elder.person.id,
        first.id,
        helper.id,
    )


# --- templates decide nothing ---------------------------------------------------------


def test_no_template_reads_a_clock(app):
    """The context offers no clock (`now_utc` is gone): a template is given finished
    values by its view and never compares times itself."""
    from datetime import date, datetime

    for name in app.jinja_env.list_templates(filter_func=lambda n: n.endswith(".html")):
        source, _, _ = app.jinja_env.loader.get_source(app.jinja_env, name)
        assert "now_utc" not in source, name
    with app.test_request_context("/"):
        context = {}
        app.update_template_context(context)
    assert not [k for k, v in context.items() if isinstance(v, date | datetime)]


def test_the_kiosk_offers_leave_exactly_while_the_leave_rule_allows_it(make, client, app, now):
    from app.models import Channel, Leave
    from app.services.attendance.leave import leave_still_open
    from app.services.booking.book import book
    from app.services.booking.targets import Target

    elder = make.resident()
    activity = make.activity(sessions=1, start_in=timedelta(minutes=30))
    (session,) = activity.sessions
    book(elder.person, Target.of(activity, session), by=elder, channel=Channel.KIOSK, now=now)
    make.commit()
    app.config["FROZEN_NOW"] = session.starts_at - timedelta(minutes=1)
    client.post("/kiosk/login", data={"who": elder.phone, "pin": "123456"})
    leave_form = f'action="/kiosk/sessions/{session.id}/leave"'
    for moment in (session.starts_at - timedelta(minutes=1), session.starts_at):
        app.config["FROZEN_NOW"] = moment
        page = client.get("/kiosk/me?lang=en").get_data(as_text=True)
        assert (leave_form in page) == leave_still_open(session, moment), moment
    answer = client.post(
        f"/kiosk/sessions/{session.id}/leave?lang=en",
        data={"person_id": elder.person.id, "confirmed": "y"},
    )
    # Refused, and told in today's list after the redirect.
    assert answer.status_code == 303 and db.session.query(Leave).count() == 0
    assert "leave can no longer be taken" in client.get("/kiosk/me?lang=en").get_data(as_text=True)


def test_the_class_page_says_over_exactly_when_the_schedule_rule_does(make, auth, client, app, now):
    from app.models import Role
    from app.services.refusals import ScheduleRefused
    from app.services.schedule.sessions import cancel_session

    staff = make.user(role=Role.STAFF, age=40)
    activity = make.activity(sessions=1, start_in=timedelta(hours=1))
    (session,) = activity.sessions
    make.commit()
    app.config["FROZEN_NOW"] = session.ends_at - timedelta(minutes=1)
    auth.login(staff)
    for moment, over in ((session.ends_at - timedelta(minutes=1), False), (session.ends_at, True)):
        app.config["FROZEN_NOW"] = moment
        page = client.get(f"/staff/activities/{activity.id}?lang=en").get_data(as_text=True)
        assert ("<td>Over</td>" in page) == over == session.is_over(moment)
    with pytest.raises(ScheduleRefused):
        cancel_session(session, by=staff, now=session.ends_at)


def _statements(app, get):
    """How many SQL statements `get()` sends."""
    from sqlalchemy import event

    seen = []
    with app.app_context():
        engine = db.engine
    listener = lambda *args: seen.append(args[2])  # noqa: E731
    event.listen(engine, "before_cursor_execute", listener)
    try:
        assert get().status_code == 200
    finally:
        event.remove(engine, "before_cursor_execute", listener)
    return len(seen)


def test_the_class_list_on_the_desk_reads_the_same_statements_for_any_number_of_classes(
    make, auth, client, app
):
    from app.models import Role

    staff = make.user(role=Role.STAFF, age=40)
    make.activity(title="书法班", sessions=3)
    make.commit()
    auth.login(staff)
    page = client.get("/staff/activities?lang=en").get_data(as_text=True)
    assert "<td>3</td>" in page
    few = _statements(app, lambda: client.get("/staff/activities"))
    for i in range(5):
        make.activity(title=f"太极{i}", sessions=2)
    make.commit()
    assert _statements(app, lambda: client.get("/staff/activities")) == few


def test_ages_on_pages_are_counted_on_the_centres_date(make, auth, client, app, now):
    """At 01:00 on 24 Nov in Shanghai it is still 23 Nov in UTC: a child born on 24
    Nov is a year older at the centre, and every page says so."""
    from datetime import date

    from app.models import Role
    from app.timeutil import local_date

    parent = make.resident(age=40)
    child = make.person(household=parent.person.household, birth_date=date(2016, 11, 24))
    staff = make.user(role=Role.STAFF, age=40)
    make.commit()
    moment = now.replace(hour=17)  # 01:00 on Tuesday 24 Nov in Shanghai
    app.config["FROZEN_NOW"] = moment
    assert local_date(moment) == date(2026, 11, 24) != moment.date()
    assert child.age_at(moment) == 10
    auth.login(parent)
    family = client.get("/me/?lang=en").get_data(as_text=True)
    assert "10 years old" in family and "9 years old" not in family
    auth.logout()
    auth.login(staff)
    page = client.get(f"/staff/people/{child.id}?lang=en").get_data(as_text=True)
    assert "<dt>Age</dt><dd>10</dd>" in page
    board = client.get("/display?lang=en").get_data(as_text=True)
    assert "Tuesday 24 November 2026" in board
    auth.logout()
    assert "Tuesday 24 November 2026" in client.get("/kiosk/?lang=en").get_data(as_text=True)


# --- seats left -------------------------------------------------------------------


def test_every_page_showing_a_sessions_seats_left_shows_the_same_number(
    make, auth, client, app, now
):
    """One definition of seats left (`catalogue.seats_left`): a term class of 15
    with one enrolled person who is on leave today has 15 seats today (the term has
    14 places): the class page's dates, the kiosk's drop-in list and the lobby
    display say 15; where the term is listed once to be booked whole (the class
    list, the kiosk's start screen and week) it says the term's 14 — never 15 there,
    never 14 for the day. A session class with 3 of 10 taken says 7 everywhere and
    on the desk's booking form."""
    from app.models import Role
    from app.services.attendance.leave import take_leave
    from app.services.booking.book import book
    from app.services.booking.catalogue import seats_left
    from app.services.booking.targets import Target

    term = make.activity(
        title="太极扇", capacity=15, series=True, sessions=3, start_in=timedelta(hours=1)
    )
    single = make.activity(title="书法班", capacity=10, start_in=timedelta(hours=3))
    enrolled = make.resident()
    enrolment = book(enrolled.person, Target.of(term), by=enrolled, channel="online", now=now)
    take_leave(enrolment, term.sessions[0], by=enrolled, now=now)
    for _ in range(3):
        other = make.resident()
        book(
            other.person, Target.of(single, single.sessions[0]), by=other, channel="online", now=now
        )
    visitor = make.resident()
    staff = make.user(role=Role.STAFF, age=40)
    make.commit()
    assert seats_left(term.sessions[0]) == 15 and Target.of(term).seats_left() == 14
    assert seats_left(single.sessions[0]) == 7

    def said(html: str, number: int) -> bool:
        return f"{number} seats left" in html

    pages = {
        "class list": client.get("/classes?lang=en").get_data(as_text=True),
        "display": client.get("/display?lang=en").get_data(as_text=True),
        "kiosk start": client.get("/kiosk/?lang=en").get_data(as_text=True),
    }
    dates = client.get(f"/classes/{term.id}?lang=en").get_data(as_text=True)
    assert said(dates, 15)
    assert said(client.get(f"/classes/{single.id}?lang=en").get_data(as_text=True), 7)
    auth.login(staff)
    desk = client.get(f"/staff/people/{visitor.person.id}?lang=en").get_data(as_text=True)
    assert "书法班" in desk and "7 free" in desk
    auth.logout()
    client.post("/kiosk/login", data={"who": visitor.phone, "pin": "123456"})
    pages["kiosk drop-in"] = client.get("/kiosk/me?lang=en").get_data(as_text=True)
    pages["kiosk week"] = client.get("/kiosk/classes?lang=en").get_data(as_text=True)
    whole_term = {"class list", "kiosk start", "kiosk week"}
    for name, html in pages.items():
        term_says = 14 if name in whole_term else 15
        assert said(html, term_says), name
        assert not said(html, 29 - term_says), name
        if name != "kiosk drop-in":  # today's drop-ins: the term class only
            assert said(html, 7), name
