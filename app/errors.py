"""Error pages: translated, never a stack trace; htmx requests get a fragment.

When the database goes away (a PostgreSQL restart, a dropped connection) a request
is answered 503 with Retry-After and a page asking to try again in a moment, never
a 500. A GET or HEAD, which writes nothing (app/database.py, rule 4), is first run
once more on a fresh connection (`RetryReadsOnce`): after a dropped connection
SQLAlchemy has already discarded the pool's old connections, so the second try
usually succeeds and the visitor sees nothing. A POST is never run again: its write
may have been committed (pressing "book" again is then "already booked").
"""

from __future__ import annotations

import sqlite3

from flask import g, make_response, render_template, request
from flask_babel import lazy_gettext as _l
from flask_wtf.csrf import CSRFError
from sqlalchemy import inspect
from sqlalchemy.exc import DBAPIError, DisconnectionError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from werkzeug.exceptions import HTTPException

from app.database import is_unavailable, worth_retrying
from app.extensions import db, htmx, login_manager
from app.observability import RETRYING, request_id

# In the WSGI environ of a request's second try.
RETRIED = "zhaoxi.retried"
RETRY_AFTER_SECONDS = 5
DATABASE_AWAY = _l("Sorry, the system is busy for a moment. Please try again in a few seconds.")

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

    def _database(error: Exception):
        if not is_unavailable(error):
            return _unexpected(error)
        return _database_away(app, error)

    for kind in _database_errors():
        app.register_error_handler(kind, _database)
    app.wsgi_app = RetryReadsOnce(app.wsgi_app)


def _database_errors() -> tuple[type[Exception], ...]:
    kinds: tuple[type[Exception], ...] = (DBAPIError, DisconnectionError, PoolTimeout)
    try:  # a driver's own error, when it escapes SQLAlchemy's wrapping
        import psycopg

        kinds += (psycopg.OperationalError,)
    except ImportError:  # pragma: no cover - psycopg is a pinned requirement
        pass
    return (*kinds, sqlite3.OperationalError)


def _database_away(app, error: Exception):
    # Let the connection go without expiring what the request loaded: the page below
    # may still read the logged-in user's loaded attributes, never the database.
    db.session.close()
    reason = f"{type(error).__name__}: {str(error).splitlines()[0] if str(error) else ''}"
    if (
        request.method in ("GET", "HEAD")
        and not request.environ.get(RETRIED)
        and worth_retrying(error)
    ):
        request.environ[RETRYING] = True
        note = {"request_id": request_id()}
        app.logger.warning("database away, running the read again (%s)", reason, extra=note)
        return "", 503  # never sent: RetryReadsOnce runs the request again
    note = {"request_id": request_id()}
    app.logger.warning("database away, answered 503 (%s)", reason, extra=note)
    if "_login_user" not in g or _expired(g._login_user):
        # Loading the user, or reloading one that a failed write's rollback expired,
        # would ask the database again: the page is shown as to a visitor.
        g._login_user = login_manager.anonymous_user()
    g.database_away = True  # templates skip what needs a query (app/__init__.py)
    response = make_response(render_error(503, DATABASE_AWAY))
    response.headers["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response


def _expired(user) -> bool:
    state = inspect(user, raiseerr=False)  # None for the anonymous user
    return state is not None and bool(state.expired_attributes)


class RetryReadsOnce:
    """WSGI middleware: runs a GET or HEAD a second time when its first try met a
    database that had gone away (the error handler above marks it); the first try's
    answer is dropped unsent. Each try gets its own copy of the environ."""

    def __init__(self, wsgi_app):
        self.wsgi_app = wsgi_app

    def __call__(self, environ, start_response):
        if environ.get("REQUEST_METHOD") not in ("GET", "HEAD"):
            return self.wsgi_app(environ, start_response)
        first = dict(environ)
        held = []
        body = self.wsgi_app(first, lambda *args: held.append(args) or _no_write)
        if not first.get(RETRYING):
            start_response(*held[0])
            return body
        if hasattr(body, "close"):
            body.close()
        return self.wsgi_app({**environ, RETRIED: True}, start_response)


def _no_write(_data: bytes) -> None:
    raise RuntimeError("Flask never writes through start_response's write()")
