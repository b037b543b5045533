"""Calendars on phones: the household's bookings as a feed a phone's calendar
subscribes to (/me/calendar.ics?key=…, a private address that can be renewed or
turned off), and one booking as a file to add to a calendar."""

from __future__ import annotations

from flask import Response, abort, current_app, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user, login_required

from app.actions import answer, attempt
from app.blueprints.account import bp
from app.forms import EmptyForm
from app.loaders import booking_for
from app.services.calendar import feeds, ics
from app.timeutil import now


def _calendar_name() -> str:
    centre = current_app.config.get("CENTRE_NAME") or _("Zhaoxi community centre")
    return _("%(centre)s: our bookings", centre=centre)


def _ics_response(body: bytes, filename: str | None = None) -> Response:
    response = Response(body, mimetype="text/calendar")
    response.charset = "utf-8"
    if filename:
        response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    response.headers["X-Robots-Tag"] = "noindex"
    response.headers["Referrer-Policy"] = "no-referrer"
    return response


@bp.get("/calendar.ics")
def calendar_feed():
    """The feed, for whoever holds the address (a phone's calendar has no login):
    404 alike for a wrong, renewed or turned-off address. Revalidated on each fetch
    (ETag), never kept by a shared cache."""
    feed = feeds.feed_for_token(request.args.get("key"))
    if feed is None:
        abort(404)
    user, moment = feed.user, now()
    locale = user.locale or current_app.config["BABEL_DEFAULT_LOCALE"]
    events = feeds.household_events(user.household_id, moment)
    body = ics.calendar_bytes(events, now=moment, locale=locale, name=_calendar_name())
    response = _ics_response(body)
    response.headers["Cache-Control"] = "private, no-cache"
    # The events' stamps change every fetch: the ETag is of what they say.
    response.set_etag(feeds.events_etag(events, locale))
    return response.make_conditional(request)


@bp.get("/bookings/<int:booking_id>/calendar.ics")
@login_required
def booking_calendar(booking_id: int):
    """One booking (a term: its dates) as a file to add to a calendar; the
    household's own bookings only."""
    booking = booking_for(current_user, booking_id, household_only=True)
    body = ics.calendar_bytes(
        feeds.booking_events(booking),
        now=now(),
        locale=str(get_locale() or "zh"),
        name=_calendar_name(),
        names=True,
    )
    return _ics_response(body, f"booking-{booking.id}.ics")


def _feed_url() -> str | None:
    feed = feeds.feed_of(current_user)
    if feed is None:
        return None
    return url_for("account.calendar_feed", key=feeds.token_for(feed), _external=True)


@bp.get("/calendar")
@login_required
def calendar_page():
    return render_template("account/calendar.html", feed_url=_feed_url(), form=EmptyForm())


@bp.post("/calendar")
@login_required
def renew_calendar():
    if not EmptyForm().validate():
        abort(400)
    outcome = attempt(
        lambda: feeds.renew_feed(current_user, now=now()),
        _("Your calendar address is ready. Any older address no longer works."),
    )
    return answer(outcome, then=url_for("account.calendar_page"))


@bp.post("/calendar/off")
@login_required
def stop_calendar():
    if not EmptyForm().validate():
        abort(400)
    outcome = attempt(
        lambda: feeds.stop_feed(current_user),
        _("The calendar address is turned off. Calendars using it get nothing more."),
    )
    return answer(outcome, then=url_for("account.calendar_page"))
