"""Ids of other households: the access matrix extended to objects.

A resident (on the web and at the kiosk) or a teacher, given the ids of another
household's person, child, booking or application, gets exactly the answer an id
that does not exist gets (404 wherever the route names such an object), with none
of that household's names in it, and nothing written.

A new route taking an id fails `test_every_id_route_is_in_the_object_matrix`, and a
new id field on a form fails `test_every_id_form_field_is_covered`, until listed.
"""

from __future__ import annotations

import difflib
import importlib
import pkgutil
import re
from datetime import timedelta

import pytest
from flask_wtf import FlaskForm
from sqlalchemy import select

import app.blueprints as blueprints
from app.extensions import db
from app.models import (
    Booking,
    BookingStatus,
    LotteryApplication,
    Person,
    Programme,
    Role,
    Session,
)
from tests.conftest import PASSWORD, PIN
from tests.programme_helpers import family, holiday, sessions
from tests.web.test_access import _objects

RESIDENT, KIOSK, TEACHER = "resident", "kiosk", "teacher"
# The teacher of the after-school club's slot, at its door: the slot is theirs, the
# child named is another household's (on no roster of theirs) or missing.
DOOR = "door teacher"

# An id no row has: every household-scoped id is asked for twice, once as the other
# household's and once as this, and the two answers must be the same.
MISSING = 987_654_321

# Ids of things that belong to a household (or to a person in one). Activities,
# sessions and programmes are public: the same in both requests.
SCOPED = {
    "person_id",
    "child_id",
    "booking_id",
    "application_id",
    "pickup_id",
    "household_id",
    "help_request_id",
    "helper_id",
    "call_id",
    "suspension_id",
    "link_id",
    "offer_call_id",
    "outbox_message_id",
    "deletion_request_id",
}

ALL = (RESIDENT, KIOSK, TEACHER)
WEB = (RESIDENT, TEACHER)

