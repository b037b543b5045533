"""The staff desk: classes and schedules, seats and waitlists, residents and
booking on their behalf (代办), the offer call list and the audit log.

Every view: load (404) → one service call → commit → redirect (303) or, for htmx,
the fragment. Refusals roll back and show the service's sentence with its status.
"""

from __future__ import annotations

from datetime import datetime

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from markupsafe import Markup
from wtforms.fields.choices import SelectChoice

from app.auth import role_required
from app.blueprints.account.forms import LeaveForm
from app.blueprints.staff import bp
from app.blueprints.staff.forms import (
    ActivityForm,
    AuditFilterForm,
    BookForPersonForm,
    CallDoneForm,
    CapacityForm,
    LinkConfirmForm,
    LinkRequestForm,
    MemberForm,
    MoveForm,
    MoveSessionForm,
    PinForm,
    ReasonForm,
    RegisterForm,
    ScheduleForm,
    SearchForm,
    StatusForm,
    TagsForm,
)
from app.extensions import db, htmx
from app.formatting import when
from app.forms import EmptyForm
from app.inputs import page_number, parse_id
from app.models import (
    Activity,
    Booking,
    BookingStatus,
    Household,
    HouseholdLink,
    OfferCall,
    Person,
    Session,
)
from app.redirects import safe_next
from app.services import audit as services_audit
from app.services.attendance import leave as attendance_leave
from app.services.booking import lists, offers, on_behalf, waitlist
from app.services.booking.targets import Target
from app.services.people import links, residents
from app.services.people.login import (
    find_user_by_phone,
    locked_accounts,
    login_lock_state,
    unlock_login,
)
from app.services.people.sessions import log_out_everywhere
from app.services.refusals import Refusal
from app.services.schedule import activities as schedule_activities
from app.services.schedule import sessions as schedule_sessions
from app.timeutil import from_local, local_date, local_day_bounds, now, to_local


@bp.before_request
@role_required("staff")
def _staff_only():
    """Every desk page is for staff and admin only."""


# --- loading ---------------------------------------------------------------------


def _get(model, object_id: int):
    return db.get_or_404(model, object_id)


def _refused(refusal: Refusal, render_page):
    """Roll back and show the refusal: the fragment (htmx) or the page with a flash."""
    db.session.rollback()
    if htmx:
        return render_template(
            "errors/_message.html", status=refusal.http_status, message=str(refusal)
        ), refusal.http_status
    flash(str(refusal), "error")
    return render_page(), refusal.http_status


def _invalid(render_page):
    """A form with errors: the page again, with the errors next to the fields."""
    if htmx:
        return render_template(
            "errors/_message.html",
            status=422,
            message=_("Something in the form was not right. Please check and try again."),
        ), 422
    return render_page(), 422


def _local_input(value: datetime | None) -> datetime | None:
    """A datetime-local form value (centre time) as naive UTC."""
    return from_local(value) if value is not None else None


# --- overview ----------------------------------------------------------------------


@bp.get("/")
def index():
    return render_template(
        "staff/index.html",
        search=SearchForm(formdata=None),
        open_calls=len(offers.open_offer_calls()) + len(locked_accounts()),
    )


# --- activities ----------------------------------------------------------------------


@bp.get("/activities")
def list_activities():
    activities = list(
        db.session.scalars(db.select(Activity).order_by(Activity.status, Activity.title))
    )
    return render_template("staff/activities.html", activities=activities)


def _activity_form(activity: Activity | None = None) -> ActivityForm:
    form = ActivityForm(obj=activity)
    form.teacher_id.choices = [SelectChoice("", _("No teacher"))] + [
        SelectChoice(u.id, u.person.name) for u in services_audit.staff_users()
    ]
    if activity is not None and request.method == "GET":
        form.opens_at.data = (
            to_local(activity.opens_at).replace(tzinfo=None) if activity.opens_at else None
        )
        form.closes_at.data = (
            to_local(activity.closes_at).replace(tzinfo=None) if activity.closes_at else None
        )
    return form


