"""The catalogue: anyone may look; booking needs a login."""

from __future__ import annotations

from flask import current_app, redirect, render_template, request, url_for
from flask_login import current_user

from app.blueprints.public import bp, language
from app.blueprints.public.forms import CatalogueFilterForm
from app.extensions import htmx
from app.inputs import week_number
from app.loaders import published_activity
from app.models import Activity, Session
from app.services.booking import catalogue, eligibility, horizon
from app.services.booking.targets import Target
from app.timeutil import now

__all__ = ["bp", "language"]  # language: the switch's view, registered on import


@bp.get("/")
def index():
    return redirect(url_for("public.list_activities"))


@bp.get("/classes")
def list_activities():
    form = CatalogueFilterForm(request.args)
    # The week links keep the filters chosen, and nothing else the query carried.
    args = {k: v for k, v in request.args.items() if k in form.data and v}
    if not form.validate():
        # Unknown filter values are ignored rather than refused: links get old.
        form, args = CatalogueFilterForm(formdata=None), {}
    filters = catalogue.Filters(
        category=form.category.data or None,
        audience=form.audience.data or None,
        weekday=form.weekday.data,
        free_only=bool(form.free.data),
    )
    page = horizon.week_page(now(), week_number(request.args.get("week"), horizon.horizon_weeks()))
    entries = catalogue.week_entries(now(), filters, week=page.week)
    template = "public/_entries.html" if htmx and htmx.target == "entries" else "public/list.html"
    return render_template(template, form=form, entries=entries, page=page, args=args)


@bp.get("/events")
def coming_events():
    """Every event from today to the booking horizon, on one page."""
    return render_template(
        "public/events.html",
        entries=catalogue.coming_events(now()),
        days=horizon.horizon_days(),
    )


def cards_for(activity: Activity, sessions: list[Session]) -> list[catalogue.Card]:
    """The booking cards of a class page: the term and its dates, or each of its
    coming `sessions`, read together however many (a busy class has a dozen)."""
    viewer = current_user if current_user.is_authenticated else None
    if activity.is_series:
        term = catalogue.card_for(Target(activity, None), viewer)
        return [term, *catalogue.date_cards(term, viewer, now(), sessions)]
    return catalogue.cards_of_dates(activity, sessions, viewer)


def _dates_with_seats(sessions: list[Session]) -> list[tuple[Session, int]]:
    seats = catalogue.seats_left_of(sessions)
    return [(s, seats[s.id]) for s in sessions]


def class_page(activity: Activity) -> str:
    """A class's page: its upcoming sessions and a card for each (or for the term)."""
    sessions = catalogue.upcoming_sessions(activity, now())
    return render_template(
        "public/detail.html",
        activity=activity,
        dates=_dates_with_seats(sessions),
        cards=cards_for(activity, sessions),
        window=eligibility.window_state(activity, now()),
        ages=eligibility.age_range(activity),
    )


@bp.get("/classes/<int:activity_id>")
def show_activity(activity_id: int):
    return class_page(published_activity(activity_id))


@bp.get("/privacy")
def privacy_notice():
    """The privacy notice: what is kept, why, who sees it, for how long (the
    retention settings), and how to get a copy or ask for deletion."""
    keys = (
        "RETENTION_CARE_NOTES_DAYS",
        "RETENTION_INACTIVE_MONTHS",
        "RETENTION_OUTBOX_DAYS",
        "RETENTION_LOGIN_ATTEMPTS_DAYS",
        "RETENTION_ACCESS_RECORDS_YEARS",
        "RETENTION_AUDIT_YEARS",
        "PRIVACY_NOTICE_VERSION",
    )
    settings = {key.lower(): current_app.config[key] for key in keys}
    return render_template("public/privacy.html", **settings)