# endpoint: (method, url, form, roles). Forms name ids with the same placeholders.
# Routes of residents must answer 404; staff-only routes answer 403 before reading
# anything, to both ids alike.
OBJECT_MATRIX = {
    # The resident's own pages.
    "account.create_booking": (
        "POST",
        "/me/bookings",
        {"person_id": "{person_id}", "activity_id": "{activity_id}", "session_id": "{session_id}"},
        WEB,
    ),
    "account.cancel": ("POST", "/me/bookings/{booking_id}/cancel", {}, WEB),
    "account.take_leave": (
        "POST",
        "/me/bookings/{booking_id}/leave",
        {"session_id": "{session_id}"},
        WEB,
    ),
    "account.accept_offer": ("POST", "/me/bookings/{booking_id}/accept", {}, WEB),
    # The steps that say what cancelling or leave will do, before it is done.
    "account.confirm_cancel": ("GET", "/me/bookings/{booking_id}/cancel", {}, WEB),
    "account.confirm_leave": (
        "GET",
        "/me/bookings/{booking_id}/leave/{session_id}",
        {},
        WEB,
    ),
    "account.rate_session": (
        "POST",
        "/me/ratings",
        {"person_id": "{person_id}", "session_id": "{session_id}", "value": "good"},
        WEB,
    ),
    "account.decline_offer": ("POST", "/me/bookings/{booking_id}/decline", {}, WEB),
    "programmes.book_days": (
        "POST",
        "/programmes/{programme_id}/book",
        {"pick": "{child_id}-{slot_id}"},
        WEB,
    ),
    "programmes.apply_days": (
        "POST",
        "/programmes/{lottery_id}/apply",
        {"pick": "{child_id}-{lottery_slot_id}"},
        WEB,
    ),
    "programmes.withdraw_application": (
        "POST",
        "/programmes/applications/{application_id}/withdraw",
        {},
        WEB,
    ),
    # The kiosk acts for its own household only.
    "kiosk.check_in": (
        "POST",
        "/kiosk/sessions/{session_id}/check-in",
        {"person_id": "{person_id}"},
        ALL,
    ),
    "kiosk.take_leave": (
        "POST",
        "/kiosk/sessions/{session_id}/leave",
        {"person_id": "{person_id}"},
        ALL,
    ),
    "kiosk.rate_session": (
        "POST",
        "/kiosk/ratings",
        {"person_id": "{person_id}", "session_id": "{session_id}", "value": "good"},
        ALL,
    ),
    "kiosk.print_slip": ("GET", "/kiosk/bookings/{booking_id}/slip", {}, ALL),
    # One booking's calendar file: the household's own only (not even a 代办 helper's).
    "account.booking_calendar": ("GET", "/me/bookings/{booking_id}/calendar.ics", {}, WEB),
    "kiosk.show_booked": ("GET", "/kiosk/bookings/{booking_id}", {}, ALL),
    "kiosk.confirm_leave": (
        "GET",
        "/kiosk/sessions/{session_id}/leave?person_id={person_id}",
        {},
        ALL,
    ),
    "kiosk.come_back": (
        "POST",
        "/kiosk/sessions/{session_id}/back",
        {"person_id": "{person_id}"},
        ALL,
    ),
    # Staff only: refused by role before anything is read.
    "kiosk.resolve_help_request": ("POST", "/kiosk/help-requests/{help_request_id}/done", {}, ALL),
    "welfare.complete_call": ("POST", "/welfare/calls/{call_id}/done", {}, ALL),
    "welfare.lift_suspension": ("POST", "/welfare/suspensions/{suspension_id}/lift", {}, ALL),
    "door.lift_lock": ("POST", "/door/children/{child_id}/unlock", {}, ALL),
    "staff.leave_booking": ("POST", "/staff/bookings/{booking_id}/leave", {}, ALL),
    "staff.promote_booking": ("POST", "/staff/bookings/{booking_id}/promote", {}, ALL),
    "staff.move_booking": ("POST", "/staff/bookings/{booking_id}/move", {}, ALL),
    "staff.remove_booking": ("POST", "/staff/bookings/{booking_id}/remove", {}, ALL),
    "staff.cancel_booking": ("POST", "/staff/bookings/{booking_id}/cancel", {}, ALL),
    "staff.show_person": ("GET", "/staff/people/{person_id}", {}, ALL),
    "staff.earlier_bookings": ("GET", "/staff/people/{person_id}/earlier", {}, ALL),
    "staff.set_lunar_birthday": ("POST", "/staff/people/{person_id}/lunar-birthday", {}, ALL),
    "staff.book_for_person": ("POST", "/staff/people/{person_id}/book", {}, ALL),
    "staff.set_tags": ("POST", "/staff/households/{household_id}/tags", {}, ALL),
    "staff.add_member": ("POST", "/staff/households/{household_id}/members", {}, ALL),
    "staff.reset_pin": ("POST", "/staff/people/{person_id}/pin", {}, ALL),
    "staff.set_birth_date": ("POST", "/staff/people/{person_id}/birth-date", {}, ALL),
    "staff.member_card": ("GET", "/staff/people/{person_id}/card", {}, ALL),
    "staff.request_link": ("POST", "/staff/people/{person_id}/links", {}, ALL),
    "staff.confirm_link": ("POST", "/staff/links/{link_id}/confirm", {}, ALL),
    "staff.revoke_link": ("POST", "/staff/links/{link_id}/revoke", {}, ALL),
    "staff.close_call": ("POST", "/staff/calls/{offer_call_id}/done", {}, ALL),
    "staff.retry_message": ("POST", "/staff/messages/{outbox_message_id}/retry", {}, ALL),
    "staff.hold_person": (
        "POST",
        "/staff/privacy/holds",
        {"person_id": "{person_id}", "reason": "x"},
        ALL,
    ),
    "staff.release_hold": ("POST", "/staff/privacy/holds/{person_id}/release", {}, ALL),
    "staff.record_desk_request": (
        "POST",
        "/staff/privacy/requests",
        {"household_id": "{household_id}"},
        ALL,
    ),
    "staff.show_deletion_request": (
        "GET",
        "/staff/privacy/requests/{deletion_request_id}",
        {},
        ALL,
    ),
    "staff.confirm_deletion": (
        "POST",
        "/staff/privacy/requests/{deletion_request_id}/confirm",
        {},
        ALL,
    ),
    "staff.decline_deletion": (
        "POST",
        "/staff/privacy/requests/{deletion_request_id}/decline",
        {"reason": "x"},
        ALL,
    ),
    # The teacher's roll: sessions are public ids; the person is the other household's.
    "teach.mark_person": (
        "POST",
        "/teach/sessions/{session_id}/marks/{person_id}",
        {"status": "present"},
        ALL,
    ),
    "teach.add_walk_in": (
        "POST",
        "/teach/sessions/{session_id}/walk-ins",
        {"person_id": "{person_id}"},
        ALL,
    ),
    "teach.remove_helper": (
        "POST",
        "/teach/sessions/{session_id}/helpers/{helper_id}/remove",
        {},
        ALL,
    ),
    "teach.remove_walk_in": (
        "POST",
        "/teach/sessions/{session_id}/walk-ins/{person_id}/remove",
        {},
        ALL,
    ),
    "staff.unlock_person_login": ("POST", "/staff/people/{person_id}/unlock-login", {}, ALL),
    "staff.end_sessions": ("POST", "/staff/people/{person_id}/sessions/end", {}, ALL),
    # The pickup list: the guardians of the child only; everyone else is told the
    # child does not exist. (A kiosk session never reaches it: any page outside the
    # kiosk ends the visit.)
    "programmes.pickup_list": ("GET", "/programmes/children/{child_id}/pickup", {}, WEB),
    "programmes.add_pickup": (
        "POST",
        "/programmes/children/{child_id}/pickup",
        {"name": "陌生人", "phone": "13900000000", "relation": "邻居"},
        WEB,
    ),
    "programmes.remove_pickup": ("POST", "/programmes/pickup/{pickup_id}/remove", {}, WEB),
    "programmes.new_pickup_code": ("POST", "/programmes/pickup/{pickup_id}/new-code", {}, WEB),
    # A child's consent online: its guardians only; everyone else is told the child
    # does not exist.
    "account.give_consent": (
        "POST",
        "/me/children/{child_id}/consent",
        {"consents": "booking"},
        WEB,
    ),
    "account.withdraw_consent": (
        "POST",
        "/me/children/{child_id}/consent/withdraw",
        {"kind": "booking"},
        WEB,
    ),
    "staff.give_consent": ("POST", "/staff/people/{child_id}/consent", {}, ALL),
    "staff.withdraw_consent": ("POST", "/staff/people/{child_id}/consent/withdraw", {}, ALL),
    "staff.add_household_child": ("POST", "/staff/households/{household_id}/children", {}, ALL),
    # The door: only children on this slot's roster; the slot is the actor's own.
    "door.check_in": (
        "POST",
        "/door/sessions/{slot_id}/check-in",
        {"person_id": "{child_id}"},
        (DOOR,),
    ),
    "door.check_out": (
        "POST",
        "/door/sessions/{slot_id}/check-out",
        {"person_id": "{child_id}", "pickup_person_id": "{pickup_id}", "code": "1234"},
        (DOOR,),
    ),
}

