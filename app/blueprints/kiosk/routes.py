"""The lobby kiosk: a start screen with the week's classes; log in on a big keypad
with phone number (or member card number) and PIN; see today's sessions of your
household, 签到 / 请假, drop in, book a class in two taps, print a slip, call staff;
then 完成 (log out). An idle login is logged out, with or without JavaScript."""

from __future__ import annotations

from functools import wraps

from flask import abort, current_app, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from app import sessions
from app.actions import Outcome, answer, attempt, message_in_place
from app.blueprints.account.forms import RateForm
from app.blueprints.auth.limits import login_limits, refused_login
from app.blueprints.kiosk import (
    bp,
    desk,  # noqa: F401  (registers the desk's views)
)
from app.blueprints.kiosk.forms import KioskBookForm, KioskLoginForm, PersonForm
from app.blueprints.public.language import switch_language
from app.extensions import limiter
from app.formatting import when
from app.forms import EmptyForm
from app.i18n import LANG_COOKIE
from app.loaders import booking_for, class_and_session, person_for, row_or_404
from app.models import Booking, Channel, Person, Session
from app.redirects import safe_next
from app.services.attendance import kiosk as attendance_kiosk
from app.services.attendance import leave as attendance_leave
from app.services.booking import catalogue
from app.services.booking.book import book
from app.services.booking.targets import Target
from app.services.booking.waitlist import waitlist_position
from app.services.feedback.ratings import RATING_LABELS, next_to_rate, rate
from app.services.messaging import help_requests as messaging_help_requests
from app.services.people import kiosk_visitor
from app.services.people.login import household_members, log_in
from app.services.refusals import LoginRefused
from app.timeutil import local_date, now

# In the visit's session: the visitor tapped 跳过 on the rating prompt; it is not
# asked again until the next login (sessions.start clears the session).
RATING_SKIPPED = "rating_skipped"
# A refused login's errors and typed number, for the login page the redirect shows.
LOGIN_TRIED = "kiosk_login_tried"


def _actor() -> kiosk_visitor.KioskActor:
    """Who acts at the kiosk: the logged-in user with a resident's rights only."""
    return kiosk_visitor.KioskActor(current_user._get_current_object())


@bp.get("/")
def start():
    """The start screen: today's and this week's classes with seats left."""
    entries = catalogue.week_entries(now(), catalogue.Filters())
    return render_template(
        "kiosk/start.html",
        entries=entries,
        form=EmptyForm(),
        idle=_idle_settings(),
        today=local_date(now()),
    )


def _idle_settings() -> dict:
    return kiosk_visitor.idle_settings()


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


def _to_rate():
    """The household's latest session to rate, unless skipped in this visit. The
    household only: a shared screen does not ask about linked (代办) people."""
    if session.get(RATING_SKIPPED):
        return None
    return next_to_rate(household_members(current_user), now())


def _today_context(message: str | None = None, kind: str = "info") -> dict:
    booked, drop_ins = attendance_kiosk.kiosk_today(_actor(), now())
    return {
        "booked": booked,
        "drop_ins": drop_ins,
        "message": message,
        "message_kind": kind,
        "form": EmptyForm(),
        "idle": _idle_settings(),
        "to_rate": _to_rate(),
        "rating_labels": RATING_LABELS,
    }


@bp.get("/me")
@kiosk_login_required
def today():
    # What the visitor just did (or why not), shown in the list she tapped in.
    message, kind = message_in_place() or (None, "info")
    return render_template("kiosk/today.html", **_today_context(message, kind))


def _load(session_id: int) -> tuple[Session, Person]:
    """The session and a person of the kiosk user's own household (404 for anyone
    else, as for a person who does not exist)."""
    kiosk_session = row_or_404(Session, session_id)
    form = PersonForm()
    if not form.validate():
        abort(422)
    person = person_for(current_user, form.person_id.data, household_only=True)
    return kiosk_session, person


def answer_today(outcome: Outcome):
    """htmx: today's list with the message; otherwise a redirect back to it (Back
    never meets a resubmission prompt), where the message is shown in the list."""
    return answer(
        outcome,
        fragment=lambda o: render_template(
            "kiosk/_today.html", **_today_context(o.message, o.kind)
        ),
        then=url_for("kiosk.today"),
        in_place=True,
    )


