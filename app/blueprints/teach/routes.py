"""The teacher's day: today's sessions, the roll, walk-ins, the paper sign-in sheet
and volunteer hours. Staff may open every roster.

Every change on the roll is answered by app/actions.py: htmx gets the changed line
(or the whole roll) with the message; without JavaScript a flash and the roster
again (a refusal) or a redirect to it."""

from __future__ import annotations

from flask import abort, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from app.access_log import seen
from app.actions import Outcome, answer, answer_invalid, attempt, refused
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
from app.extensions import db
from app.forms import EmptyForm
from app.loaders import helper_for, roster_person_for, roster_session_for
from app.models import Person, Session
from app.services.attendance import marking, walk_ins
from app.services.attendance import roster as attendance_roster
from app.services.privacy.access import Page as AccessPage
from app.services.refusals import NotOnRoster
from app.services.volunteering import helpers as volunteering_helpers
from app.services.volunteering import hours as volunteering_hours
from app.timeutil import local_date, now

SIGN_IN_BLANK_LINES = 8


def _roster_context(session: Session, **extra) -> dict:
    lines = attendance_roster.roster(session, viewer=current_user)
    seen([x.person for x in lines if x.care_notes or x.guardian_phones], AccessPage.ROSTER)
    return {
        "session": session,
        "lines": lines,
        "tally": attendance_roster.counts(lines),
        # Translated once: lazy labels are translated again at each of the roll's
        # four buttons a line, a tenth of a 400-line roll's time.
        "labels": {status: str(label) for status, label in STATUS_LABELS.items()},
        "mark_form": EmptyForm(),
        "helpers": volunteering_helpers.session_helpers(session),
        "helper_form": HelperForm(),
        **extra,
    }


def _roster_page(session: Session, *, search=None, found=None, new_walk_in_form=None) -> str:
    """The whole roster page; the walk-in search is empty unless given."""
    return render_template(
        "teach/roster.html",
        **_roster_context(session),
        search=search if search is not None else WalkInSearchForm(formdata=None),
        found=found or [],
        walk_in_form=WalkInForm(),
        new_walk_in_form=new_walk_in_form if new_walk_in_form is not None else NewWalkInForm(),
    )


def _roll(session: Session, person: Person | None = None):
    """htmx's answer to a change on the roll: the person's line (when given), else
    the whole roll, carrying the outcome's message."""

    def fragment(outcome: Outcome) -> str:
        context = _roster_context(session, message=outcome.message, message_kind=outcome.kind)
        line = next((x for x in context["lines"] if person and x.person.id == person.id), None)
        if line is None:
            return render_template("teach/_roll.html", **context)
        return render_template(
            "teach/_roll_line.html",
            **context,
            line=line,
            line_message=outcome.message,
            line_message_kind=outcome.kind,
        )

    return fragment


