"""One rule, one place: what a page shows is what the service enforces, because
both come from the same function. Each test fails if the two drift apart again."""

from datetime import timedelta
from html import escape

import pytest

from app.extensions import db
from app.models import Booking
from app.services.booking.eligibility import window_state

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
    form = {
        "person_id": user.person.id,
        "activity_id": activity.id,
        "session_id": activity.sessions[0].id,
    }
    answer = client.post("/me/bookings?lang=en", data=form)
    if phase == "open":
        assert "Booking opens" not in page and "has closed" not in page
        assert answer.status_code == 303
        return
    # The page's sentence is the refusal's sentence, and nothing is written.
    assert f'<p class="notice notice-info">{escape(label)}</p>' in page
    assert answer.status_code == 409
    assert escape(label) in answer.get_data(as_text=True)
    assert db.session.query(Booking).count() == 0