def _checked_in_message(person: Person, kiosk_session: Session, result) -> str:
    time = when(result.attendance.checked_in_at, "time")
    if result.already:
        return _("%(name)s is already checked in (%(time)s).", name=person.name, time=time)
    return _(
        "%(name)s is checked in at %(time)s. Room: %(room)s.",
        name=person.name,
        time=time,
        room=kiosk_session.where,
    )


@bp.post("/sessions/<int:session_id>/check-in")
@kiosk_login_required
def check_in(session_id: int):
    kiosk_session, person = _load(session_id)
    outcome = attempt(
        lambda: attendance_kiosk.kiosk_check_in(person, kiosk_session, by=_actor(), now=now()),
        lambda result: _checked_in_message(person, kiosk_session, result),
    )
    return answer_today(outcome)


@bp.post("/sessions/<int:session_id>/leave")
@kiosk_login_required
def take_leave(session_id: int):
    kiosk_session, person = _load(session_id)
    outcome = attempt(
        lambda: attendance_leave.take_leave_on(person, kiosk_session, by=_actor(), now=now()),
        _("Leave noted: %(name)s will not come this time.", name=person.name),
    )
    return answer_today(outcome)


@bp.post("/ratings")
@kiosk_login_required
def rate_session():
    """ "上次的课怎么样？": one tap on a face, for a person of the household."""
    form = RateForm()
    if not form.validate():
        abort(422)
    person = person_for(current_user, form.person_id.data, household_only=True)
    rated = row_or_404(Session, form.session_id.data)
    outcome = attempt(
        lambda: rate(person, rated, form.value.data, form.comment.data, by=_actor(), now=now()),
        _("Thank you for your rating!"),
    )
    return answer_today(outcome)


@bp.post("/ratings/skip")
@kiosk_login_required
def skip_rating():
    if not EmptyForm().validate():
        abort(400)
    session[RATING_SKIPPED] = True
    return redirect(url_for("kiosk.today"), 303)


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


def _classes_page() -> str:
    rows = attendance_kiosk.week_for(current_user.person, now())
    return render_template("kiosk/classes.html", rows=rows, form=EmptyForm(), idle=_idle_settings())


@bp.get("/classes")
@kiosk_login_required
def list_classes():
    return _classes_page()


def _booking_page(template: str, booking: Booking) -> str:
    """The booking's page: just booked, or its slip to print."""
    return render_template(
        template,
        booking=booking,
        position=waitlist_position(booking),
        start=Target.of_booking(booking).first_start_after(now()),
        form=EmptyForm(),
        idle=_idle_settings(),
    )


@bp.post("/book")
@kiosk_login_required
def book_class():
    """Books the logged-in resident; the answer page offers the printed slip."""
    form = KioskBookForm()
    if not form.validate():
        abort(422)
    activity, session_ = class_and_session(form.activity_id.data, form.session_id.data)
    outcome = attempt(
        lambda: book(
            current_user.person,
            Target.of(activity, session_),
            by=_actor(),
            channel=Channel.KIOSK,
            now=now(),
        )
    )
    # A redirect either way, so Back never meets a resubmission prompt: to the page
    # saying it is booked (with its slip), or to the list with the refusal.
    return answer(
        outcome,
        then=lambda o: (
            url_for("kiosk.show_booked", booking_id=o.result.id)
            if o.ok
            else url_for("kiosk.list_classes")
        ),
    )


@bp.get("/bookings/<int:booking_id>")
@kiosk_login_required
def show_booked(booking_id: int):
    """Just booked: "You are booked!" and the slip to print."""
    booking = booking_for(current_user, booking_id, household_only=True)
    return _booking_page("kiosk/booked.html", booking)


@bp.get("/bookings")
@kiosk_login_required
def list_bookings():
    return render_template(
        "kiosk/bookings.html",
        rows=catalogue.household_bookings(current_user, now()),
        form=EmptyForm(),
        idle=_idle_settings(),
    )


@bp.get("/bookings/<int:booking_id>/slip")
@kiosk_login_required
def print_slip(booking_id: int):
    booking = booking_for(current_user, booking_id, household_only=True)
    return _booking_page("kiosk/slip.html", booking)


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
