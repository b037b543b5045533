"""The desk's classes and their sessions: create and edit a class, publish it, its
seats, and moving or cancelling one session (its schedule: schedule.py)."""

from __future__ import annotations

from datetime import datetime

from flask import abort, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from app.actions import answer, attempt
from app.blueprints.staff import bp
from app.blueprints.staff.forms import (
    ActivityForm,
    CapacityForm,
    MoveSessionForm,
    ReasonForm,
    StatusForm,
    user_choices,
)
from app.blueprints.staff.pages import (
    activity_page,
    invalid,
    on_page,
    session_page,
    with_promoted,
)
from app.extensions import db
from app.models import Activity, Session
from app.services import audit as services_audit
from app.services.booking.targets import Target
from app.services.schedule import activities as schedule_activities
from app.services.schedule import sessions as schedule_sessions
from app.timeutil import from_local, now, to_local

# Staff only (routes.py: every desk page): the role authorises, so a class or a
# session is loaded by its id alone (404 when there is none).


@bp.get("/activities")
def list_activities():
    return render_template("staff/activities.html", rows=schedule_activities.activity_rows())


def _local_input(value: datetime | None) -> datetime | None:
    """A datetime-local form value (centre time) as naive UTC."""
    return from_local(value) if value is not None else None


def _local_value(value: datetime | None) -> datetime | None:
    """A stored time (naive UTC) as a datetime-local form value (centre time)."""
    return to_local(value).replace(tzinfo=None) if value is not None else None


def _activity_form(activity: Activity | None = None) -> ActivityForm:
    form = ActivityForm(obj=activity)
    form.teacher_id.choices = user_choices(_("No teacher"), services_audit.staff_users())
    if activity is not None and request.method == "GET":
        form.opens_at.data = _local_value(activity.opens_at)
        form.closes_at.data = _local_value(activity.closes_at)
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

    def page(_outcome=None):
        return render_template("staff/activity_form.html", form=form, activity=None)

    if request.method == "GET":
        return page()
    if not form.validate():
        return invalid(page)
    outcome = attempt(
        lambda: schedule_activities.create_activity_by(
            current_user, now=now(), capacity=form.capacity.data, **_activity_fields(form)
        ),
        _("The class is saved as a draft. Add its sessions, then publish it."),
    )
    return answer(
        outcome,
        **on_page(page, lambda done: url_for("staff.show_activity", activity_id=done.result.id)),
    )


@bp.route("/activities/<int:activity_id>/edit", methods=["GET", "POST"])
def edit_activity(activity_id: int):
    activity = db.get_or_404(Activity, activity_id)
    form = _activity_form(activity)

    def page(_outcome=None):
        return render_template("staff/activity_form.html", form=form, activity=activity)

    if request.method == "GET":
        return page()
    if not form.validate():
        return invalid(page)
    outcome = attempt(
        lambda: schedule_activities.update_activity(
            activity,
            by=current_user,
            now=now(),
            capacity=form.capacity.data,
            **_activity_fields(form),
        ),
        with_promoted(_("Saved.")),
    )
    return answer(outcome, **on_page(page, url_for("staff.show_activity", activity_id=activity.id)))


@bp.get("/activities/<int:activity_id>")
def show_activity(activity_id: int):
    return activity_page(db.get_or_404(Activity, activity_id))


@bp.post("/activities/<int:activity_id>/status")
def set_activity_status(activity_id: int):
    activity = db.get_or_404(Activity, activity_id)
    form = StatusForm()
    if not form.validate():
        abort(422)
    outcome = attempt(
        lambda: schedule_activities.set_activity_status(
            activity, form.status.data, by=current_user, now=now()
        ),
        _("Saved."),
    )
    return answer(
        outcome,
        **on_page(
            lambda _outcome: activity_page(activity),
            url_for("staff.show_activity", activity_id=activity.id),
        ),
    )


def _change_capacity(target: Target, form: CapacityForm, page, done_url: str):
    """Sets the seats of a term or a session; the waiting people who get a place are
    told on the page."""
    if not form.validate():
        return invalid(page)
    outcome = attempt(
        lambda: schedule_activities.change_capacity(
            target, form.capacity.data, by=current_user, now=now()
        ),
        with_promoted(_("The number of seats is now %(num)d.", num=form.capacity.data)),
    )
    return answer(outcome, **on_page(page, done_url))


@bp.post("/activities/<int:activity_id>/capacity")
def change_series_capacity(activity_id: int):
    activity = db.get_or_404(Activity, activity_id)
    if not activity.is_series:
        abort(404)
    form = CapacityForm()
    return _change_capacity(
        Target(activity, None),
        form,
        lambda _outcome: activity_page(activity, capacity_form=form),
        url_for("staff.show_activity", activity_id=activity.id),
    )


# --- one session ---------------------------------------------------------------------


@bp.get("/sessions/<int:session_id>")
def show_session(session_id: int):
    return session_page(db.get_or_404(Session, session_id))


@bp.post("/sessions/<int:session_id>/capacity")
def change_session_capacity(session_id: int):
    session = db.get_or_404(Session, session_id)
    if session.activity.is_series:
        abort(404)
    form = CapacityForm()
    return _change_capacity(
        Target(session.activity, session),
        form,
        lambda _outcome: session_page(session, capacity_form=form),
        url_for("staff.show_session", session_id=session.id),
    )


@bp.post("/sessions/<int:session_id>/cancel")
def cancel_session(session_id: int):
    session = db.get_or_404(Session, session_id)
    form = ReasonForm()
    if not form.validate():
        return invalid(lambda _outcome: session_page(session, cancel_form=form))
    outcome = attempt(
        lambda: schedule_sessions.cancel_session(
            session, by=current_user, now=now(), reason=(form.reason.data or "").strip() or None
        ),
        lambda told: _("The session is cancelled. %(num)d bookings were told.", num=told),
    )
    return answer(
        outcome,
        **on_page(
            lambda _outcome: session_page(session),
            url_for("staff.show_session", session_id=session.id),
        ),
    )


@bp.post("/sessions/<int:session_id>/move")
def move_session(session_id: int):
    session = db.get_or_404(Session, session_id)
    form = MoveSessionForm()
    if not form.validate():
        return invalid(lambda _outcome: session_page(session, move_form=form))
    starts = from_local(datetime.combine(form.day.data, form.start.data))
    ends = from_local(datetime.combine(form.day.data, form.end.data))
    outcome = attempt(
        lambda: schedule_sessions.move_session(
            session, starts_at=starts, ends_at=ends, room=form.room.data, by=current_user, now=now()
        ),
        lambda told: _("The session is moved. %(num)d bookings were told.", num=told),
    )
    return answer(
        outcome,
        **on_page(
            lambda _outcome: session_page(session, move_form=form),
            url_for("staff.show_session", session_id=session.id),
        ),
    )
