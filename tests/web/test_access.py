"""Every route, every kind of user: who may open what.

A new route fails `test_every_route_is_in_the_matrix` until it is listed here.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from app.extensions import db
from app.models import LotteryApplication, Role

ANON, RESIDENT, TEACHER, STAFF, ADMIN = "anonymous", "resident", "teacher", "staff", "admin"
EVERYONE = (ANON, RESIDENT, TEACHER, STAFF, ADMIN)
LOGGED_IN = (RESIDENT, TEACHER, STAFF, ADMIN)
DESK = (STAFF, ADMIN)


def _objects(make):
    """A class, a session, and a booking that belongs to someone else's household."""
    activity = make.activity(capacity=5)
    owner = make.resident()
    from app.models import Channel
    from app.services.booking.book import book
    from app.services.booking.targets import Target

    booking = book(
        owner.person,
        Target.of(activity, activity.sessions[0]),
        by=owner,
        channel=Channel.PHONE,
        now=make.now,
    )
    from app.models import Attendance, Suspension, WelfareCall

    mark = Attendance(
        session_id=activity.sessions[0].id,
        person_id=owner.person.id,
        booking_id=booking.id,
        status="absent",
        marked_at=make.now,
    )
    db.session.add(mark)
    db.session.flush()
    call = WelfareCall(
        session_id=mark.session_id,
        person_id=owner.person.id,
        attendance_id=mark.id,
        call_date=make.now.date(),
        created_at=make.now,
    )
    suspension = Suspension(
        person_id=owner.person.id, starts_at=make.now, ends_at=make.now, strikes=3
    )
    from app.models import HelpRequest

    help_request = HelpRequest(user_id=owner.id, created_at=make.now)
    from app.models import SessionHelper

    session_helper = SessionHelper(
        session_id=activity.sessions[0].id, user_id=owner.id, created_at=make.now
    )
    db.session.add(session_helper)
    db.session.add_all([call, suspension, help_request])
    db.session.flush()
    from app.services.childcare.applications import apply_days
    from app.services.childcare.pickup_list import add_pickup_person
    from tests.programme_helpers import afterschool, family, lottery

    programme = afterschool(make)
    guardian, (kid,) = family(make, children=1)
    pickup = add_pickup_person(
        kid, name="外婆", phone="1", relation="外婆", by=guardian, now=make.now
    )
    drawn = lottery(make, days=1)
    apply_days(drawn, [(kid, drawn.slots[0].session)], by=guardian, now=make.now)
    application_id = db.session.scalar(select(LotteryApplication.id))
    series = make.activity(title="舞蹈", series=True, sessions=2, start_in=timedelta(days=3))
    from app.models import HouseholdLink, OfferCall

    helper = make.resident(age=40)
    link = HouseholdLink(user_id=helper.id, person_id=owner.person.id, created_at=make.now)
    offer_call = OfferCall(booking_id=booking.id, person_id=owner.person.id, created_at=make.now)
    from app.models import OutboxMessage, OutboxStatus

    unsent = OutboxMessage(
        user_id=owner.id,
        channel="sms",
        address=owner.phone,
        kind="reminder",
        body="x",
        status=OutboxStatus.FAILED,
        created_at=make.now,
    )
    from app.models import DeletionRequest

    deletion = DeletionRequest(
        household_id=owner.person.household_id, requested_by_id=owner.id, requested_at=make.now
    )
    db.session.add_all([link, offer_call, unsent, deletion])
    db.session.flush()
    return {
        "deletion_request_id": deletion.id,
        "help_request_id": help_request.id,
        "helper_id": session_helper.id,
        "programme_id": programme.id,
        "slot_id": programme.slots[0].session_id,
        "child_id": kid.id,
        "pickup_id": pickup.id,
        "application_id": application_id,
        "activity_id": activity.id,
        "session_id": activity.sessions[0].id,
        "booking_id": booking.id,
        "person_id": owner.person.id,
        "call_id": call.id,
        "suspension_id": suspension.id,
        "household_id": owner.person.household_id,
        "series_id": series.id,
        "link_id": link.id,
        "offer_call_id": offer_call.id,
        "outbox_message_id": unsent.id,
    }