def _activity_fields(form: ActivityForm) -> dict:
    return {
        "title": form.title.data.strip(),
        "title_en": (form.title_en.data or "").strip() or None,
        "description": form.description.data or "",
        "category": form.category.data,
        "audience": form.audience.data,
        "min_age": form.min_age.data,
        "max_age": form.max_age.data,
        "teacher_id": form.teacher_id.data,
        "room": form.room.data or "",
        "enrolment_unit": form.enrolment_unit.data,
        "capacity_unit": form.capacity_unit.data,
        "allocation": form.allocation.data,
        "waitlist_enabled": bool(form.waitlist_enabled.data),
        "waitlist_policy": form.waitlist_policy.data,
        "opens_at": _local_input(form.opens_at.data),
        "closes_at": _local_input(form.closes_at.data),
        "cancel_hours": form.cancel_hours.data,
    }


@bp.route("/activities/new", methods=["GET", "POST"])
def new_activity():
    form = _activity_form()

    def page():
        return render_template("staff/activity_form.html", form=form, activity=None)

    if request.method == "GET":
        return page()
    if not form.validate():
        return _invalid(page)
    try:
        activity = schedule_activities.create_activity_by(
            current_user, now=now(), capacity=form.capacity.data, **_activity_fields(form)
        )
        db.session.commit()
    except Refusal as refusal:
        return _refused(refusal, page)
    flash(_("The class is saved as a draft. Add its sessions, then publish it."), "success")
    return redirect(url_for("staff.show_activity", activity_id=activity.id), 303)


@bp.route("/activities/<int:activity_id>/edit", methods=["GET", "POST"])
def edit_activity(activity_id: int):
    activity = _get(Activity, activity_id)
    form = _activity_form(activity)

    def page():
        return render_template("staff/activity_form.html", form=form, activity=activity)

    if request.method == "GET":
        return page()
    if not form.validate():
        return _invalid(page)
    try:
        promoted = schedule_activities.update_activity(
            activity,
            by=current_user,
            now=now(),
            capacity=form.capacity.data,
            **_activity_fields(form),
        )
        db.session.commit()
    except Refusal as refusal:
        return _refused(refusal, page)
    flash(_("Saved."), "success")
    if promoted:
        flash(_("%(num)d people on the waiting list got a place.", num=len(promoted)), "info")
    return redirect(url_for("staff.show_activity", activity_id=activity.id), 303)


def _activity_page(activity: Activity, **forms):
    target = Target(activity, None) if activity.is_series else None
    seated, queue = lists.bookings_of(target) if target else ([], [])
    return render_template(
        "staff/activity.html",
        activity=activity,
        sessions=activity.sessions,
        target=target,
        seated=seated,
        queue=queue,
        capacity_form=forms.get("capacity_form") or CapacityForm(capacity=activity.capacity),
        row_form=ReasonForm(formdata=None),
        form=EmptyForm(),
        today=now(),
    )


@bp.get("/activities/<int:activity_id>")
def show_activity(activity_id: int):
    return _activity_page(_get(Activity, activity_id))


@bp.post("/activities/<int:activity_id>/status")
def set_activity_status(activity_id: int):
    activity = _get(Activity, activity_id)
    form = StatusForm()
    if not form.validate():
        abort(422)
    try:
        schedule_activities.set_activity_status(
            activity, form.status.data, by=current_user, now=now()
        )
        db.session.commit()
    except Refusal as refusal:
        return _refused(refusal, lambda: _activity_page(activity))
    flash(_("Saved."), "success")
    return redirect(url_for("staff.show_activity", activity_id=activity.id), 303)


@bp.post("/activities/<int:activity_id>/capacity")
def change_series_capacity(activity_id: int):
    activity = _get(Activity, activity_id)
    if not activity.is_series:
        abort(404)
    form = CapacityForm()
    return _change_capacity(
        Target(activity, None),
        form,
        lambda: _activity_page(activity, capacity_form=form),
        url_for("staff.show_activity", activity_id=activity.id),
    )


