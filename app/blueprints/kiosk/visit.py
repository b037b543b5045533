"""A kiosk visit's start and end: the login on the big keypad (a refused one answers
with a redirect too), the language switch, calling staff, 完成 and the idle limit.
An untouched screen before login starts again, forgetting a language chosen there
(app/sessions.py keeps the rest of the visit's rules)."""

from __future__ import annotations

from functools import wraps

from flask import abort, current_app, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from app import sessions
from app.actions import answer, attempt
from app.blueprints.auth.limits import login_limits, refused_login
from app.blueprints.kiosk import bp
from app.blueprints.kiosk.forms import KioskLoginForm
from app.blueprints.public.language import switch_language
from app.extensions import limiter
from app.forms import EmptyForm
from app.i18n import LANG_COOKIE
from app.redirects import safe_next
from app.services.attendance import kiosk as attendance_kiosk
from app.services.messaging import help_requests as messaging_help_requests
from app.services.people import kiosk_visitor
from app.services.people.login import log_in
from app.services.refusals import LoginRefused
from app.timeutil import now

# A refused login's errors and typed number, for the login page the redirect shows.
LOGIN_TRIED = "kiosk_login_tried"


# An untouched screen before login starts again (kiosk.timeout) after this long, for
# fresh seat counts; sooner once a visitor chose a language, which is not left for
# the next one.
START_AGAIN_AFTER = 300


@bp.context_processor
def _start_again():
    chosen = request.cookies.get(LANG_COOKIE) is not None
    idle = kiosk_visitor.idle_settings()["limit"]
    return {"start_again_after": idle if chosen else START_AGAIN_AFTER}


def kiosk_login_required(view):
    @wraps(view)
    def wrapped(*args, **kwargs):
        if not current_user.is_authenticated:
            return redirect(url_for("kiosk.login"))
        return view(*args, **kwargs)

    return wrapped


@bp.route("/login", methods=["GET", "POST"])
@login_limits
def login():
    form = KioskLoginForm()
    if not form.is_submitted():
        return _login_page(form)
    if not form.validate():
        return _try_again(form, 422)
    outcome = attempt(
        lambda: log_in(
            attendance_kiosk.kiosk_login_phone(form.who.data),
            form.pin.data,
            now=now(),
            settings=current_app.config,
            address=request.remote_addr,
        ),
        keep=(LoginRefused,),  # a wrong PIN counts toward the lock
    )
    if not outcome.ok:
        form.pin.errors.append(outcome.message)
        return _try_again(form, outcome.status)
    # Confined to the kiosk and ended when idle, on the server (app/sessions.py).
    sessions.start(outcome.result, kiosk=True)
    return redirect(url_for("kiosk.today"), 303)


def _try_again(form: KioskLoginForm, status: int):
    """A refused login goes back to the login page by a redirect, so Back never
    meets a resubmission prompt: the errors and the number typed (never the PIN)
    wait in the session for that one page."""
    refused_login()  # still counted by the login limits
    session[LOGIN_TRIED] = {
        "who": (form.who.data or "")[:20],
        "who_errors": [str(e) for e in form.who.errors],
        "pin_errors": [str(e) for e in form.pin.errors],
        "status": status,
    }
    return redirect(url_for("kiosk.login"), 303)


def _login_page(form: KioskLoginForm):
    tried = session.pop(LOGIN_TRIED, None)
    if not isinstance(tried, dict):
        return render_template("kiosk/login.html", form=form)
    form.who.data = tried.get("who", "")
    form.who.errors = list(tried.get("who_errors", []))
    form.pin.errors = list(tried.get("pin_errors", []))
    return render_template("kiosk/login.html", form=form), tried.get("status", 422)


@bp.post("/language")
def choose_language():
    """The language switch on a kiosk page: stays on the kiosk (a page elsewhere
    would end a kiosk login)."""
    return switch_language(under="/kiosk", fallback=url_for("kiosk.start"), for_visit=True)


@bp.post("/done")
@kiosk_login_required
def finish():
    if not EmptyForm().validate():
        abort(400)
    sessions.end_kiosk_visit(_l("Thank you. See you next time!"), "success", everywhere=True)
    return redirect(url_for("kiosk.start"), 303)


@bp.get("/timeout")
def timeout():
    """Where the idle prompt (or, without JavaScript, a timed refresh) sends an
    unanswered kiosk, and where an untouched start screen refreshes to: logs out,
    forgets the language chosen, and returns to the start screen."""
    if current_user.is_authenticated and session.get(sessions.KIOSK):
        sessions.end_kiosk_visit(sessions.IDLE_MESSAGE)
    else:
        # An idle start or login screen: a language chosen there, and anything half
        # typed, are not left for the next visitor.
        sessions.forget_language()
    return redirect(url_for("kiosk.start"), 303)


@bp.get("/keep-alive")
@kiosk_login_required
def keep_alive():
    """Touches on the page count as activity for the server's idle check too."""
    return "", 204


@bp.post("/help")
@limiter.limit("6 per minute")
def call_staff():
    if not EmptyForm().validate():
        abort(400)
    user = current_user if current_user.is_authenticated else None
    outcome = attempt(
        lambda: messaging_help_requests.request_help(user, now()),
        _("Staff have been called and will come to you shortly."),
    )
    back = safe_next(request.referrer, under="/kiosk")
    return answer(
        outcome,
        fragment=lambda o: render_template("kiosk/_help_called.html", message=o.message),
        then=back or url_for("kiosk.start"),
    )