# endpoint: (method, url template, roles allowed). A role not allowed gets a login
# redirect (anonymous) or 403/404 (logged in). POSTs are sent empty: allowed roles
# get past the access check and fail validation (4xx, never 302-to-login or 403).
MATRIX = {
    "static": ("GET", "/static/css/site.css", EVERYONE),
    "public.index": ("GET", "/", EVERYONE),
    # For machines: no login, whoever asks (a kiosk session too).
    "ops.healthz": ("GET", "/healthz", EVERYONE),
    "ops.readyz": ("GET", "/readyz", EVERYONE),
    # The test client is the server itself (127.0.0.1); other clients: test_observability.
    "ops.metrics": ("GET", "/metrics", EVERYONE),
    "public.list_activities": ("GET", "/classes", EVERYONE),
    "public.show_activity": ("GET", "/classes/{activity_id}", EVERYONE),
    "public.coming_events": ("GET", "/events", EVERYONE),
    "auth.login": ("GET", "/login", EVERYONE),
    "display.show_board": ("GET", "/display", EVERYONE),
    # The language switch: anyone (an empty POST names no language: 400).
    "public.choose_language": ("POST", "/language", EVERYONE),
    "kiosk.choose_language": ("POST", "/kiosk/language", EVERYONE),
    "auth.logout": ("POST", "/logout", LOGGED_IN),
    "account.household": ("GET", "/me/", LOGGED_IN),
    "account.list_bookings": ("GET", "/me/bookings", LOGGED_IN),
    "account.earlier_bookings": ("GET", "/me/bookings/earlier", LOGGED_IN),
    "account.inbox": ("GET", "/me/inbox", LOGGED_IN),
    "account.mark_inbox_read": ("POST", "/me/inbox/read", LOGGED_IN),
    "account.create_booking": ("POST", "/me/bookings", LOGGED_IN),
    # Calendars on phones: the feed answers whoever holds its address (404 without).
    "account.calendar_feed": ("GET", "/me/calendar.ics?key=x", EVERYONE),
    "account.booking_calendar": ("GET", "/me/bookings/{booking_id}/calendar.ics", LOGGED_IN),
    "account.calendar_page": ("GET", "/me/calendar", LOGGED_IN),
    "account.renew_calendar": ("POST", "/me/calendar", LOGGED_IN),
    "account.stop_calendar": ("POST", "/me/calendar/off", LOGGED_IN),
    # Names its person in the form: anyone logged in reaches the check (and the loader).
    "account.rate_session": ("POST", "/me/ratings", LOGGED_IN),
    # Someone else's booking: only staff may cancel it.
    "account.cancel": ("POST", "/me/bookings/{booking_id}/cancel", (STAFF, ADMIN)),
    "account.take_leave": ("POST", "/me/bookings/{booking_id}/leave", (STAFF, ADMIN)),
    "account.confirm_cancel": ("GET", "/me/bookings/{booking_id}/cancel", (STAFF, ADMIN)),
    "account.confirm_leave": (
        "GET",
        "/me/bookings/{booking_id}/leave/{session_id}",
        (STAFF, ADMIN),
    ),
    # The roll: teachers see their own sessions only (this one is nobody's), staff all.
    "teach.today": ("GET", "/teach/", (TEACHER, STAFF, ADMIN)),
    "teach.my_hours": ("GET", "/teach/hours", LOGGED_IN),
    "teach.add_helper": ("POST", "/teach/sessions/{session_id}/helpers", (STAFF, ADMIN)),
    "teach.remove_helper": (
        "POST",
        "/teach/sessions/{session_id}/helpers/{helper_id}/remove",
        (STAFF, ADMIN),
    ),
    "teach.show_roster": ("GET", "/teach/sessions/{session_id}", (STAFF, ADMIN)),
    "teach.print_sheet": ("GET", "/teach/sessions/{session_id}/sheet", (STAFF, ADMIN)),
    "teach.mark_person": (
        "POST",
        "/teach/sessions/{session_id}/marks/{person_id}",
        (STAFF, ADMIN),
    ),
    "teach.mark_everyone_present": (
        "POST",
        "/teach/sessions/{session_id}/all-present",
        (STAFF, ADMIN),
    ),
    "teach.add_walk_in": ("POST", "/teach/sessions/{session_id}/walk-ins", (STAFF, ADMIN)),
    "teach.register_walk_in": (
        "POST",
        "/teach/sessions/{session_id}/walk-ins/new",
        (STAFF, ADMIN),
    ),
    "teach.remove_walk_in": (
        "POST",
        "/teach/sessions/{session_id}/walk-ins/{person_id}/remove",
        (STAFF, ADMIN),
    ),
    # The kiosk acts for the logged-in household only.
    "kiosk.login": ("GET", "/kiosk/login", EVERYONE),
    "kiosk.start": ("GET", "/kiosk/", EVERYONE),
    "kiosk.today": ("GET", "/kiosk/me", LOGGED_IN),
    "kiosk.timeout": ("GET", "/kiosk/timeout", EVERYONE),
    "kiosk.keep_alive": ("GET", "/kiosk/keep-alive", LOGGED_IN),
    "kiosk.list_classes": ("GET", "/kiosk/classes", LOGGED_IN),
    "kiosk.book_class": ("POST", "/kiosk/book", LOGGED_IN),
    "kiosk.list_bookings": ("GET", "/kiosk/bookings", LOGGED_IN),
    # Someone else's booking: nobody's slip to print at this kiosk.
    "kiosk.print_slip": ("GET", "/kiosk/bookings/{booking_id}/slip", ()),
    "kiosk.show_booked": ("GET", "/kiosk/bookings/{booking_id}", ()),
    # Someone else's person: nobody's leave to confirm at this kiosk.
    "kiosk.confirm_leave": (
        "GET",
        "/kiosk/sessions/{session_id}/leave?person_id={person_id}",
        (),
    ),
    "kiosk.come_back": ("POST", "/kiosk/sessions/{session_id}/back", LOGGED_IN),
    "kiosk.call_staff": ("POST", "/kiosk/help", EVERYONE),
    "kiosk.list_help_requests": ("GET", "/kiosk/help-requests", (STAFF, ADMIN)),
    "kiosk.resolve_help_request": (
        "POST",
        "/kiosk/help-requests/{help_request_id}/done",
        (STAFF, ADMIN),
    ),
    "kiosk.check_in": ("POST", "/kiosk/sessions/{session_id}/check-in", LOGGED_IN),
    "kiosk.take_leave": ("POST", "/kiosk/sessions/{session_id}/leave", LOGGED_IN),
    "kiosk.finish": ("POST", "/kiosk/done", LOGGED_IN),
    "kiosk.rate_session": ("POST", "/kiosk/ratings", LOGGED_IN),
    "kiosk.skip_rating": ("POST", "/kiosk/ratings/skip", LOGGED_IN),
    "welfare.call_list": ("GET", "/welfare/", (STAFF, ADMIN)),
    "welfare.complete_call": ("POST", "/welfare/calls/{call_id}/done", (STAFF, ADMIN)),
    "welfare.list_suspensions": ("GET", "/welfare/suspensions", (STAFF, ADMIN)),
    "welfare.lift_suspension": (
        "POST",
        "/welfare/suspensions/{suspension_id}/lift",
        (STAFF, ADMIN),
    ),
    "welfare.volunteer_hours": ("GET", "/welfare/hours", (STAFF, ADMIN)),
    "welfare.download_hours": ("GET", "/welfare/hours.csv", (STAFF, ADMIN)),
    "programmes.list_programmes": ("GET", "/programmes/", EVERYONE),
    "programmes.show_programme": ("GET", "/programmes/{programme_id}", EVERYONE),
    "programmes.book_days": ("POST", "/programmes/{programme_id}/book", LOGGED_IN),
    "programmes.apply_days": ("POST", "/programmes/{programme_id}/apply", LOGGED_IN),
    # The pickup list is for the child's adult guardians only: not even staff.
    "programmes.pickup_list": ("GET", "/programmes/children/{child_id}/pickup", ()),
    "programmes.add_pickup": ("POST", "/programmes/children/{child_id}/pickup", ()),
    "programmes.remove_pickup": ("POST", "/programmes/pickup/{pickup_id}/remove", ()),
    "programmes.new_pickup_code": ("POST", "/programmes/pickup/{pickup_id}/new-code", ()),
    # Someone else's application: only staff may withdraw it.
    "programmes.withdraw_application": (
        "POST",
        "/programmes/applications/{application_id}/withdraw",
        (STAFF, ADMIN),
    ),
    "programmes.new_programme": ("GET", "/programmes/staff/new", (STAFF, ADMIN)),
    "programmes.manage_programme": ("GET", "/programmes/staff/{programme_id}", (STAFF, ADMIN)),
    "programmes.close_day": ("POST", "/programmes/staff/{programme_id}/close-day", (STAFF, ADMIN)),
    "programmes.run_draw": ("POST", "/programmes/staff/{programme_id}/draw", (STAFF, ADMIN)),
    "door.lift_lock": ("POST", "/door/children/{child_id}/unlock", (STAFF, ADMIN)),
    "door.index": ("GET", "/door/", (TEACHER, STAFF, ADMIN)),
    "door.who_is_here": ("GET", "/door/here", (TEACHER, STAFF, ADMIN)),
    # A teacher opens only the slots of programmes they teach (not this one).
    "door.show_session": ("GET", "/door/sessions/{slot_id}", (STAFF, ADMIN)),
    "door.check_in": ("POST", "/door/sessions/{slot_id}/check-in", (STAFF, ADMIN)),
    "door.check_out": ("POST", "/door/sessions/{slot_id}/check-out", (STAFF, ADMIN)),
    "account.accept_offer": ("POST", "/me/bookings/{booking_id}/accept", (STAFF, ADMIN)),
    "account.decline_offer": ("POST", "/me/bookings/{booking_id}/decline", (STAFF, ADMIN)),
    # Children's privacy: the notice for everyone; a household's own access list; a
    # child's consent online only by its guardians (this child is nobody's here).
    "public.privacy_notice": ("GET", "/privacy", EVERYONE),
    "account.privacy": ("GET", "/me/privacy", LOGGED_IN),
    "account.give_consent": ("POST", "/me/children/{child_id}/consent", ()),
    "account.withdraw_consent": ("POST", "/me/children/{child_id}/consent/withdraw", ()),
    "staff.give_consent": ("POST", "/staff/people/{child_id}/consent", DESK),
    "staff.withdraw_consent": ("POST", "/staff/people/{child_id}/consent/withdraw", DESK),
    "staff.add_household_child": ("POST", "/staff/households/{household_id}/children", DESK),
    "staff.access_records": ("GET", "/staff/privacy/access", DESK),
    "staff.breaches": ("GET", "/staff/privacy/breaches", DESK),
    "staff.annual_export": ("GET", "/staff/privacy/annual.xlsx?year=2026", DESK),
    # The staff desk: staff and admin only.
    "staff.leave_booking": ("POST", "/staff/bookings/{booking_id}/leave", (STAFF, ADMIN)),
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
    "staff.earlier_bookings": ("GET", "/staff/people/{person_id}/earlier", DESK),
    "staff.book_for_person": ("POST", "/staff/people/{person_id}/book", DESK),
    "staff.set_tags": ("POST", "/staff/households/{household_id}/tags", DESK),
    "staff.add_member": ("POST", "/staff/households/{household_id}/members", DESK),
    "staff.reset_pin": ("POST", "/staff/people/{person_id}/pin", DESK),
    "staff.unlock_person_login": ("POST", "/staff/people/{person_id}/unlock-login", DESK),
    "staff.end_sessions": ("POST", "/staff/people/{person_id}/sessions/end", DESK),
    "staff.member_card": ("GET", "/staff/people/{person_id}/card", DESK),
    "staff.request_link": ("POST", "/staff/people/{person_id}/links", DESK),
    "staff.confirm_link": ("POST", "/staff/links/{link_id}/confirm", DESK),
    "staff.revoke_link": ("POST", "/staff/links/{link_id}/revoke", DESK),
    "staff.list_calls": ("GET", "/staff/calls", DESK),
    "staff.close_call": ("POST", "/staff/calls/{offer_call_id}/done", DESK),
    "staff.list_failed_messages": ("GET", "/staff/messages", DESK),
    "staff.set_birth_date": ("POST", "/staff/people/{person_id}/birth-date", DESK),
    "staff.retry_message": ("POST", "/staff/messages/{outbox_message_id}/retry", DESK),
    "staff.audit_log": ("GET", "/staff/audit", DESK),
    # Privacy (issue 14): the desk's page, holds and deletion requests.
    "staff.privacy_overview": ("GET", "/staff/privacy", DESK),
    "staff.recompute_preview": ("POST", "/staff/privacy/preview", DESK),
    "staff.hold_person": ("POST", "/staff/privacy/holds", DESK),
    "staff.release_hold": ("POST", "/staff/privacy/holds/{person_id}/release", DESK),
    "staff.record_desk_request": ("POST", "/staff/privacy/requests", DESK),
    "staff.show_deletion_request": (
        "GET",
        "/staff/privacy/requests/{deletion_request_id}",
        DESK,
    ),
    "staff.confirm_deletion": (
        "POST",
        "/staff/privacy/requests/{deletion_request_id}/confirm",
        DESK,
    ),
    "staff.decline_deletion": (
        "POST",
        "/staff/privacy/requests/{deletion_request_id}/decline",
        DESK,
    ),
    # A household's own copy and deletion request: residents only (not a teacher's
    # or staff account; a kiosk login never gets here, test_kiosk_confinement).
    "account.my_data": ("GET", "/me/data", (RESIDENT,)),
    "account.download_data": ("GET", "/me/data/download", (RESIDENT,)),
    "account.ask_deletion": ("POST", "/me/data/delete", (RESIDENT,)),
    "account.withdraw_deletion": ("POST", "/me/data/delete/withdraw", (RESIDENT,)),
    "staff.list_birthdays": ("GET", "/staff/birthdays", DESK),
    "staff.invite_birthdays": ("POST", "/staff/birthdays/invite", DESK),
    "staff.set_lunar_birthday": ("POST", "/staff/people/{person_id}/lunar-birthday", DESK),
    "staff.holiday_calendar": ("GET", "/staff/holidays", DESK),
    # Service reports: staff see the centre, teachers their own classes.
    "reports.index": ("GET", "/staff/reports", (TEACHER, STAFF, ADMIN)),
    "reports.print_report": ("GET", "/staff/reports/print", (TEACHER, STAFF, ADMIN)),
    "reports.chart": ("GET", "/staff/reports/chart/months.svg", (TEACHER, STAFF, ADMIN)),
    "reports.export_xlsx": ("GET", "/staff/reports/export.xlsx", (TEACHER, STAFF, ADMIN)),
    "reports.export_csv": ("GET", "/staff/reports/csv/ledger.csv", (TEACHER, STAFF, ADMIN)),
}