@bp.route("/activities/<int:activity_id>/schedule", methods=["GET", "POST"])
def generate_schedule(activity_id: int):
    activity = _get(Activity, activity_id)
    form = ScheduleForm()

    def page():
        return render_template("staff/schedule.html", form=form, activity=activity)

    if request.method == "GET":
        return page()
    if not form.validate():
        return _invalid(page)
    try:
        sessions = schedule_sessions.generate_by(
            activity,
            by=current_user,
            now=now(),
            first_day=form.first_day.data,
            last_day=form.last_day.data,
            weekdays=[int(d) for d in form.weekdays.data],
            start=form.start.data,
            end=form.end.data,
            skip=getattr(form, "skip_days", []),
            capacity=form.capacity.data,
        )
        db.session.commit()
    except Refusal as refusal:
        return _refused(refusal, page)
    flash(_("%(num)d sessions were added.", num=len(sessions)), "success")
    return redirect(url_for("staff.show_activity", activity_id=activity.id), 303)


# --- sessions and their bookings ---------------------------------------------------------


def _session_page(session: Session, **forms):
    target = Target(session.activity, session)
    seated, queue = lists.bookings_of(target) if not session.activity.is_series else ([], [])
    local_start = to_local(session.starts_at).replace(tzinfo=None)
    move_form = forms.get("move_form") or MoveSessionForm(
        formdata=None,
        day=local_start.date(),
        start=local_start.time(),
        end=to_local(session.ends_at).replace(tzinfo=None).time(),
        room=session.room or "",
    )
    return render_template(
        "staff/session.html",
        session=session,
        activity=session.activity,
        target=target,
        seated=seated,
        queue=queue,
        capacity_form=forms.get("capacity_form")
        or CapacityForm(formdata=None, capacity=session.capacity),
        move_form=move_form,
        cancel_form=forms.get("cancel_form") or ReasonForm(formdata=None),
        row_form=ReasonForm(formdata=None),
    )


@bp.get("/sessions/<int:session_id>")
def show_session(session_id: int):
    return _session_page(_get(Session, session_id))


def _change_capacity(target: Target, form: CapacityForm, render_page, done_url: str):
    if not form.validate():
        return _invalid(render_page)
    try:
        promoted = schedule_activities.change_capacity(
            target, form.capacity.data, by=current_user, now=now()
        )
        db.session.commit()
    except Refusal as refusal:
        return _refused(refusal, render_page)
    flash(_("The number of seats is now %(num)d.", num=form.capacity.data), "success")
    if promoted:
        flash(_("%(num)d people on the waiting list got a place.", num=len(promoted)), "info")
    return redirect(done_url, 303)


@bp.post("/sessions/<int:session_id>/capacity")
def change_session_capacity(session_id: int):
    session = _get(Session, session_id)
    if session.activity.is_series:
        abort(404)
    form = CapacityForm()
    return _change_capacity(
        Target(session.activity, session),
        form,
        lambda: _session_page(session, capacity_form=form),
        url_for("staff.show_session", session_id=session.id),
    )


@bp.post("/sessions/<int:session_id>/cancel")
def cancel_session(session_id: int):
    session = _get(Session, session_id)
    form = ReasonForm()
    if not form.validate():
        return _invalid(lambda: _session_page(session, cancel_form=form))
    try:
        told = schedule_sessions.cancel_session(
            session, by=current_user, now=now(), reason=(form.reason.data or "").strip() or None
        )
        db.session.commit()
    except Refusal as refusal:
        return _refused(refusal, lambda: _session_page(session))
    flash(_("The session is cancelled. %(num)d bookings were told.", num=told), "success")
    return redirect(url_for("staff.show_session", session_id=session.id), 303)


@bp.post("/sessions/<int:session_id>/move")
def move_session(session_id: int):
    session = _get(Session, session_id)
    form = MoveSessionForm()
    if not form.validate():
        return _invalid(lambda: _session_page(session, move_form=form))
    starts = from_local(datetime.combine(form.day.data, form.start.data))
    ends = from_local(datetime.combine(form.day.data, form.end.data))
    try:
        told = schedule_sessions.move_session(
            session, starts_at=starts, ends_at=ends, room=form.room.data, by=current_user, now=now()
        )
        db.session.commit()
    except Refusal as refusal:
        return _refused(refusal, lambda: _session_page(session, move_form=form))
    flash(_("The session is moved. %(num)d bookings were told.", num=told), "success")
    return redirect(url_for("staff.show_session", session_id=session.id), 303)


