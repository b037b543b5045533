"""The teacher's day: today's sessions, the roll, walk-ins, the paper sign-in sheet
and volunteer hours. Staff may open every roster."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from app.auth import role_required
from app.blueprints.teach import bp
from app.blueprints.teach.forms import (
    STATUS_LABELS,
    HelperForm,
    MarkForm,
    NewWalkInForm,
    WalkInForm,
    WalkInSearchForm,
)
from app.extensions import db, htmx
from app.forms import EmptyForm
from app.models import Person, Session, SessionHelper
from app.services.attendance import marking, walk_ins
from app.services.attendance import roster as attendance_roster
from app.services.refusals import NotOnRoster, Refusal
from app.services.volunteering import helpers as volunteering_helpers
from app.services.volunteering import hours as volunteering_hours
from app.timeutil import local_date, now

SIGN_IN_BLANK_LINES = 8


def get_roster_session(session_id: int) -> Session:
    """The session, if the current user may take its roll (404 / 403 otherwise)."""
    session = db.get_or_404(Session, session_id)
    if not attendance_roster.may_take_roster(current_user, session):
        abort(403)
    return session


def _roster_context(session: Session, **extra) -> dict:
    lines = attendance_roster.roster(session, viewer=current_user)
    return {
        "session": session,
        "lines": lines,
        "tally": attendance_roster.counts(lines),
        "labels": STATUS_LABELS,
        "mark_form": EmptyForm(),
        "helpers": volunteering_helpers.session_helpers(session),
        "helper_form": HelperForm(),
        **extra,
    }


@bp.get("/")
@role_required("teacher", "staff")
def today():
    moment = now()
    sessions = attendance_roster.teacher_sessions(current_user, moment)
    day = local_date(moment)
    return render_template(
        "teach/today.html",
        today_sessions=[s for s in sessions if local_date(s.starts_at) == day],
        week_sessions=[s for s in sessions if local_date(s.starts_at) != day],
    )


@bp.get("/sessions/<int:session_id>")
@role_required("teacher", "staff")
def show_roster(session_id: int):
    session = get_roster_session(session_id)
    search = WalkInSearchForm(request.args)
    found = []
    if search.q.data and search.validate():
        found = walk_ins.find_walk_ins(session, search.q.data, by=current_user, now=now())
    return _roster_page(session, search=search, found=found)


def _roster_page(
    session: Session, status: int = 200, *, search=None, found=None, new_walk_in_form=None
):
    """The whole roster page; the walk-in search is empty unless given."""
    return render_template(
        "teach/roster.html",
        **_roster_context(session),
        search=search if search is not None else WalkInSearchForm(formdata=None),
        found=found or [],
        walk_in_form=WalkInForm(),
        new_walk_in_form=new_walk_in_form if new_walk_in_form is not None else NewWalkInForm(),
    ), status


def _after_change(session: Session, message: str, kind: str, status: int, line=None):
    """htmx: the changed line (or the whole roll); otherwise back to the roster."""
    if htmx:
        context = _roster_context(session, message=message, message_kind=kind)
        if line is not None:
            return render_template(
                "teach/_roll_line.html",
                **context,
                line=line,
                line_message=message,
                line_message_kind=kind,
            ), status
        return render_template("teach/_roll.html", **context), status
    flash(message, kind)
    if status >= 400:
        return _roster_page(session, status)
    return redirect(url_for("teach.show_roster", session_id=session.id), 303)


def _on_roster_or_404(session: Session, person_id: int) -> Person:
    """The person on this session's roll. Anyone else, another household's person
    or an id no row has, gets the same 404 page, before the form or the time is
    looked at, so the roll tells nobody which ids exist."""
    for line in attendance_roster.roster(session):
        if line.person.id == person_id:
            return line.person
    abort(404)


@bp.post("/sessions/<int:session_id>/marks/<int:person_id>")
@role_required("teacher", "staff")
def mark_person(session_id: int, person_id: int):
    session = get_roster_session(session_id)
    person = _on_roster_or_404(session, person_id)
    form = MarkForm()
    if not form.validate():
        abort(422)
    try:
        marking.mark_attendance(session, person, form.status.data, by=current_user, now=now())
        db.session.commit()
    except Refusal as refusal:
        db.session.rollback()
        lines = attendance_roster.roster(session, viewer=current_user)
        line = next((x for x in lines if x.person.id == person.id), None)
        return _after_change(session, str(refusal), "error", refusal.http_status, line)
    line = attendance_roster.roster_line(session, person, viewer=current_user)
    message = _("%(name)s: %(status)s", name=person.name, status=STATUS_LABELS[line.status])
    return _after_change(session, message, "success", 200, line)


@bp.post("/sessions/<int:session_id>/all-present")
@role_required("teacher", "staff")
def mark_everyone_present(session_id: int):
    session = get_roster_session(session_id)
    if not EmptyForm().validate():
        abort(422)
    try:
        done = marking.mark_all_present(session, by=current_user, now=now())
        db.session.commit()
    except Refusal as refusal:
        db.session.rollback()
        return _after_change(session, str(refusal), "error", refusal.http_status)
    message = _("%(num)s marked present.", num=done)
    return _after_change(session, message, "success", 200)


@bp.post("/sessions/<int:session_id>/walk-ins")
@role_required("teacher", "staff")
def add_walk_in(session_id: int):
    session = get_roster_session(session_id)
    form = WalkInForm()
    if not form.validate():
        abort(422)
    # Someone the walk-in search would not find answers like an id that does not
    # exist: the service refuses both alike.
    person = db.session.get(Person, form.person_id.data)
    refused = _walk_in_change(session, person, walk_ins.add_walk_in)
    return refused or _after_change(
        session, _("%(name)s added as present.", name=person.name), "success", 200
    )


def _walk_in_change(session: Session, person: Person | None, change):
    """Runs `change(session, person, by=, now=)` and commits; None when done, else
    the answer to a refusal (404 for someone not on the roll or no one at all)."""
    try:
        change(session, person, by=current_user, now=now())
        db.session.commit()
    except NotOnRoster:
        db.session.rollback()
        abort(404)
    except Refusal as refusal:
        db.session.rollback()
        return _after_change(session, str(refusal), "error", refusal.http_status)
    return None


@bp.post("/sessions/<int:session_id>/walk-ins/<int:person_id>/remove")
@role_required("teacher", "staff")
def remove_walk_in(session_id: int, person_id: int):
    session = get_roster_session(session_id)
    if not EmptyForm().validate():
        abort(400)
    person = db.session.get(Person, person_id)
    refused = _walk_in_change(session, person, walk_ins.remove_walk_in)
    return refused or _after_change(
        session, _("%(name)s taken off the roll.", name=person.name), "success", 200
    )


@bp.post("/sessions/<int:session_id>/walk-ins/new")
@role_required("teacher", "staff")
def register_walk_in(session_id: int):
    session = get_roster_session(session_id)
    form = NewWalkInForm()
    valid = form.validate()
    if not valid and not htmx:
        # The page again, each error beside (and tied to) its field.
        return _roster_page(session, 422, new_walk_in_form=form)
    if not valid:
        message = " ".join(str(e) for errors in form.errors.values() for e in errors)
        return _after_change(session, message or _("Please check the form."), "error", 422)
    try:
        mark = walk_ins.register_walk_in(
            session, form.name.data.strip(), form.phone.data, by=current_user, now=now()
        )
        db.session.commit()
    except Refusal as refusal:
        db.session.rollback()
        return _after_change(session, str(refusal), "error", refusal.http_status)
    name = db.session.get(Person, mark.person_id).name
    return _after_change(session, _("%(name)s added as present.", name=name), "success", 200)


@bp.get("/sessions/<int:session_id>/sheet")
@role_required("teacher", "staff")
def print_sheet(session_id: int):
    session = get_roster_session(session_id)
    return render_template(
        "teach/sheet.html",
        session=session,
        lines=attendance_roster.roster(session),
        blank_lines=range(SIGN_IN_BLANK_LINES),
    )


@bp.post("/sessions/<int:session_id>/helpers")
@role_required("teacher", "staff")
def add_helper(session_id: int):
    session = get_roster_session(session_id)
    form = HelperForm()
    if not form.validate():
        flash(" ".join(str(e) for e in form.phone.errors), "error")
        return redirect(url_for("teach.show_roster", session_id=session.id), 303)
    try:
        entry = volunteering_helpers.add_helper(
            session, form.phone.data, by=current_user, now=now()
        )
        db.session.commit()
        flash(_("%(name)s is recorded as a helper.", name=entry.user.person.name), "success")
    except Refusal as refusal:
        db.session.rollback()
        flash(str(refusal), "error")
    return redirect(url_for("teach.show_roster", session_id=session.id), 303)


@bp.post("/sessions/<int:session_id>/helpers/<int:helper_id>/remove")
@role_required("teacher", "staff")
def remove_helper(session_id: int, helper_id: int):
    session = get_roster_session(session_id)
    entry = db.session.get(SessionHelper, helper_id)
    if entry is None or entry.session_id != session.id:
        abort(404)
    if not EmptyForm().validate():
        abort(400)
    volunteering_helpers.remove_helper(entry, by=current_user, now=now())
    db.session.commit()
    return redirect(url_for("teach.show_roster", session_id=session.id), 303)


@bp.get("/hours")
@login_required
def my_hours():
    """Anyone's own volunteer hours: teachers, and residents who helped."""
    (hours,) = volunteering_hours.volunteer_hours(now(), current_user)
    return render_template("teach/hours.html", hours=hours)
