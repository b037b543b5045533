"""How long a login lasts, and the kiosk's shared screen.

Every request of a logged-in user passes `enforce()` (an app-level before_request):
- a session begun at the kiosk reaches only kiosk pages and static files; any other
  page ends it and returns to the kiosk start, and so does an idle limit checked on
  the server (services/people/kiosk_visitor.IDLE_LIMIT);
- teachers' and staff sessions end STAFF_SESSION_HOURS after login and after
  STAFF_IDLE_MINUTES without a request;
- residents stay logged in for the browser session, or REMEMBER_COOKIE_DURATION on
  their own device when they ticked "stay logged in" (never at the kiosk).
The times live in the signed session cookie, so a saved copy of an expired cookie
is expired too. Logging out ends every session of the user on the server
(services/people/sessions.end_all_sessions).
"""

from __future__ import annotations

from datetime import datetime, timedelta

from flask import current_app, flash, g, redirect, request, session, url_for
from flask_babel import force_locale, refresh
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_user, logout_user

from app.extensions import db, htmx
from app.i18n import LANG_COOKIE, new_visitor_locale
from app.models import Role, User
from app.services.people import kiosk_visitor
from app.services.people.sessions import end_all_sessions
from app.timeutil import now

KIOSK = "kiosk"
LOGIN_AT = "login_at"
SEEN_AT = "seen_at"
LOGIN_ENDPOINTS = frozenset({"auth.login", "kiosk.login"})
# Endpoints of the kiosk blueprint that are the front desk's, not the kiosk's.
KIOSK_STAFF_ENDPOINTS = frozenset({"kiosk.list_help_requests", "kiosk.resolve_help_request"})
IDLE_MESSAGE = _l("You were logged out because nobody touched the screen for a while.")
# Last-seen is written back at most this often outside the kiosk, so the cookie is
# not rewritten on every request.
SEEN_GRANULARITY = timedelta(minutes=1)


def start(user: User, *, kiosk: bool = False, remember: bool = False) -> None:
    """A fresh session for `user`: nothing of a previous visitor carries over.
    Only residents may stay logged in, and never at the kiosk."""
    session.clear()
    login_user(user, remember=remember and not kiosk and user.role == Role.RESIDENT)
    moment = now().isoformat()
    session[LOGIN_AT] = moment
    session[SEEN_AT] = moment
    if kiosk:
        session[KIOSK] = True
    refresh()


def log_out() -> None:
    """Logs out here and ends every other session of the user (a saved cookie
    included). Commits."""
    if current_user.is_authenticated:
        end_all_sessions(current_user._get_current_object())
        db.session.commit()
    forget()


def end_kiosk_visit(message, kind: str = "info", *, everywhere: bool = False) -> None:
    """Ends a kiosk login (`everywhere`: on every device too, as 完成 does) and
    leaves `message` (a lazy string) for the screen in the language the next
    visitor starts in (the kiosk browser's, else Chinese), not the last one's."""
    if everywhere:
        log_out()
    else:
        forget()
    with force_locale(new_visitor_locale()):
        flash(str(message), kind)


def at_kiosk() -> bool:
    """The request belongs to the kiosk: a kiosk session, or a kiosk URL."""
    return (
        bool(session.get(KIOSK)) or request.path == "/kiosk" or request.path.startswith("/kiosk/")
    )


def enforce():
    """The app-level before_request for sessions (see the module's docstring)."""
    if request.endpoint == "static":
        return None
    moment = now()
    if not current_user.is_authenticated:
        if at_kiosk():
            _language_of_idle_kiosk(moment)
        return None
    if session.get(KIOSK):
        return _confine_kiosk(moment)
    if current_user.role != Role.RESIDENT:
        _limit_staff_session(moment)
    return None


def _confine_kiosk(moment: datetime):
    seen = _moment(session.get(SEEN_AT))
    if seen is None or kiosk_visitor.is_idle_too_long(seen, moment):
        end_kiosk_visit(IDLE_MESSAGE)
        return _to_kiosk_start()
    if not _is_kiosk_page():
        end_kiosk_visit(_l("For your safety you were logged out. Please log in again."))
        return _to_kiosk_start()
    session[SEEN_AT] = moment.isoformat()
    return None


def _language_of_idle_kiosk(moment: datetime) -> None:
    """Before login at the kiosk: a language chosen there lasts while the screen is
    touched. Idle longer than the kiosk's limit, or from an earlier browser session
    (no time on record), the next visitor starts in the default language."""
    seen = _moment(session.get(SEEN_AT))
    if request.cookies.get(LANG_COOKIE) and (
        seen is None or kiosk_visitor.is_idle_too_long(seen, moment)
    ):
        forget_language()
    session[SEEN_AT] = moment.isoformat()


def forget_language() -> None:
    """The language chosen at the kiosk is forgotten: not used for this answer, and
    its cookie deleted (app/i18n.py `remember_locale`)."""
    g.forget_locale = True


def _is_kiosk_page() -> bool:
    endpoint = request.endpoint
    if endpoint is None:
        # No page here (404, or 405 for the method): answered by an error page in
        # the kiosk layout, which leads nowhere else. A browser asks for
        # /favicon.ico by itself, which must not log anyone out.
        return True
    return endpoint.startswith("kiosk.") and endpoint not in KIOSK_STAFF_ENDPOINTS


def _limit_staff_session(moment: datetime) -> None:
    """Ends a teacher's or staff session that is too old or idle; the request goes on
    as anonymous (a protected page then asks to log in)."""
    config = current_app.config
    login_at = _moment(session.get(LOGIN_AT))
    seen = _moment(session.get(SEEN_AT))
    if (
        login_at is None
        or seen is None
        or moment - login_at > timedelta(hours=config["STAFF_SESSION_HOURS"])
        or moment - seen > timedelta(minutes=config["STAFF_IDLE_MINUTES"])
    ):
        forget()
        flash(_("For safety you were logged out after a while. Please log in again."), "info")
        return
    if moment - seen >= SEEN_GRANULARITY:
        session[SEEN_AT] = moment.isoformat()


def forget() -> None:
    """Ends the session in this browser, and the kiosk's language choice with it."""
    if session.get(KIOSK):
        forget_language()
    logout_user()
    session.clear()
    # Flask-Login deletes a remember cookie when this is set (logout_user set it,
    # the clear above removed it).
    session["_remember"] = "clear"


def _to_kiosk_start():
    target = url_for("kiosk.start")
    if htmx:
        # A whole page, not the start screen swapped into a part of one.
        return "", 204, {"HX-Redirect": target}
    return redirect(target, 303)


def _moment(value) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        return datetime.fromisoformat(value)
    except ValueError:
        return None