# --- one booking: waitlist handling and cancelling on behalf ---------------------------------


def _booking_context(booking: Booking):
    """Where a booking is managed: (page renderer, URL, fragment renderer)."""
    if booking.session_id is not None:
        session = booking.session

        def page():
            return _session_page(session)

        url = url_for("staff.show_session", session_id=session.id)
    else:
        activity = booking.activity

        def page():
            return _activity_page(activity)

        url = url_for("staff.show_activity", activity_id=activity.id)

    def fragment(message: str, kind: str = "success", status: int = 200):
        seated, queue = lists.bookings_of(Target.of_booking(booking))
        return render_template(
            "staff/_bookings.html",
            target=Target.of_booking(booking),
            seated=seated,
            queue=queue,
            row_form=ReasonForm(formdata=None),
            message=message,
            message_kind=kind,
        ), status

    return page, url, fragment


def _booking_action(booking: Booking, form, action, message: str):
    page, url, fragment = _booking_context(booking)
    if not form.validate():
        return _invalid(page)
    try:
        action()
        db.session.commit()
    except Refusal as refusal:
        db.session.rollback()
        if htmx:
            return fragment(str(refusal), "error", refusal.http_status)
        flash(str(refusal), "error")
        return page(), refusal.http_status
    if htmx:
        return fragment(message)
    flash(message, "success")
    return redirect(_back_or(url), 303)


def _back_or(default: str) -> str:
    """The form's `next` if it is a staff page of this site, else `default`."""
    return safe_next(request.form.get("next"), under="/staff/") or default


@bp.post("/bookings/<int:booking_id>/promote")
def promote_booking(booking_id: int):
    booking = _get(Booking, booking_id)
    form = ReasonForm()
    return _booking_action(
        booking,
        form,
        lambda: waitlist.staff_promote(
            booking, by=current_user, now=now(), reason=(form.reason.data or "").strip()
        ),
        _("%(name)s now has a place.", name=booking.person.name),
    )


@bp.post("/bookings/<int:booking_id>/move")
def move_booking(booking_id: int):
    booking = _get(Booking, booking_id)
    form = MoveForm()
    return _booking_action(
        booking,
        form,
        lambda: waitlist.move_in_queue(
            booking,
            steps=-1 if form.direction.data == "up" else 1,
            by=current_user,
            now=now(),
            reason=form.reason.data,
        ),
        _("The waiting list order is changed."),
    )


@bp.post("/bookings/<int:booking_id>/remove")
def remove_booking(booking_id: int):
    booking = _get(Booking, booking_id)
    form = ReasonForm()
    return _booking_action(
        booking,
        form,
        lambda: waitlist.remove_from_waitlist(
            booking, by=current_user, now=now(), reason=form.reason.data
        ),
        _("%(name)s is off the waiting list.", name=booking.person.name),
    )


@bp.post("/bookings/<int:booking_id>/cancel")
def cancel_booking(booking_id: int):
    booking = _get(Booking, booking_id)
    return _booking_action(
        booking,
        EmptyForm(),
        lambda: on_behalf.cancel_for(booking, by=current_user, now=now()),
        _("The booking of %(name)s is cancelled.", name=booking.person.name),
    )


@bp.post("/bookings/<int:booking_id>/leave")
def leave_booking(booking_id: int):
    """请假 on behalf: the resident cannot come to one date."""
    booking = _get(Booking, booking_id)
    form = LeaveForm()
    session = db.session.get(Session, form.session_id.data) if form.validate() else None
    if session is None:
        abort(422)
    return _booking_action(
        booking,
        form,
        lambda: on_behalf.leave_for(booking, session, by=current_user, now=now()),
        _(
            "Leave noted for %(name)s on %(when)s.",
            name=booking.person.name,
            when=when(session.starts_at),
        ),
    )