# Routes whose ids name public things (classes, sessions, programmes) or only the
# acting user's own: no other household's object can be named through them.
PUBLIC_IDS = {
    "static": "static files",
    "public.show_activity": "a published class",
    "programmes.show_programme": "a published programme",
    "programmes.manage_programme": "staff only; a programme",
    "programmes.close_day": "staff only; a programme",
    "programmes.run_draw": "staff only; a programme",
    "door.show_session": "a programme slot (teachers of it and staff)",
    "teach.show_roster": "a session (teachers of it and staff)",
    "teach.print_sheet": "a session (teachers of it and staff)",
    "teach.mark_everyone_present": "a session (teachers of it and staff)",
    "teach.register_walk_in": "a session; registers a new person",
    "teach.add_helper": "a session; the helper is found by phone",
    "staff.show_activity": "staff only; a class",
    "staff.edit_activity": "staff only; a class",
    "staff.set_activity_status": "staff only; a class",
    "staff.change_series_capacity": "staff only; a class",
    "staff.generate_schedule": "staff only; a class",
    "staff.show_session": "staff only; a session",
    "staff.change_session_capacity": "staff only; a session",
    "staff.cancel_session": "staff only; a session",
    "staff.move_session": "staff only; a session",
    "reports.chart": "teachers and staff; names a chart, not an object",
    "reports.export_csv": "teachers and staff; names a table, not an object",
}

