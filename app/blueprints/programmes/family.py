"""The families' pages: the list, a programme's calendar, booking or applying for
several children on several days at once, and withdrawing an application."""

from __future__ import annotations

from datetime import datetime

from flask import abort, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from app import database
from app.actions import answer, attempt
from app.blueprints.programmes import bp
from app.blueprints.programmes.forms import BookDaysForm
from app.blueprints.programmes.pages import booking_zone, detail_page
from app.extensions import db
from app.forms import EmptyForm
from app.loaders import application_for, people_for, programme_or_404
from app.models import Person, Programme
from app.services.booking.place import channel_for
from app.services.childcare import applications as childcare_applications
from app.services.childcare import programmes, submissions
from app.services.childcare.calendar import eligible_children
from app.services.people.login import household_members
from app.timeutil import local_date, now


@bp.get("/")
def list_programmes():
    return render_template(
        "programmes/list.html", programmes=programmes.published_programmes(now())
    )


@bp.get("/<int:programme_id>")
def show_programme(programme_id: int):
    # Only shows the seed's state: the job fixes it when applications close (and a
    # draw without a published commitment publishes one), so a look never writes.
    return detail_page(programme_or_404(programme_id, with_slots=True))


def _pairs(
    programme: Programme, form: BookDaysForm, members: list[Person]
) -> list[tuple[Person, object]]:
    """The ticked (child, slot) pairs as objects. 404 for the whole submission when
    one child is someone the user may not act for (checked first, before anything
    about them is read) or does not exist (an id out of range included), or a slot
    is not the programme's. `members`: the user's household, which the answer shows
    too; children of a linked household (代办) are loaded with `people_for`."""
    pairs = form.pick.pairs
    wanted = {p for p, _ in pairs}
    own = {m.id: m for m in members}
    people = own if wanted <= own.keys() else people_for(current_user, wanted)
    slots = programmes.sessions_by_id(programme, {s for _, s in pairs})
    result = []
    for person_id, session_id in dict.fromkeys(pairs):
        if session_id not in slots:
            abort(404)
        result.append((people[person_id], slots[session_id]))
    return result


def _book_or_apply(
    programme: Programme, pairs, *, together: bool, applying: bool, at: datetime, children
) -> submissions.Submitted:
    if applying:
        return submissions.Submitted(
            childcare_applications.apply_days(
                programme, pairs, together=together, by=current_user, now=at
            )
        )
    applications = None
    if not database.reads_hold_the_write_lock(db.engine):
        # On a database server the answer's last read joins the submission's
        # transaction, before the slots are locked (a booking makes no application):
        # after the commit it would cost a transaction of its own (BEGIN, SELECT,
        # ROLLBACK). On SQLite it waits until the write lock is let go.
        applications = childcare_applications.household_applications(
            programme, current_user.household_id
        )
    submitted = submissions.submit_days(
        programme,
        pairs,
        together=together,
        by=current_user,
        channel=channel_for(current_user),
        now=at,
        shown_to=children,
    )
    submitted.applications = applications
    return submitted


def _submit(programme_id: int, *, applying: bool):
    """Books or applies, and answers where the parent is looking (`booking_zone`):
    the results for every child and day, or what turned the form down, in place of
    the form (htmx) or at the top of a page (without JavaScript)."""
    programme = programme_or_404(programme_id, with_slots=True)
    form = BookDaysForm()
    if not form.validate():
        message = " ".join(map(str, form.pick.errors)) or _(
            "Something in the form was not right. Please check and try again."
        )
        return booking_zone(programme, message=message, form=form, status=422)
    members = household_members(current_user)
    pairs = _pairs(programme, form, members)
    moment = now()
    # The children the answer's calendar shows, as `detail_context` finds them.
    children = eligible_children(members, programme, local_date(moment))
    outcome = attempt(
        lambda: _book_or_apply(
            programme,
            pairs,
            together=form.together.data,
            applying=applying,
            at=moment,
            children=children,
        )
    )

    def turned_down(o) -> str:
        # Read again: a refusal rolled back, and a rollback expires what was read.
        return booking_zone(programme, message=o.message, applying=applying, status=o.status)[0]

    return answer(
        outcome,
        fragment=turned_down,
        page=turned_down,
        in_place=True,
        shown=lambda o: booking_zone(
            programme,
            outcomes=o.result.outcomes,
            seen=o.result.seen,
            applications=o.result.applications,
            applying=applying,
            members=members,
        ),
    )


@bp.post("/<int:programme_id>/book")
@login_required
def book_days(programme_id: int):
    return _submit(programme_id, applying=False)


@bp.post("/<int:programme_id>/apply")
@login_required
def apply_days(programme_id: int):
    return _submit(programme_id, applying=True)


@bp.post("/applications/<int:application_id>/withdraw")
@login_required
def withdraw_application(application_id: int):
    application = application_for(current_user, application_id)
    if not EmptyForm().validate():
        abort(400)
    outcome = attempt(
        lambda: childcare_applications.withdraw_application(
            application, by=current_user, now=now()
        ),
        _("The application is withdrawn."),
    )
    return answer(
        outcome,
        page=lambda o: detail_page(programme_or_404(application.programme_id)),
        then=url_for("programmes.show_programme", programme_id=application.programme_id),
    )
