"""Staff watch over residents: the welfare call list, booking pauses after
no-shows, and everyone's volunteer hours (with a CSV download)."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from app.auth import role_required
from app.blueprints.welfare import bp
from app.blueprints.welfare.forms import CallDoneForm, DayForm, LiftForm
from app.csv_export import csv_response
from app.extensions import db, htmx
from app.models import Suspension, WelfareCall
from app.services.refusals import Refusal
from app.services.volunteering import hours as volunteering_hours
from app.services.welfare import calls as welfare_calls
from app.services.welfare import no_shows
from app.timeutil import local_date, now


def _chosen_day():
    form = DayForm(request.args)
    if form.day.data and form.validate():
        return form, form.day.data
    return DayForm(formdata=None), local_date(now())


@bp.get("/")
@role_required("staff")
def call_list():
    form, day = _chosen_day()
    return render_template(
        "welfare/calls.html",
        form=form,
        day=day,
        entries=welfare_calls.welfare_call_list(day),
        done_form=CallDoneForm(formdata=None),
    )


@bp.post("/calls/<int:call_id>/done")
@role_required("staff")
def complete_call(call_id: int):
    call = db.get_or_404(WelfareCall, call_id)
    form = CallDoneForm()
    if not form.validate():
        abort(422)
    try:
        welfare_calls.complete_call(call, by=current_user, now=now(), note=form.note.data)
        db.session.commit()
    except Refusal as refusal:
        db.session.rollback()
        abort(refusal.http_status)
    if htmx:
        entry = next(
            e for e in welfare_calls.welfare_call_list(call.call_date) if e.call.id == call.id
        )
        return render_template(
            "welfare/_call.html", entry=entry, done_form=CallDoneForm(formdata=None)
        )
    flash(_("Call to %(name)s marked done.", name=call.person.name), "success")
    return redirect(url_for("welfare.call_list", day=call.call_date.isoformat()), 303)


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
    suspension = db.get_or_404(Suspension, suspension_id)
    form = LiftForm()
    if not form.validate():
        abort(422)
    no_shows.lift_suspension(suspension, by=current_user, now=now(), reason=form.reason.data)
    db.session.commit()
    flash(_("Online booking is open again for %(name)s.", name=suspension.person.name), "success")
    return redirect(url_for("welfare.list_suspensions"), 303)


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