# Endpoints answering 404 to both ids (the routes of residents); the rest are
# refused by role (403) before anything is read.
MUST_BE_404 = {
    "account.create_booking",
    "account.cancel",
    "account.take_leave",
    "account.accept_offer",
    "account.decline_offer",
    "account.rate_session",
    "account.booking_calendar",
    "programmes.book_days",
    "programmes.apply_days",
    "programmes.withdraw_application",
    "kiosk.check_in",
    "kiosk.take_leave",
    "kiosk.print_slip",
    "kiosk.rate_session",
    "kiosk.show_booked",
    "kiosk.confirm_leave",
    "kiosk.come_back",
    "account.confirm_cancel",
    "account.confirm_leave",
    "programmes.pickup_list",
    "programmes.add_pickup",
    "programmes.remove_pickup",
    "programmes.new_pickup_code",
    "account.give_consent",
    "account.withdraw_consent",
    "door.check_in",
    "door.check_out",
}

# Form classes with a field that names something by id, and the endpoints in
# OBJECT_MATRIX that take them (or why none is needed).
ID_FORMS = {
    "account.forms.BookForm": ["account.create_booking"],
    "account.forms.LeaveForm": ["account.take_leave"],
    "account.forms.RateForm": ["account.rate_session", "kiosk.rate_session"],
    "kiosk.forms.PersonForm": ["kiosk.check_in", "kiosk.take_leave", "kiosk.come_back"],
    "kiosk.forms.LeaveForm": ["kiosk.take_leave"],
    "programmes.forms.BookDaysForm": ["programmes.book_days", "programmes.apply_days"],
    "teach.forms.WalkInForm": ["teach.add_walk_in"],
    "kiosk.forms.KioskBookForm": "a class and session, booked for the kiosk user only",
    "door.forms.CheckInForm": ["door.check_in"],
    "door.forms.CheckOutForm": ["door.check_out"],
    "programmes.forms.ProgrammeForm": "staff only: the teacher of a new programme",
    "staff.forms.ActivityForm": "staff only: the teacher of a class",
    "staff.forms.HoldForm": ["staff.hold_person"],
    "staff.forms.DeskRequestForm": ["staff.record_desk_request"],
    "staff.forms.BirthdayMonthForm": "staff only: a session (a public id) to show",
    "staff.forms.InviteForm": "staff only: a session, and people of the month's list only",
    "staff.forms.ChildForm": "staff only: a guardian among the household's adults",
    "staff.forms.ConsentForm": "staff only: a guardian among the child's household's adults",
    "staff.forms.WithdrawConsentForm": "staff only: a guardian among the household's adults",
    "staff.forms.AccessFilterForm": "staff only: filters a list by child and viewer",
}

# CSRF tokens carry a timestamp: the only part of two answers allowed to differ.
# Per-request values: the CSRF token, and the request id on error pages.
CSRF = re.compile(
    r'name="csrf_token"[^>]*value="[^"]*"|"X-CSRFToken": "[^"]*"|<span class="request-id">[^<]*</span>'
)


def _world(make):
    """Another household's objects (tests.web.test_access), with its lottery
    programme's id and open slot."""
    ids = _objects(make)
    draw = db.session.scalar(select(Programme).where(Programme.id != ids["programme_id"]))
    ids["lottery_id"] = draw.id
    ids["lottery_slot_id"] = draw.slots[0].session_id
    return ids


def _actor(make, role, ids):
    household = make.household(name="我家")
    user = make.user(
        make.person(household=household, name="我自己", age=45),
        role=Role.TEACHER if role in (TEACHER, DOOR) else Role.RESIDENT,
    )
    make.person(household=household, name="我家孩子", age=8)
    if role == DOOR:
        db.session.get(Programme, ids["programme_id"]).activity.teacher_id = user.id
        db.session.flush()
    return user


def _log_in(app, user, role):
    client = app.test_client()
    if role == KIOSK:
        response = client.post("/kiosk/login", data={"who": user.phone, "pin": PIN})
    else:
        secret = PIN if user.role == Role.RESIDENT else PASSWORD
        response = client.post("/login", data={"phone": user.phone, "secret": secret})
    assert response.status_code in (302, 303)
    client.get(response.headers["Location"])  # the welcome message is shown once
    return client


def _fill(template, ids):
    return template.format(**ids)


def _request(client, endpoint, ids):
    method, url, form, _roles = OBJECT_MATRIX[endpoint]
    data = {k: _fill(v, ids) for k, v in form.items()}
    path = _fill(url, ids)
    response = client.open(path, method=method, data=data or None)
    # Pages link to their own URL (the language switch): that part differs.
    body = response.get_data(as_text=True).replace(path, "{url}")
    return response.status_code, CSRF.sub("", body)