def test_every_route_is_in_the_matrix(app):
    endpoints = {rule.endpoint for rule in app.url_map.iter_rules()}
    assert endpoints - set(MATRIX) == set(), "add new routes to MATRIX"


def _verdict(role, allowed, url, response) -> str | None:
    """What is wrong with this answer, or None."""
    status = response.status_code
    location = response.headers.get("Location", "")
    if role in allowed:
        if status in (401, 403) or (status == 302 and "/login" in location):
            return f"{role} refused at {url} ({status})"
        if status >= 500:
            return f"{role} got {status} at {url}"
    elif role == ANON:
        if not (status == 302 and "/login" in location):
            return f"anonymous reached {url} ({status})"
    elif status not in (403, 404):
        return f"{role} reached {url} ({status})"
    return None


@pytest.mark.parametrize("role", EVERYONE)
def test_access(role, app, make):
    """One role against every route: the objects are built once, and each route is
    opened from a fresh login, so a logout or a form cannot affect the next."""
    ids = _objects(make)
    user = None if role == ANON else make.user(role=Role(role), age=45)
    db.session.commit()
    problems = []
    for endpoint in sorted(MATRIX):
        method, template, allowed = MATRIX[endpoint]
        client = app.test_client()
        if user is not None:
            secret = "123456" if user.role == Role.RESIDENT else "teach-and-learn"
            login = client.post("/login", data={"phone": user.phone, "secret": secret})
            assert login.status_code == 302
        url = template.format(**ids)
        response = client.open(url, method=method)
        response.close()
        problem = _verdict(role, allowed, url, response)
        if problem:
            problems.append(f"{endpoint}: {problem}")
    assert problems == []
