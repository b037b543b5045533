"""Error pages: translated, never a stack trace; htmx requests get a fragment."""

from __future__ import annotations

from flask import render_template
from flask_babel import lazy_gettext as _l
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from app.extensions import db, htmx
from app.observability import request_id

MESSAGES = {
    400: _l("Something in the request was not right. Please go back and try again."),
    401: _l("Please log in first."),
    403: _l("Sorry, you cannot open this page."),
    404: _l("Sorry, this page does not exist."),
    405: _l("Sorry, this action is not possible here."),
    413: _l("What you sent is too large."),
    422: _l("Something in the form was not right. Please check and try again."),
    429: _l("Too many tries in a short time. Please wait a minute and try again."),
    500: _l("Sorry, something went wrong on our side. Please try again or ask at the front desk."),
    503: _l("Sorry, this is not available just now. Please try again in a few minutes."),
}


def render_error(status: int, message=None):
    from app import sessions
    from app.services.people.kiosk_visitor import idle_settings

    # The request id on the page: what staff quote to find the request in the logs.
    context = {
        "status": status,
        "message": message or MESSAGES.get(status, MESSAGES[500]),
        "request_id": request_id(),
    }
    if htmx:
        return render_template("errors/_message.html", **context), status
    if sessions.at_kiosk():
        # A shared screen: the kiosk's layout, leading back to its start and nowhere
        # else, and still ending an idle login.
        page = render_template("errors/kiosk.html", idle=idle_settings(), **context)
        return page, status
    return render_template("errors/page.html", **context), status


def register(app) -> None:
    @app.errorhandler(CSRFError)
    def _csrf(_error):
        return render_error(
            400, _l("This page had expired. Please go back, reload the page and try again.")
        )

    @app.errorhandler(HTTPException)
    def _http(error: HTTPException):
        return render_error(error.code or 500)

    @app.errorhandler(Exception)
    def _unexpected(error: Exception):
        db.session.rollback()
        app.logger.exception("unhandled error", exc_info=error, extra={"request_id": request_id()})
        return render_error(500)