# --- residents ------------------------------------------------------------------------------


@bp.get("/residents")
def find_residents():
    form = SearchForm(request.args)
    people = residents.search_residents(form.q.data) if form.validate() else []
    template = (
        "staff/_results.html" if htmx and htmx.target == "results" else "staff/residents.html"
    )
    return render_template(template, form=form, people=people, searched=bool(form.q.data))


@bp.route("/households/new", methods=["GET", "POST"])
def new_household():
    form = RegisterForm()

    def page():
        return render_template("staff/household_form.html", form=form)

    if request.method == "GET":
        return page()
    if not form.validate():
        return _invalid(page)
    try:
        household = residents.register_household(
            form.household_name.data.strip(),
            by=current_user,
            now=now(),
            address=form.address.data,
            tags=form.tags.data or [],
        )
        person = _register_member(household, form)
        db.session.commit()
    except Refusal as refusal:
        return _refused(refusal, page)
    flash(_("The household is registered."), "success")
    return redirect(url_for("staff.show_person", person_id=person.id), 303)


def _register_member(household: Household, form) -> Person:
    return residents.register_member(
        household,
        form.name.data.strip(),
        by=current_user,
        now=now(),
        hash_method=current_app.config["PASSWORD_HASH_METHOD"],
        birth_date=form.birth_date.data,
        phone=form.phone.data or None,
        pin=form.pin.data or None,
        care_notes=form.care_notes.data or None,
        email=form.email.data or None,
    )


def _person_page(person: Person, **forms):
    household = person.household
    targets = lists.bookable_targets(now())
    book_form = forms.get("book_form") or BookForPersonForm(formdata=None)
    book_form.target.choices = _target_choices(targets)
    return render_template(
        "staff/person.html",
        person=person,
        household=household,
        members=household.members,
        rows=lists.person_bookings(person, now()),
        leave_dates=attendance_leave.leave_choices(
            [r.booking for r in lists.person_bookings(person, now())], now()
        ),
        links=links.links_of_person(person),
        tags_form=forms.get("tags_form") or TagsForm(formdata=None, tags=household.tag_names),
        member_form=forms.get("member_form") or MemberForm(formdata=None),
        pin_form=forms.get("pin_form") or PinForm(formdata=None),
        book_form=book_form,
        link_form=forms.get("link_form") or LinkRequestForm(formdata=None),
        confirm_form=LinkConfirmForm(formdata=None),
        form=EmptyForm(),
        today=now(),
        login_lock=(
            login_lock_state(person.user.phone, now=now(), settings=current_app.config)
            if person.user is not None
            else None
        ),
    )


def _target_key(target: Target) -> str:
    return f"s{target.session.id}" if target.session is not None else f"a{target.activity.id}"


def _target_choices(targets: list[Target]):
    from app.formatting import when

    choices = []
    for t in targets:
        moment = when(t.session.starts_at) if t.session is not None else _("whole term")
        seats = _("full") if t.seats_left() <= 0 else _("%(num)d free", num=t.seats_left())
        choices.append(SelectChoice(_target_key(t), f"{t.activity.title} · {moment} · {seats}"))
    return choices


def _target_from_key(key: str) -> Target:
    kind, number = key[:1], parse_id(key[1:])
    if number is None:
        abort(422)
    if kind == "s":
        session = _get(Session, number)
        return Target.of(session.activity, session)
    if kind == "a":
        return Target.of(_get(Activity, number), None)
    abort(422)


@bp.get("/people/<int:person_id>")
def show_person(person_id: int):
    return _person_page(_get(Person, person_id))


