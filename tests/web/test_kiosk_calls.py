"""呼叫工作人员 at the kiosk reaches the desk: the staff's front page shows a count and
the list of open calls, asks again by htmx every 10 s or less, and staff mark a call
helped there. Nobody else sees the list or marks a call."""

from __future__ import annotations

import re

from sqlalchemy import func, select

from app.extensions import db
from app.models import HelpRequest, Role

HX = {"HX-Request": "true"}


def _kiosk_login(client, user, pin="123456"):
    assert client.post("/kiosk/login", data={"who": user.phone, "pin": pin}).status_code == 303


def _open_calls() -> int:
    db.session.expire_all()
    return db.session.scalar(
        select(func.count(HelpRequest.id)).where(HelpRequest.resolved_at.is_(None))
    )


def test_a_kiosk_call_shows_on_the_desks_front_page_with_a_count_and_a_poll(make, client, auth):
    elder = make.resident()
    staff = make.user(role=Role.STAFF, age=40)
    make.commit()
    _kiosk_login(client, elder)
    assert client.post("/kiosk/help", headers=HX).status_code == 200
    client.post("/kiosk/done")
    client.post("/kiosk/help")  # a passer-by at the start screen too
    auth.login(staff)
    home = client.get("/staff/?lang=en").get_data(as_text=True)
    calls = home.split('id="help-requests"', 1)[1].split("</section>", 1)[0]
    assert "Kiosk calls" in calls
    assert re.search(r'class="badge help-count" role="status">2<', calls)
    assert elder.person.name in calls and elder.phone in calls and "Not logged in" in calls
    # htmx asks again within 10 s for the fragment, which has the same count.
    trigger = re.search(r'data-hx-trigger="every (\d+)s"', home.split('id="help-requests"')[1])
    assert trigger and int(trigger.group(1)) <= 10
    assert 'data-hx-get="/kiosk/help-requests"' in home
    polled = client.get("/kiosk/help-requests?lang=en", headers=HX).get_data(as_text=True)
    assert polled.strip().startswith("<section") and 'help-count" role="status">2<' in polled
    assert "<html" not in polled


def test_staff_mark_a_call_helped_from_the_front_page_with_and_without_javascript(
    make, client, auth
):
    staff = make.user(role=Role.STAFF, age=40)
    make.commit()
    client.post("/kiosk/help")
    auth.login(staff)
    first = db.session.scalar(select(HelpRequest.id))
    swapped = client.post(f"/kiosk/help-requests/{first}/done?lang=en", headers=HX)
    assert swapped.status_code == 200
    html = swapped.get_data(as_text=True)
    assert "Marked as helped." in html and "Nobody is waiting at the kiosk." in html
    assert _open_calls() == 0
    client.post("/logout")
    client.post("/kiosk/help")
    auth.login(staff)
    second = db.session.scalar(select(HelpRequest.id).where(HelpRequest.resolved_at.is_(None)))
    plain = client.post(
        f"/kiosk/help-requests/{second}/done", headers={"Referer": "http://localhost/staff/"}
    )
    assert plain.status_code == 303 and plain.headers["Location"] == "/staff/"
    assert _open_calls() == 0
    # Someone else was quicker: news, not an error, and nothing changes.
    again = client.post(f"/kiosk/help-requests/{second}/done?lang=en", headers=HX)
    assert again.status_code == 409 and "notice-info" in again.get_data(as_text=True)


def test_a_kiosk_visitor_neither_sees_the_calls_nor_marks_one_helped(make, client):
    elder = make.resident()
    make.commit()
    client.post("/kiosk/help")
    call = db.session.scalar(select(HelpRequest.id))
    _kiosk_login(client, elder)
    listing = client.get("/kiosk/help-requests")
    assert listing.status_code in (302, 303, 403)
    assert "Not logged in" not in listing.get_data(as_text=True)
    _kiosk_login(client, elder)
    done = client.post(f"/kiosk/help-requests/{call}/done", headers=HX)
    assert done.status_code in (204, 302, 303, 403)
    assert _open_calls() == 1
    # Nor at an idle start screen, nor a resident on their phone.
    client.post("/kiosk/done")
    assert client.get("/kiosk/help-requests").status_code in (302, 303, 401, 403)
    assert client.post(f"/kiosk/help-requests/{call}/done").status_code in (302, 303, 401, 403)
    assert _open_calls() == 1


def test_a_resident_on_the_phone_cannot_mark_a_call_helped(make, client, auth):
    resident = make.resident()
    make.commit()
    client.post("/kiosk/help")
    call = db.session.scalar(select(HelpRequest.id))
    auth.login(resident)
    assert client.get("/kiosk/help-requests").status_code == 403
    assert client.post(f"/kiosk/help-requests/{call}/done").status_code == 403
    assert _open_calls() == 1


def test_a_staff_account_logged_in_at_the_kiosk_is_logged_out_when_it_asks_for_the_calls(
    make, client
):
    staff = make.user(role=Role.STAFF, age=40)
    make.commit()
    client.post("/kiosk/help")
    call = db.session.scalar(select(HelpRequest.id))
    _kiosk_login(client, staff, pin="teach-and-learn")
    answer = client.post(f"/kiosk/help-requests/{call}/done")
    assert answer.status_code == 303 and answer.headers["Location"].endswith("/kiosk/")
    assert _open_calls() == 1
    assert client.get("/kiosk/me").status_code == 302  # logged out