def _on_roll(session: Session, person: Person | None = None) -> dict:
    """How a change on the roll is answered (`answer`'s fragment, page and then)."""
    return {
        "fragment": _roll(session, person),
        "page": lambda _outcome: _roster_page(session),
        "then": url_for("teach.show_roster", session_id=session.id),
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
    session = roster_session_for(current_user, session_id)
    search = WalkInSearchForm(request.args)
    found = []
    if search.q.data and search.validate():
        found = walk_ins.find_walk_ins(session, search.q.data, by=current_user, now=now())
    return _roster_page(session, search=search, found=found)


@bp.post("/sessions/<int:session_id>/marks/<int:person_id>")
@role_required("teacher", "staff")
def mark_person(session_id: int, person_id: int):
    session = roster_session_for(current_user, session_id)
    # Anyone not on the roll answers 404 before the form or the time is looked at.
    person = roster_person_for(session, person_id)
    form = MarkForm()
    if not form.validate():
        abort(422)
    outcome = attempt(
        lambda: marking.mark_attendance(
            session, person, form.status.data, by=current_user, now=now()
        ),
        lambda mark: _("%(name)s: %(status)s", name=person.name, status=STATUS_LABELS[mark.status]),
    )
    return answer(outcome, **_on_roll(session, person))


@bp.post("/sessions/<int:session_id>/all-present")
@role_required("teacher", "staff")
def mark_everyone_present(session_id: int):
    session = roster_session_for(current_user, session_id)
    if not EmptyForm().validate():
        abort(422)
    outcome = attempt(
        lambda: marking.mark_all_present(session, by=current_user, now=now()),
        lambda done: _("%(num)s marked present.", num=done),
    )
    return answer(outcome, **_on_roll(session))


def _walk_in_change(session: Session, person: Person | None, change, said):
    """Runs `change(session, person, by=, now=)` and answers it with `said()` once
    done. Someone the walk-in search would not find, or no one at all, is refused by
    the service alike and answered with the same 404 page as an id that does not
    exist (no name is read for them)."""
    outcome = attempt(
        lambda: change(session, person, by=current_user, now=now()), lambda _result: said()
    )
    if isinstance(outcome.refusal, NotOnRoster):
        abort(404)
    return answer(outcome, **_on_roll(session))


@bp.post("/sessions/<int:session_id>/walk-ins")
@role_required("teacher", "staff")
def add_walk_in(session_id: int):
    session = roster_session_for(current_user, session_id)
    form = WalkInForm()
    if not form.validate():
        abort(422)
    person = db.session.get(Person, form.person_id.data)
    return _walk_in_change(
        session,
        person,
        walk_ins.add_walk_in,
        lambda: _("%(name)s added as present.", name=person.name),
    )


@bp.post("/sessions/<int:session_id>/walk-ins/<int:person_id>/remove")
@role_required("teacher", "staff")
def remove_walk_in(session_id: int, person_id: int):
    session = roster_session_for(current_user, session_id)
    if not EmptyForm().validate():
        abort(400)
    person = db.session.get(Person, person_id)
    return _walk_in_change(
        session,
        person,
        walk_ins.remove_walk_in,
        lambda: _("%(name)s taken off the roll.", name=person.name),
    )


@bp.post("/sessions/<int:session_id>/walk-ins/new")
@role_required("teacher", "staff")
def register_walk_in(session_id: int):
    session = roster_session_for(current_user, session_id)
    form = NewWalkInForm()
    if not form.validate():
        # The page again, each error beside (and tied to) its field; htmx gets them
        # as one sentence on the roll.
        message = " ".join(str(e) for errors in form.errors.values() for e in errors)
        return answer_invalid(
            message or _("Please check the form."),
            fragment=_roll(session),
            page=lambda _outcome: _roster_page(session, new_walk_in_form=form),
        )
    outcome = attempt(
        lambda: walk_ins.register_walk_in(
            session, form.name.data.strip(), form.phone.data, by=current_user, now=now()
        ),
        lambda mark: _("%(name)s added as present.", name=mark.person.name),
    )
    return answer(outcome, **_on_roll(session))


@bp.get("/sessions/<int:session_id>/sheet")
@role_required("teacher", "staff")
def print_sheet(session_id: int):
    session = roster_session_for(current_user, session_id)
    return render_template(
        "teach/sheet.html",
        session=session,
        lines=attendance_roster.roster(session),
        blank_lines=range(SIGN_IN_BLANK_LINES),
    )


# The helper forms are not htmx-enhanced, and a refusal is shown on the roster the
# redirect leads back to (`answer` without a fragment or a page).


@bp.post("/sessions/<int:session_id>/helpers")
@role_required("teacher", "staff")
def add_helper(session_id: int):
    session = roster_session_for(current_user, session_id)
    back = url_for("teach.show_roster", session_id=session.id)
    form = HelperForm()
    if not form.validate():
        message = " ".join(str(e) for e in form.phone.errors)
        return answer(refused(message), fragment=None, page=None, then=back)
    outcome = attempt(
        lambda: volunteering_helpers.add_helper(
            session, form.phone.data, by=current_user, now=now()
        ),
        lambda entry: _("%(name)s is recorded as a helper.", name=entry.user.person.name),
    )
    return answer(outcome, fragment=None, page=None, then=back)


@bp.post("/sessions/<int:session_id>/helpers/<int:helper_id>/remove")
@role_required("teacher", "staff")
def remove_helper(session_id: int, helper_id: int):
    session = roster_session_for(current_user, session_id)
    entry = helper_for(session, helper_id)
    if not EmptyForm().validate():
        abort(400)
    outcome = attempt(lambda: volunteering_helpers.remove_helper(entry, by=current_user, now=now()))
    back = url_for("teach.show_roster", session_id=session.id)
    return answer(outcome, fragment=None, page=None, then=back)


@bp.get("/hours")
@login_required
def my_hours():
    """Anyone's own volunteer hours: teachers, and residents who helped."""
    (hours,) = volunteering_hours.volunteer_hours(now(), current_user)
    return render_template("teach/hours.html", hours=hours)
