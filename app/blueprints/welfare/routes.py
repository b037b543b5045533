"""Staff watch over residents: the welfare call list, booking pauses after
no-shows, and everyone's volunteer hours (with a CSV download)."""

from __future__ import annotations

from flask import abort, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from app.actions import Outcome, answer, attempt
from app.auth import role_required
from app.blueprints.welfare import bp
from app.blueprints.welfare.forms import CallDoneForm, DayForm, LiftForm
from app.csv_export import csv_response
from app.extensions import db
from app.models import Suspension, WelfareCall
from app.services.volunteering import hours as volunteering_hours
from app.services.welfare import calls as welfare_calls
from app.services.welfare import no_shows
from app.timeutil import local_date, now


def _chosen_day():
    form = DayForm(request.args)
    if form.day.data and form.validate():
        return form, form.day.data
    return DayForm(formdata=None), local_date(now())


def _call_list_page(form: DayForm, day) -> str:
    return render_template(
        "welfare/calls.html",
        form=form,
        day=day,
        entries=welfare_calls.welfare_call_list(day),
        done_form=CallDoneForm(formdata=None),
    )


@bp.get("/")
@role_required("staff")
def call_list():
    return _call_list_page(*_chosen_day())


def _call_line(call: WelfareCall):
    """htmx's answer to a call marked done: the call's line, or why it was refused."""

    def fragment(outcome: Outcome) -> str:
        if not outcome.ok:
            return render_template(
                "errors/_message.html", status=outcome.status, message=outcome.message
            )
        return render_template(
            "welfare/_call.html",
            entry=welfare_calls.call_entry(call),
            done_form=CallDoneForm(formdata=None),
        )

    return fragment


@bp.post("/calls/<int:call_id>/done")
@role_required("staff")
def complete_call(call_id: int):
    call = db.get_or_404(WelfareCall, call_id)  # staff only: the role authorises
    form = CallDoneForm()
    if not form.validate():
        abort(422)
    outcome = attempt(
        lambda: welfare_calls.complete_call(call, by=current_user, now=now(), note=form.note.data),
        _("Call to %(name)s marked done.", name=call.person.name),
    )
    return answer(
        outcome,
        fragment=_call_line(call),
        page=lambda _outcome: _call_list_page(DayForm(formdata=None), call.call_date),
        then=url_for("welfare.call_list", day=call.call_date.isoformat()),
    )


@bp.get("/suspensions")
@role_required("staff")
def list_suspensions():
    return render_template(
        "welfare/suspensions.html",
        suspensions=no_shows.active_suspensions(now()),
        form=LiftForm(formdata=None),
    )


@bp.post("/suspensions/<int:suspension_id>/lift")
@role_required("staff")
def lift_suspension(suspension_id: int):
    suspension = db.get_or_404(Suspension, suspension_id)  # staff only: the role authorises
    form = LiftForm()
    if not form.validate():
        abort(422)
    outcome = attempt(
        lambda: no_shows.lift_suspension(
            suspension, by=current_user, now=now(), reason=form.reason.data
        ),
        _("Online booking is open again for %(name)s.", name=suspension.person.name),
    )
    return answer(outcome, fragment=None, page=None, then=url_for("welfare.list_suspensions"))


@bp.get("/hours")
@role_required("staff")
def volunteer_hours():
    return render_template("welfare/hours.html", rows=volunteering_hours.volunteer_hours(now()))


@bp.get("/hours.csv")
@role_required("staff")
def download_hours():
    return csv_response(
        [_("Name"), _("Phone number"), _("Sessions"), _("Hours this month"), _("Hours in total")],
        (
            [row.user.person.name, row.user.phone, row.sessions, row.month_hours, row.total_hours]
            for row in volunteering_hours.volunteer_hours(now())
        ),
        filename=f"volunteer-hours-{local_date(now()).isoformat()}.csv",
    )