@bp.post("/people/<int:person_id>/book")
def book_for_person(person_id: int):
    person = _get(Person, person_id)
    form = BookForPersonForm()
    form.target.choices = []  # any key; the lookup below checks it
    form.target.validate_choice = False
    if not form.validate():
        return _invalid(lambda: _person_page(person))
    target = _target_from_key(form.target.data)
    try:
        booking = on_behalf.book_for(
            person, target, by=current_user, channel=form.channel.data, now=now()
        )
        db.session.commit()
    except Refusal as refusal:
        return _refused(refusal, lambda: _person_page(person))
    if booking.status == BookingStatus.CONFIRMED:
        flash(_("%(name)s is booked.", name=person.name), "success")
    else:
        flash(_("The class is full: %(name)s is on the waiting list.", name=person.name), "info")
    return redirect(url_for("staff.show_person", person_id=person.id), 303)


@bp.post("/households/<int:household_id>/tags")
def set_tags(household_id: int):
    household = _get(Household, household_id)
    person = household.members[0] if household.members else None
    form = TagsForm()
    if not form.validate() or person is None:
        abort(422)
    try:
        residents.set_household_tags(household, form.tags.data or [], by=current_user, now=now())
        db.session.commit()
    except Refusal as refusal:
        return _refused(refusal, lambda: _person_page(person))
    flash(_("Saved."), "success")
    return redirect(url_for("staff.show_person", person_id=_back_person(person).id), 303)


def _back_person(default: Person) -> Person:
    person_id = parse_id(request.form.get("person_id"))
    if person_id is not None:
        found = db.session.get(Person, person_id)
        if found is not None:
            return found
    return default


@bp.post("/households/<int:household_id>/members")
def add_member(household_id: int):
    household = _get(Household, household_id)
    form = MemberForm()
    anchor = household.members[0] if household.members else None
    if anchor is None:
        abort(404)
    if not form.validate():
        return _invalid(lambda: _person_page(anchor, member_form=form))
    try:
        person = _register_member(household, form)
        db.session.commit()
    except Refusal as refusal:
        return _refused(refusal, lambda: _person_page(anchor, member_form=form))
    flash(_("%(name)s is added to the household.", name=person.name), "success")
    return redirect(url_for("staff.show_person", person_id=person.id), 303)


@bp.post("/people/<int:person_id>/pin")
def reset_pin(person_id: int):
    person = _get(Person, person_id)
    if person.user is None:
        abort(404)
    form = PinForm()
    if not form.validate():
        return _invalid(lambda: _person_page(person, pin_form=form))
    try:
        residents.reset_pin(
            person.user,
            form.pin.data,
            by=current_user,
            now=now(),
            hash_method=current_app.config["PASSWORD_HASH_METHOD"],
        )
        db.session.commit()
    except Refusal as refusal:
        return _refused(refusal, lambda: _person_page(person))
    flash(_("The new PIN is set."), "success")
    return redirect(url_for("staff.show_person", person_id=person.id), 303)


@bp.post("/people/<int:person_id>/unlock-login")
def unlock_person_login(person_id: int):
    """Ends every lock on the person's login (after staff spoke with them)."""
    person = _get(Person, person_id)
    if person.user is None:
        abort(404)
    if not EmptyForm().validate():
        abort(422)
    unlock_login(person.user, by=current_user, now=now(), settings=current_app.config)
    db.session.commit()
    flash(_("%(name)s can log in again.", name=person.name), "success")
    back = url_for("staff.show_person", person_id=person.id)
    return redirect(_back_or(back), 303)


@bp.post("/people/<int:person_id>/sessions/end")
def end_sessions(person_id: int):
    """Log out everywhere: a lost phone, a computer left logged in."""
    person = _get(Person, person_id)
    if person.user is None:
        abort(404)
    if not EmptyForm().validate():
        abort(400)
    log_out_everywhere(person.user, by=current_user, now=now())
    db.session.commit()
    flash(_("%(name)s is now logged out on every device.", name=person.name), "success")
    return redirect(url_for("staff.show_person", person_id=person.id), 303)


@bp.get("/people/<int:person_id>/card")
def member_card(person_id: int):
    import segno

    person = _get(Person, person_id)
    if not person.member_no:
        abort(404)
    qr = Markup(segno.make(person.member_no, micro=False).svg_inline(scale=6))
    return render_template("staff/card.html", person=person, qr=qr)


