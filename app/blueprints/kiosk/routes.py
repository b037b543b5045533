"""The lobby kiosk (the visit's login, language, call-staff and end: visit.py; the
desk's view of the calls: desk.py): a start screen with the week's classes; log in on a big keypad
with phone number (or member card number) and PIN; see today's sessions of your
household, 签到 / 请假, drop in, book a class in two taps, print a slip, call staff;
then 完成 (log out). An idle login is logged out, with or without JavaScript."""

from __future__ import annotations

from flask import abort, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user

from app.actions import Outcome, answer, attempt, confirm_first, message_in_place
from app.blueprints.account.forms import RateForm
from app.blueprints.kiosk import (
    bp,
    desk,  # noqa: F401  (registers the desk's views)
)
from app.blueprints.kiosk.forms import KioskBookForm, LeaveForm, PersonForm
from app.blueprints.kiosk.visit import kiosk_login_required
from app.formatting import when
from app.forms import EmptyForm
from app.inputs import week_number
from app.loaders import booking_for, class_and_session, person_for, row_or_404
from app.models import Booking, Channel, Person, Session
from app.services.attendance import kiosk as attendance_kiosk
from app.services.attendance import leave as attendance_leave
from app.services.booking import catalogue, horizon
from app.services.booking.book import book
from app.services.booking.targets import Target
from app.services.booking.terms import next_session, places_of
from app.services.booking.waitlist import waitlist_position
from app.services.feedback.ratings import RATING_LABELS, next_to_rate, rate
from app.services.people import kiosk_visitor
from app.services.people.login import household_members
from app.timeutil import local_date, now

# In the visit's session: the visitor tapped 跳过 on the rating prompt; it is not
# asked again until the next login (sessions.start clears the session).
RATING_SKIPPED = "rating_skipped"


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


def _load(session_id: int, form_class=PersonForm) -> tuple[Session, Person, PersonForm]:
    """The session and a person of the kiosk user's own household (404 for anyone
    else, as for a person who does not exist), and the form that named them."""
    kiosk_session = row_or_404(Session, session_id)
    form = form_class()
    if not form.validate():
        abort(422)
    person = person_for(current_user, form.person_id.data, household_only=True)
    return kiosk_session, person, form


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
    kiosk_session, person, _form = _load(session_id)
    outcome = attempt(
        lambda: attendance_kiosk.kiosk_check_in(person, kiosk_session, by=_actor(), now=now()),
        lambda result: _checked_in_message(person, kiosk_session, result),
    )
    return answer_today(outcome)


@bp.post("/sessions/<int:session_id>/leave")
@kiosk_login_required
def take_leave(session_id: int):
    """请假, sent from its confirmation step; asked for without it, that step first."""
    kiosk_session, person, form = _load(session_id, LeaveForm)
    if not form.confirmed.data:
        return confirm_first(
            url_for("kiosk.confirm_leave", session_id=kiosk_session.id, person_id=person.id)
        )
    outcome = attempt(
        lambda: attendance_leave.take_leave_on(person, kiosk_session, by=_actor(), now=now()),
        _("Leave noted: %(name)s will not come this time.", name=person.name),
    )
    return answer_today(outcome)


@bp.get("/sessions/<int:session_id>/leave")
@kiosk_login_required
def confirm_leave(session_id: int):
    """Before 请假: what it will do, in words, and "yes" or "no, go back"."""
    kiosk_session = row_or_404(Session, session_id)
    person = person_for(current_user, request.args.get("person_id"), household_only=True)
    outcome = attempt(lambda: attendance_leave.leave_effects_on(person, kiosk_session))
    if not outcome.ok:
        return answer_today(outcome)
    return render_template(
        "kiosk/confirm_leave.html",
        effects=outcome.result,
        person=person,
        form=EmptyForm(),
        idle=_idle_settings(),
    )


@bp.post("/sessions/<int:session_id>/back")
@kiosk_login_required
def come_back(session_id: int):
    """我又能来了: the leave taken back while the seat is still free."""
    kiosk_session, person, _form = _load(session_id)
    outcome = attempt(
        lambda: attendance_leave.come_back(person, kiosk_session, by=_actor(), now=now()),
        _("Good news: %(name)s is expected again this time.", name=person.name),
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


def _classes_page() -> str:
    """The week's classes the visitor may book, paging by week up to the horizon."""
    # The week rides on the booking form too, so a refusal shows the same week.
    week = _week_asked()
    page = horizon.week_page(now(), week)
    rows = attendance_kiosk.week_for(current_user.person, now(), week=page.week)
    return render_template(
        "kiosk/classes.html", rows=rows, page=page, args={}, form=EmptyForm(), idle=_idle_settings()
    )


def _week_asked() -> int:
    """The week the visitor was looking at (0: from today), from the page's query or
    the booking form, within the horizon."""
    return week_number(request.values.get("week"), horizon.horizon_weeks())


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
        place=next_session(booking, now()),
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
            Target.named(activity, session_),
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
            else url_for("kiosk.list_classes", week=_week_asked() or None)
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
    rows = catalogue.household_bookings(current_user, now())
    return render_template(
        "kiosk/bookings.html",
        rows=rows,
        places=places_of([b for b, _position in rows], now()),
        form=EmptyForm(),
        idle=_idle_settings(),
    )


@bp.get("/bookings/<int:booking_id>/slip")
@kiosk_login_required
def print_slip(booking_id: int):
    booking = booking_for(current_user, booking_id, household_only=True)
    return _booking_page("kiosk/slip.html", booking)