def _state(snapshot) -> dict:
    """Row counts of every table, and what a refused act could change in place."""
    state = snapshot()
    state["booking statuses"] = sorted(db.session.execute(select(Booking.id, Booking.status)))
    state["applications"] = sorted(
        db.session.execute(select(LotteryApplication.id, LotteryApplication.status))
    )
    state["seats"] = sorted(db.session.execute(select(Session.id, Session.taken)))
    return state


def _others_names(actor) -> list[str]:
    return list(
        db.session.scalars(select(Person.name).where(Person.household_id != actor.household_id))
    )


def _cases():
    for endpoint, (_m, _u, _f, roles) in sorted(OBJECT_MATRIX.items()):
        for role in roles:
            yield pytest.param(endpoint, role, id=f"{endpoint}-{role}")


@pytest.mark.parametrize(("endpoint", "role"), list(_cases()))
def test_another_households_id_answers_like_a_missing_one(endpoint, role, app, make, snapshot):
    ids = _world(make)
    actor = _actor(make, role, ids)
    make.commit()
    # One login for each request: a kiosk login ends on the first page outside the
    # kiosk, and both requests must start from the same state.
    theirs_client, missing_client = _log_in(app, actor, role), _log_in(app, actor, role)
    missing = {k: (MISSING if k in SCOPED else v) for k, v in ids.items()}
    before = _state(snapshot)
    theirs_status, theirs_body = _request(theirs_client, endpoint, ids)
    missing_status, missing_body = _request(missing_client, endpoint, missing)
    assert _state(snapshot) == before, "a refused request wrote something"
    assert theirs_status == missing_status
    assert theirs_body == missing_body, "\n".join(
        difflib.unified_diff(missing_body.splitlines(), theirs_body.splitlines(), lineterm="")
    )
    if endpoint in MUST_BE_404:
        assert theirs_status == 404
    elif role == KIOSK:
        # A kiosk session is refused, or sent back to the kiosk start.
        assert theirs_status in (302, 303, 403, 404)
    else:
        assert theirs_status in (403, 404)
    leaked = [name for name in _others_names(actor) if name in theirs_body]
    assert leaked == []


def _id_rules(app):
    return {rule.endpoint for rule in app.url_map.iter_rules() if rule.arguments}


def test_every_id_route_is_in_the_object_matrix(app):
    listed = set(OBJECT_MATRIX) | set(PUBLIC_IDS)
    missing = _id_rules(app) - listed
    assert missing == set(), "add routes taking an id to OBJECT_MATRIX or PUBLIC_IDS"


def _forms_with_id_fields() -> set[str]:
    found = set()
    for module_info in pkgutil.iter_modules(blueprints.__path__):
        try:
            module = importlib.import_module(f"app.blueprints.{module_info.name}.forms")
        except ModuleNotFoundError:
            continue
        for name, cls in vars(module).items():
            if not (isinstance(cls, type) and issubclass(cls, FlaskForm)):
                continue
            if cls.__module__ != module.__name__:
                continue
            fields = {f for f in dir(cls) if f.endswith("_id") or f == "pick"}
            if fields:
                found.add(f"{module_info.name}.forms.{name}")
    return found


def test_every_id_form_field_is_covered():
    assert _forms_with_id_fields() - set(ID_FORMS) == set(), "list new id forms in ID_FORMS"
    for endpoints in ID_FORMS.values():
        if isinstance(endpoints, list):
            assert set(endpoints) <= set(OBJECT_MATRIX)


# --- programme submissions -------------------------------------------------------


def _picks(children, slots):
    return [f"{c.id}-{s.id}" for c in children for s in slots]


