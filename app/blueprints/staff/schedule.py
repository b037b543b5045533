"""A class's schedule: sessions generated from a weekly pattern, with the
statutory holidays to skip and the weekend working days (调休) to add proposed from
the `holidays` library for staff to confirm; and the year's holiday calendar."""

from __future__ import annotations

from flask import render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user

from app.actions import answer, attempt, refused
from app.blueprints.staff import bp
from app.blueprints.staff.forms import ScheduleForm
from app.blueprints.staff.pages import invalid, on_page
from app.extensions import db
from app.forms import FIRST_YEAR, LAST_YEAR
from app.inputs import ascii_digits
from app.models import Activity
from app.services.schedule import holidays
from app.services.schedule import sessions as schedule_sessions
from app.services.schedule.sessions import MAX_SPAN_DAYS
from app.timeutil import local_date, now

# Staff only (routes.py: every desk page).


def _proposals(form: ScheduleForm) -> holidays.Proposals | None:
    """The days proposed for the form's range and weekdays (None before both are
    given), in the reader's language."""
    if not (form.first_day.data and form.last_day.data and form.weekdays.data):
        return None
    if not 0 <= (form.last_day.data - form.first_day.data).days <= MAX_SPAN_DAYS:
        return None
    weekdays = [int(d) for d in form.weekdays.data if d in ("1", "2", "3", "4", "5", "6", "7")]
    return holidays.propose(form.first_day.data, form.last_day.data, weekdays, _lang())


def _lang() -> str:
    return str(get_locale() or "zh")


def _ticked(form: ScheduleForm, proposals, fresh: bool) -> set[str]:
    """The proposed days whose box is ticked: as proposed when they are new, else as
    sent."""
    if proposals is None:
        return set()
    if fresh:
        return {p.day.day.isoformat() for p in proposals.skip + proposals.extra if p.ticked}
    return set(form.skip_proposed.data or []) | set(form.extra_proposed.data or [])


def _pattern(form: ScheduleForm) -> dict:
    """The weekly pattern the form gives, with the days to skip and to add."""
    return {
        "first_day": form.first_day.data,
        "last_day": form.last_day.data,
        "weekdays": [int(d) for d in form.weekdays.data],
        "start": form.start.data,
        "end": form.end.data,
        "skip": form.skip_days,
        "extra": form.extra_days,
        "capacity": form.capacity.data,
    }


@bp.route("/activities/<int:activity_id>/schedule", methods=["GET", "POST"])
def generate_schedule(activity_id: int):
    activity = db.get_or_404(Activity, activity_id)
    form = ScheduleForm()
    valid = request.method == "POST" and form.validate()
    proposals = _proposals(form) if request.method == "POST" else None
    # New proposals (first shown, or for another range) are shown before anything is made.
    fresh = proposals is not None and form.proposed.data != form.pattern_key()

    def page(_outcome=None):
        form.proposed.data = form.pattern_key() if proposals is not None else ""
        return render_template(
            "staff/schedule.html",
            form=form,
            activity=activity,
            proposals=proposals,
            ticked=_ticked(form, proposals, fresh),
        )

    if request.method == "GET":
        return page()
    if not valid:
        return invalid(page)
    if fresh and (proposals.skip or proposals.extra):
        check = refused(_("Please check the holidays below, then add the sessions."), 200)
        return answer(check.told_as("info"), page=page)
    outcome = attempt(
        lambda: schedule_sessions.generate_by(
            activity, by=current_user, now=now(), **_pattern(form)
        ),
        lambda sessions: _("%(num)d sessions were added.", num=len(sessions)),
    )
    return answer(outcome, **on_page(page, url_for("staff.show_activity", activity_id=activity.id)))


@bp.get("/holidays")
def holiday_calendar():
    """The year's statutory holidays and weekend working days (?year=2027)."""
    digits = ascii_digits(request.args.get("year"))
    year = int(digits) if digits and len(digits) == 4 else local_date(now()).year
    year = min(max(year, FIRST_YEAR), LAST_YEAR)
    return render_template(
        "staff/holidays.html", calendar=holidays.year_calendar(year, _lang()), year=year
    )
