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


@pytest.mark.parametrize("ages", [(6, 12), (60, None), (None, 12)])
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
    assert client.post(leave_url, data={"session_id": first.id}).status_code == 303
    leave = db.session.query(Leave).one()
    assert (leave.person_id, leave.session_id, leave.created_by_id) == (
        elder.person.id,
        first.id,
        helper.id,
    )