@pytest.mark.parametrize("action", ["book", "apply"])
def test_a_mix_of_own_and_foreign_children_is_refused_whole(action, make, auth, client, snapshot):
    """One foreign child in a submission: 404 for all of it, no name, nothing written
    (not even for the family's own child)."""
    allocation = {"allocation": "lottery", "closes_at": make.now + timedelta(days=1)}
    programme = holiday(make, **(allocation if action == "apply" else {}))
    guardian, (mine,) = family(make, children=1)
    _, (theirs,) = family(make, children=1)
    no_birth_date = make.person(household=theirs.household, name="没有生日", age=None)
    make.commit()
    auth.login(guardian)
    before = _state(snapshot)
    day = sessions(programme)[:1]
    for foreign in (theirs, no_birth_date):
        response = client.post(
            f"/programmes/{programme.id}/{action}?lang=en",
            data={"pick": _picks([mine, foreign], day)},
        )
        body = response.get_data(as_text=True)
        assert response.status_code == 404
        assert foreign.name not in body and "birth" not in body
    assert _state(snapshot) == before
    own = client.post(f"/programmes/{programme.id}/{action}", data={"pick": _picks([mine], day)})
    assert own.status_code == 200


def test_a_foreign_child_and_a_missing_one_get_the_same_answer(make, auth, client):
    programme = holiday(make, min_grade=5, max_grade=6)  # the grade check would name them
    guardian, _ = family(make, children=1)
    _, (theirs,) = family(make, children=1)
    make.commit()
    auth.login(guardian)
    client.get("/programmes/")  # the welcome message is shown once
    slot = sessions(programme)[0]
    answers = [
        client.post(f"/programmes/{programme.id}/book", data={"pick": f"{pid}-{slot.id}"})
        for pid in (theirs.id, MISSING)
    ]
    assert [a.status_code for a in answers] == [404, 404]
    bodies = [CSRF.sub("", a.get_data(as_text=True)) for a in answers]
    assert bodies[0] == bodies[1]
    assert theirs.name not in answers[0].get_data(as_text=True)


# --- "may act for": one answer for every act ---------------------------------------


def test_a_linked_helper_books_cancels_and_takes_leave_for_the_linked_elder(make, auth, client):
    """代办: a confirmed link lets the helper do every act, 请假 included; a pending
    link grants nothing and answers like a stranger (404)."""
    from app.models import HouseholdLink, LinkStatus

    elder = make.resident(age=80)
    helper = make.resident(age=45)
    stranger = make.resident(age=45)
    activity = make.activity(sessions=2, capacity=5)
    db.session.add_all(
        [
            HouseholdLink(
                user_id=helper.id,
                person_id=elder.person.id,
                status=LinkStatus.CONFIRMED,
                created_at=make.now,
            ),
            HouseholdLink(
                user_id=stranger.id,
                person_id=elder.person.id,
                status=LinkStatus.PENDING,
                created_at=make.now,
            ),
        ]
    )
    make.commit()
    first, second = activity.sessions
    auth.login(stranger)
    form = {"person_id": elder.person.id, "activity_id": activity.id, "session_id": first.id}
    assert client.post("/me/bookings", data=form).status_code == 404
    auth.logout()
    auth.login(helper)
    assert client.post("/me/bookings", data=form).status_code == 303
    form["session_id"] = second.id
    assert client.post("/me/bookings", data=form).status_code == 303
    one, two = db.session.scalars(select(Booking).order_by(Booking.id)).all()
    assert client.post(f"/me/bookings/{one.id}/cancel").status_code == 303
    leave = client.post(
        f"/me/bookings/{two.id}/leave", data={"session_id": second.id, "confirmed": "y"}
    )
    assert leave.status_code == 303
    db.session.expire_all()
    assert [b.status for b in (one, two)] == [BookingStatus.CANCELLED, BookingStatus.CANCELLED]
    auth.logout()
    auth.login(stranger)
    assert client.post(f"/me/bookings/{two.id}/cancel").status_code == 404


def test_the_loaders_agree_with_may_act_for(make):
    """The SQL condition of the loaders and User.may_act_for give one answer."""
    from werkzeug.exceptions import NotFound

    from app.loaders import person_for
    from app.models import HouseholdLink, LinkStatus

    me = make.resident(age=45)
    housemate = make.person(household=me.person.household, age=70)
    linked, pending, stranger = (make.person(age=80) for _ in range(3))
    staff = make.user(role=Role.STAFF, age=40)
    for person, status in ((linked, LinkStatus.CONFIRMED), (pending, LinkStatus.PENDING)):
        db.session.add(
            HouseholdLink(user_id=me.id, person_id=person.id, status=status, created_at=make.now)
        )
    db.session.flush()
    for user in (me, staff):
        for person in (me.person, housemate, linked, pending, stranger):
            try:
                loaded = person_for(user, person.id) is person
            except NotFound:
                loaded = False
            assert loaded == user.may_act_for(person), (user.role, person.name)
    with pytest.raises(NotFound):
        person_for(staff, stranger.id, household_only=True)  # the kiosk: household only


