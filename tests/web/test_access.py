"""Every route, every kind of user: who may open what.

A new route fails `test_every_route_is_in_the_matrix` until it is listed here.
"""

from __future__ import annotations

from datetime import timedelta

import pytest

from app.extensions import db
from app.models import Role

ANON, RESIDENT, TEACHER, STAFF, ADMIN = "anonymous", "resident", "teacher", "staff", "admin"
EVERYONE = (ANON, RESIDENT, TEACHER, STAFF, ADMIN)
LOGGED_IN = (RESIDENT, TEACHER, STAFF, ADMIN)
DESK = (STAFF, ADMIN)


def _objects(make):
    """A class, a session, and a booking that belongs to someone else's household."""
    activity = make.activity(capacity=5)
    owner = make.resident()
    from app.models import Channel
    from app.services.booking import book
    from app.services.targets import Target

    booking = book(
        owner.person,
        Target.of(activity, activity.sessions[0]),
        by=owner,
        channel=Channel.PHONE,
        now=make.now,
    )
    series = make.activity(title="舞蹈", series=True, sessions=2, start_in=timedelta(days=3))
    from app.models import HouseholdLink, OfferCall

    helper = make.resident(age=40)
    link = HouseholdLink(user_id=helper.id, person_id=owner.person.id, created_at=make.now)
    call = OfferCall(booking_id=booking.id, person_id=owner.person.id, created_at=make.now)
    db.session.add_all([link, call])
    db.session.flush()
    return {
        "activity_id": activity.id,
        "session_id": activity.sessions[0].id,
        "booking_id": booking.id,
        "person_id": owner.person.id,
        "household_id": owner.person.household_id,
        "series_id": series.id,
        "link_id": link.id,
        "call_id": call.id,
    }


# endpoint: (method, url template, roles allowed). A role not allowed gets a login
# redirect (anonymous) or 403/404 (logged in). POSTs are sent empty: allowed roles
# get past the access check and fail validation (4xx, never 302-to-login or 403).
MATRIX = {
    "static": ("GET", "/static/css/site.css", EVERYONE),
    "public.index": ("GET", "/", EVERYONE),
    "public.healthz": ("GET", "/healthz", EVERYONE),
    "public.list_activities": ("GET", "/classes", EVERYONE),
    "public.show_activity": ("GET", "/classes/{activity_id}", EVERYONE),
    "auth.login": ("GET", "/login", EVERYONE),
    "auth.logout": ("POST", "/logout", LOGGED_IN),
    "account.household": ("GET", "/me/", LOGGED_IN),
    "account.list_bookings": ("GET", "/me/bookings", LOGGED_IN),
    "account.inbox": ("GET", "/me/inbox", LOGGED_IN),
    "account.mark_inbox_read": ("POST", "/me/inbox/read", LOGGED_IN),
    "account.create_booking": ("POST", "/me/bookings", LOGGED_IN),
    # Someone else's booking: only staff may cancel it.
    "account.cancel": ("POST", "/me/bookings/{booking_id}/cancel", (STAFF, ADMIN)),
    "account.accept_offer": ("POST", "/me/bookings/{booking_id}/accept", (STAFF, ADMIN)),
    "account.decline_offer": ("POST", "/me/bookings/{booking_id}/decline", (STAFF, ADMIN)),
    # The staff desk: staff and admin only.
    "staff.index": ("GET", "/staff/", DESK),
    "staff.list_activities": ("GET", "/staff/activities", DESK),
    "staff.new_activity": ("GET", "/staff/activities/new", DESK),
    "staff.show_activity": ("GET", "/staff/activities/{series_id}", DESK),
    "staff.edit_activity": ("POST", "/staff/activities/{activity_id}/edit", DESK),
    "staff.set_activity_status": ("POST", "/staff/activities/{activity_id}/status", DESK),
    "staff.change_series_capacity": ("POST", "/staff/activities/{series_id}/capacity", DESK),
    "staff.generate_schedule": ("GET", "/staff/activities/{activity_id}/schedule", DESK),
    "staff.show_session": ("GET", "/staff/sessions/{session_id}", DESK),
    "staff.change_session_capacity": ("POST", "/staff/sessions/{session_id}/capacity", DESK),
    "staff.cancel_session": ("POST", "/staff/sessions/{session_id}/cancel", DESK),
    "staff.move_session": ("POST", "/staff/sessions/{session_id}/move", DESK),
    "staff.promote_booking": ("POST", "/staff/bookings/{booking_id}/promote", DESK),
    "staff.move_booking": ("POST", "/staff/bookings/{booking_id}/move", DESK),
    "staff.remove_booking": ("POST", "/staff/bookings/{booking_id}/remove", DESK),
    "staff.cancel_booking": ("POST", "/staff/bookings/{booking_id}/cancel", DESK),
    "staff.find_residents": ("GET", "/staff/residents?q=139", DESK),
    "staff.new_household": ("GET", "/staff/households/new", DESK),
    "staff.show_person": ("GET", "/staff/people/{person_id}", DESK),
    "staff.book_for_person": ("POST", "/staff/people/{person_id}/book", DESK),
    "staff.set_tags": ("POST", "/staff/households/{household_id}/tags", DESK),
    "staff.add_member": ("POST", "/staff/households/{household_id}/members", DESK),
    "staff.reset_pin": ("POST", "/staff/people/{person_id}/pin", DESK),
    "staff.member_card": ("GET", "/staff/people/{person_id}/card", DESK),
    "staff.request_link": ("POST", "/staff/people/{person_id}/links", DESK),
    "staff.confirm_link": ("POST", "/staff/links/{link_id}/confirm", DESK),
    "staff.revoke_link": ("POST", "/staff/links/{link_id}/revoke", DESK),
    "staff.list_calls": ("GET", "/staff/calls", DESK),
    "staff.close_call": ("POST", "/staff/calls/{call_id}/done", DESK),
    "staff.audit_log": ("GET", "/staff/audit", DESK),
}


def test_every_route_is_in_the_matrix(app):
    endpoints = {rule.endpoint for rule in app.url_map.iter_rules()}
    assert endpoints - set(MATRIX) == set(), "add new routes to MATRIX"


def _login_as(role, make, auth):
    if role == ANON:
        return
    user = make.user(role=Role(role), age=45)
    db.session.commit()
    response = auth.login(user)
    assert response.status_code == 302


@pytest.mark.parametrize("role", EVERYONE)
@pytest.mark.parametrize("endpoint", sorted(MATRIX))
def test_access(endpoint, role, make, auth, client):
    method, template, allowed = MATRIX[endpoint]
    ids = _objects(make)
    db.session.commit()
    _login_as(role, make, auth)
    url = template.format(**ids)
    response = client.open(url, method=method)
    response.close()
    if role in allowed:
        assert response.status_code not in (401, 403), f"{role} refused at {url}"
        if response.status_code == 302:
            assert "/login" not in response.headers["Location"]
        assert response.status_code < 500
    elif role == ANON:
        assert response.status_code == 302 and "/login" in response.headers["Location"]
    else:
        assert response.status_code in (403, 404), f"{role} reached {url}"