# --- links between households (代办 with consent) ------------------------------------------


@bp.post("/people/<int:person_id>/links")
def request_link(person_id: int):
    person = _get(Person, person_id)
    form = LinkRequestForm()
    if not form.validate():
        return _invalid(lambda: _person_page(person, link_form=form))
    helper = find_user_by_phone(form.helper_phone.data)
    if helper is None:
        flash(_("No account has this phone number."), "error")
        return _person_page(person, link_form=form), 404
    try:
        links.request_link(helper, person, by=current_user, now=now())
        db.session.commit()
    except Refusal as refusal:
        return _refused(refusal, lambda: _person_page(person, link_form=form))
    flash(
        _("Now %(name)s types their PIN below to agree.", name=person.name),
        "info",
    )
    return redirect(url_for("staff.show_person", person_id=person.id), 303)


@bp.post("/links/<int:link_id>/confirm")
def confirm_link(link_id: int):
    link = _get(HouseholdLink, link_id)
    person = link.person
    form = LinkConfirmForm()
    if not form.validate():
        return _invalid(lambda: _person_page(person))
    try:
        links.confirm_link(
            link,
            form.pin.data,
            by=current_user,
            now=now(),
            settings=current_app.config,
            address=request.remote_addr,
        )
        db.session.commit()
    except Refusal as refusal:
        # A wrong PIN is counted (like a failed login): keep that count.
        db.session.commit()
        flash(str(refusal), "error")
        return _person_page(person), refusal.http_status
    flash(
        _("%(helper)s may now book for %(name)s.", helper=link.user.person.name, name=person.name),
        "success",
    )
    return redirect(url_for("staff.show_person", person_id=person.id), 303)


@bp.post("/links/<int:link_id>/revoke")
def revoke_link(link_id: int):
    link = _get(HouseholdLink, link_id)
    if not EmptyForm().validate():
        abort(422)
    links.revoke_link(link, by=current_user, now=now())
    db.session.commit()
    flash(_("The link is ended."), "success")
    return redirect(url_for("staff.show_person", person_id=_back_person(link.person).id), 303)


# --- the offer call list ---------------------------------------------------------------------


@bp.get("/calls")
def list_calls():
    return render_template(
        "staff/calls.html",
        calls=offers.open_offer_calls(),
        locked=locked_accounts(),
        form=CallDoneForm(formdata=None),
    )


@bp.post("/calls/<int:call_id>/done")
def close_call(call_id: int):
    call = _get(OfferCall, call_id)
    form = CallDoneForm()
    if not form.validate():
        abort(422)
    offers.close_offer_call(call, by=current_user, now=now(), note=form.note.data)
    db.session.commit()
    if htmx:
        return "", 200
    flash(_("Done."), "success")
    return redirect(url_for("staff.list_calls"), 303)


# --- the audit log ---------------------------------------------------------------------------


@bp.get("/audit")
def audit_log():
    form = AuditFilterForm(request.args)
    form.action.choices = [SelectChoice("", _("All actions"))] + [
        SelectChoice(a, a) for a in services_audit.audit_actions()
    ]
    form.actor.choices = [SelectChoice("", _("Everyone"))] + [
        SelectChoice(u.id, u.person.name) for u in services_audit.staff_users()
    ]
    valid = form.validate()
    filters = services_audit.AuditFilter()
    if valid:
        filters = services_audit.AuditFilter(
            action=form.action.data or None,
            actor_id=form.actor.data,
            since=local_day_bounds(form.since.data)[0] if form.since.data else None,
            until=local_day_bounds(form.until.data)[1] if form.until.data else None,
        )
    entries = services_audit.audit_entries(filters, page=page_number(request.args.get("page")))
    # The page links repeat the filters, and nothing else the query carried.
    args = {name: request.args[name] for name in AUDIT_FILTERS if valid and request.args.get(name)}
    page = render_template(
        "staff/audit.html", form=form, entries=entries, args=args, local_date=local_date
    )
    return page, 200 if valid else 422


AUDIT_FILTERS = ("action", "actor", "since", "until")