# --- one booking rule --------------------------------------------------------------


def _book_form(person, slot):
    return {"person_id": person.id, "activity_id": slot.activity_id, "session_id": slot.id}


def test_the_class_page_applies_the_programme_grade_range(make, auth, client, snapshot):
    programme = holiday(make, min_grade=3, max_grade=6)
    guardian, (small,) = family(make, children=1, ages=(6,))  # grade 1 in January
    make.commit()
    auth.login(guardian)
    before = _state(snapshot)
    response = client.post("/me/bookings?lang=en", data=_book_form(small, sessions(programme)[0]))
    assert response.status_code == 409
    assert "school grade does not fit" in response.get_data(as_text=True)
    assert _state(snapshot) == before


def test_the_class_page_applies_the_per_child_day_limit(make, auth, client, snapshot):
    programme = holiday(make, per_child_limit=2)
    guardian, (kid,) = family(make, children=1)
    make.commit()
    auth.login(guardian)
    days = sessions(programme)
    for slot in days[:2]:
        assert client.post("/me/bookings", data=_book_form(kid, slot)).status_code == 303
    before = _state(snapshot)
    third = client.post("/me/bookings?lang=en", data=_book_form(kid, days[2]))
    assert third.status_code == 409
    assert "limit of 2 days" in third.get_data(as_text=True)
    assert _state(snapshot) == before


def test_the_class_page_applies_whole_weeks(make, auth, client, snapshot):
    programme = holiday(make, weekly_blocks=True)
    guardian, (kid,) = family(make, children=1)
    make.commit()
    auth.login(guardian)
    before = _state(snapshot)
    response = client.post("/me/bookings?lang=en", data=_book_form(kid, sessions(programme)[0]))
    assert response.status_code == 409
    assert "whole weeks" in response.get_data(as_text=True)
    assert _state(snapshot) == before


def _kiosk_check_in(app, user, session, person):
    """A check-in at the kiosk a few minutes before the session, as `user` logged in
    there (the routes give the services a KioskActor, not the User)."""
    app.config["FROZEN_NOW"] = session.starts_at - timedelta(minutes=5)
    client = _log_in(app, user, KIOSK)
    # With htmx a refusal keeps its 4xx (without, the kiosk redirects to its list).
    return client.post(
        f"/kiosk/sessions/{session.id}/check-in?lang=en",
        data={"person_id": person.id},
        headers={"HX-Request": "true"},
    )


def test_the_kiosk_and_the_desk_apply_the_programme_rules_too(make, app, snapshot):
    """The same rule for the desk (staff book a resident) and the kiosk (a drop-in
    at check-in books the day on the spot, through the kiosk's own actor)."""
    from app.models import Channel
    from app.services.booking.book import book
    from app.services.booking.targets import Target
    from app.services.refusals import NotEligible

    programme = holiday(make, per_child_limit=1, min_grade=1, max_grade=3)
    guardian, (kid, big, sister) = family(make, children=3, ages=(7, 12, 8))
    staff = make.user(role=Role.STAFF, age=40)
    monday, tuesday = sessions(programme)[:2]
    with pytest.raises(NotEligible):
        book(
            big, Target.of(programme.activity, monday), by=staff, channel=Channel.DESK, now=make.now
        )
    desk = book(
        kid, Target.of(programme.activity, monday), by=staff, channel=Channel.DESK, now=make.now
    )
    assert desk.status == "confirmed"
    make.commit()
    before = _state(snapshot)
    over_limit = _kiosk_check_in(app, guardian, tuesday, kid)
    assert over_limit.status_code == 409
    assert "limit of 1 day" in over_limit.get_data(as_text=True)
    too_old = _kiosk_check_in(app, guardian, tuesday, big)
    assert too_old.status_code == 409
    assert "school grade does not fit" in too_old.get_data(as_text=True)
    assert _state(snapshot) == before
    # The rules refuse only what they should: a child in range with no day yet drops in.
    assert _kiosk_check_in(app, guardian, tuesday, sister).status_code == 200
    dropped_in = db.session.scalar(select(Booking).where(Booking.person_id == sister.id))
    assert dropped_in.channel == Channel.KIOSK and dropped_in.status == BookingStatus.CONFIRMED


