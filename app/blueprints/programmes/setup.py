"""The staff's pages: creating a programme, closing a day, running the lottery draw."""

from __future__ import annotations

from flask import render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user
from wtforms.fields.choices import SelectChoice

from app.actions import Done, answer, attempt
from app.auth import role_required
from app.blueprints.programmes import bp
from app.blueprints.programmes.forms import CloseDayForm, DrawForm, ProgrammeForm
from app.blueprints.programmes.pages import opening
from app.loaders import programme_or_404
from app.models import Programme
from app.services.childcare import calendar as childcare_calendar
from app.services.childcare import draw as childcare_draw
from app.services.childcare import grades as childcare_grades
from app.services.childcare import programmes
from app.services.people.residents import active_teachers
from app.services.refusals import SeedJustPublished
from app.timeutil import now


def _new_page(form: ProgrammeForm) -> str:
    return render_template("programmes/staff_new.html", form=form)


@bp.route("/staff/new", methods=["GET", "POST"])
@role_required("staff")
def new_programme():
    form = ProgrammeForm()
    form.teacher_id.choices = [SelectChoice("", "—")] + [
        SelectChoice(str(t.id), t.person.name) for t in active_teachers()
    ]
    if not form.is_submitted():
        return _new_page(form)
    if not form.validate():
        return _new_page(form), 422
    outcome = attempt(
        lambda: programmes.create_programme(by=current_user, now=now(), **form.programme_fields()),
        lambda programme: _(
            "The programme is created with %(num)s slots.", num=len(programme.slots)
        ),
    )
    return answer(
        outcome,
        page=lambda o: _new_page(form),
        then=lambda o: url_for("programmes.manage_programme", programme_id=o.result.id),
    )


def _manage_page(programme: Programme, **forms) -> str:
    """The programme's staff page: its calendar, closing a day, the draw and its
    report; the seed's state as it is (the job fixes it when applications close)."""
    moment = now()
    return render_template(
        "programmes/staff_manage.html",
        programme=programme,
        activity=programme.activity,
        days=childcare_calendar.calendar(programme, [], moment),
        opening=opening(programme, moment),
        close_form=forms.get("close_form") or CloseDayForm(),
        draw_form=forms.get("draw_form") or DrawForm(),
        report=programme.draw_report,
        replay_ok=childcare_draw.replay_draw(programme) if programme.draw_report else None,
        commitment=childcare_draw.commitment(programme),
        grades=childcare_grades.grade_label(programme),
        slot_labels=childcare_grades.SLOT_LABELS,
    )


@bp.get("/staff/<int:programme_id>")
@role_required("staff")
def manage_programme(programme_id: int):
    return _manage_page(programme_or_404(programme_id, published=False))


def _answer_on_manage(programme: Programme, outcome):
    """The staff page again after a refusal; otherwise back to it."""
    return answer(
        outcome,
        page=lambda o: _manage_page(programme),
        then=url_for("programmes.manage_programme", programme_id=programme.id),
    )


def _closed_message(closed: int) -> Done:
    if closed:
        return Done(_("That day is closed; families with bookings have been told."))
    return Done(_("There were no open slots on that day."), "info")


@bp.post("/staff/<int:programme_id>/close-day")
@role_required("staff")
def close_day(programme_id: int):
    programme = programme_or_404(programme_id, published=False)
    form = CloseDayForm()
    if not form.validate():
        return _manage_page(programme, close_form=form), 422
    outcome = attempt(
        lambda: programmes.close_day(programme, form.day.data, by=current_user, now=now()),
        _closed_message,
    )
    return _answer_on_manage(programme, outcome)


@bp.post("/staff/<int:programme_id>/draw")
@role_required("staff")
def run_draw(programme_id: int):
    programme = programme_or_404(programme_id, published=False)
    form = DrawForm()
    if not form.validate():
        return _manage_page(programme, draw_form=form), 422
    outcome = attempt(
        lambda: childcare_draw.run_draw(programme, by=current_user, now=now()),
        _("The draw is done. Every family has been told the result."),
        # No commitment was public yet: the draw fixed and published it instead,
        # and that stands; the draw itself is the next press.
        keep=(SeedJustPublished,),
    )
    if isinstance(outcome.refusal, SeedJustPublished):
        outcome = outcome.told_as("info")
    return _answer_on_manage(programme, outcome)
