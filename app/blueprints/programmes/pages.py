"""What the programme pages share: template helpers, what a page says about the
registration window, and the programme page itself."""

from __future__ import annotations

from datetime import date, datetime

from flask import render_template
from flask_babel import format_date
from flask_login import current_user

from app import formatting
from app.blueprints.programmes import bp
from app.blueprints.programmes.forms import BookDaysForm
from app.forms import EmptyForm
from app.models import Allocation, Programme
from app.services.childcare import applications as childcare_applications
from app.services.childcare import calendar as childcare_calendar
from app.services.childcare import draw as childcare_draw
from app.services.childcare import grades as childcare_grades
from app.services.childcare import pickup
from app.services.people.login import household_members
from app.timeutil import local_date, now

# --- template helpers ------------------------------------------------------------


@bp.app_template_global("when_day")
def when_day(day: date) -> str:
    """A calendar date (already local) in the reader's language."""
    return format_date(day, formatting.pattern_for("date"))


@bp.app_template_filter("parse_iso")
def parse_iso(value: str) -> datetime:
    return datetime.fromisoformat(value)


@bp.app_template_global("refusal_text")
def refusal_text(attempt) -> str:
    return pickup.refusal_message(attempt)


# --- the programme page ----------------------------------------------------------


def opening(programme: Programme, moment) -> dict:
    """What the page says about the registration window right now."""
    activity = programme.activity
    before = activity.opens_at is not None and moment < activity.opens_at
    closed = childcare_applications.applications_closed(programme, moment)
    seconds = int((activity.opens_at - moment).total_seconds()) if before else 0
    return {
        "before": before,
        "closed": closed,
        "opens_at": activity.opens_at,
        "closes_at": activity.closes_at,
        "seconds": seconds,
        "lottery": activity.allocation == Allocation.LOTTERY,
    }


def detail_context(programme: Programme, form: BookDaysForm | None = None) -> dict:
    moment = now()
    members = household_members(current_user) if current_user.is_authenticated else []
    children = childcare_calendar.eligible_children(members, programme, local_date(moment))
    applications = (
        childcare_applications.household_applications(programme, current_user.household_id)
        if current_user.is_authenticated
        else []
    )
    return {
        "programme": programme,
        "activity": programme.activity,
        "days": childcare_calendar.calendar(programme, children, moment),
        "children": children,
        "form": form or BookDaysForm(),
        "opening": opening(programme, moment),
        "grades": childcare_grades.grade_label(programme),
        "applications": applications,
        "slot_labels": childcare_grades.SLOT_LABELS,
        "empty_form": EmptyForm(),
        "commitment": childcare_draw.commitment(programme),
    }


def detail_page(programme: Programme, form: BookDaysForm | None = None) -> str:
    """The programme page: the calendar, the family's applications, the seed's
    commitment once it is fixed (by the job when applications close, or the draw)."""
    return render_template("programmes/detail.html", **detail_context(programme, form))