def test_the_desk_programme_route_still_books_for_any_family(make, auth, client):
    """Staff book a family's children on the programme page (may act for anyone)."""
    programme = holiday(make)
    _, (kid,) = family(make, children=1)
    staff = make.user(role=Role.STAFF, age=40)
    make.commit()
    auth.login(staff)
    response = client.post(
        f"/programmes/{programme.id}/book", data={"pick": _picks([kid], sessions(programme)[:1])}
    )
    assert response.status_code == 200
    booking = db.session.scalar(select(Booking))
    assert booking.person_id == kid.id and booking.channel == "desk"


def test_ordinary_classes_still_book_from_the_class_page(make, auth, client):
    activity = make.activity()
    user = make.resident()
    make.commit()
    auth.login(user)
    response = client.post("/me/bookings", data=_book_form(user.person, activity.sessions[0]))
    assert response.status_code == 303
    assert db.session.scalar(select(Booking.status)) == BookingStatus.CONFIRMED


def test_a_kiosk_drop_in_cannot_enrol_a_child_in_the_after_school_club(make, app, snapshot):
    """Checking in without a booking books a seat on the spot for ordinary classes;
    a programme's day follows the programme (the club is a term, booked on its page),
    also when the kiosk asks."""
    from tests.programme_helpers import afterschool

    programme = afterschool(make)
    guardian, (kid,) = family(make, children=1)
    make.commit()
    today = sessions(programme)[0]
    before = _state(snapshot)
    response = _kiosk_check_in(app, guardian, today, kid)
    assert response.status_code == 409
    assert "booked for the whole term" in response.get_data(as_text=True)
    assert _state(snapshot) == before


# --- the roll: the session's own teacher, a person not on it -----------------------


@pytest.mark.parametrize(
    ("start_in", "status"),
    [
        (timedelta(minutes=-30), "present"),  # the roll is open
        (timedelta(days=2), "present"),  # not yet open: the time check must not tell
        (timedelta(minutes=-30), "nonsense"),  # the form check must not tell either
    ],
)
@pytest.mark.parametrize("htmx", [False, True])
def test_the_teacher_of_a_session_cannot_tell_who_exists_from_its_roll(
    make, app, snapshot, start_in, status, htmx
):
    """Marking someone who is not on the roll answers exactly like an id no row has
    (the same 404 page), whatever the time or the form: a teacher learns nothing
    about who else exists from it, and nothing is written."""
    teacher = make.user(make.person(name="王老师", age=50), role=Role.TEACHER)
    activity = make.activity(teacher_id=teacher.id, start_in=start_in)
    session = activity.sessions[0]
    on_roll = make.resident(age=70)
    stranger = make.person(name="别家的人", age=70)
    make.commit()
    from app.models import Channel
    from app.services.booking.book import book
    from app.services.booking.targets import Target

    book(
        on_roll.person,
        Target.of(activity, session),
        by=on_roll,
        channel=Channel.PHONE,
        now=session.starts_at - timedelta(hours=2),
    )
    make.commit()
    headers = {"HX-Request": "true"} if htmx else {}
    answers = []
    before = _state(snapshot)
    for person_id in (stranger.id, MISSING):
        client = _log_in(app, teacher, TEACHER)
        url = f"/teach/sessions/{session.id}/marks/{person_id}"
        response = client.post(url, data={"status": status}, headers=headers)
        body = response.get_data(as_text=True).replace(url, "{url}")
        answers.append((response.status_code, CSRF.sub("", body)))
    assert _state(snapshot) == before
    (theirs_status, theirs_body), (missing_status, missing_body) = answers
    assert theirs_status == missing_status == 404
    assert theirs_body == missing_body, "\n".join(
        difflib.unified_diff(missing_body.splitlines(), theirs_body.splitlines(), lineterm="")
    )
    assert stranger.name not in theirs_body
    # The teacher's own roll still works: the person on it is marked.
    if status == "present" and start_in < timedelta(0):
        client = _log_in(app, teacher, TEACHER)
        url = f"/teach/sessions/{session.id}/marks/{on_roll.person.id}"
        assert client.post(url, data={"status": status}).status_code == 303
