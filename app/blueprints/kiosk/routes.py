"""The lobby kiosk: log in with phone number (or member card number) and PIN, see
today's sessions of your household, 签到 / 请假, drop in, then 完成 (log out)."""

from __future__ import annotations

from functools import wraps

from flask import abort, current_app, flash, redirect, render_template, session, url_for
from flask_babel import gettext as _
from flask_babel import refresh
from flask_login import current_user, login_user, logout_user

from app.blueprints.kiosk import bp
from app.blueprints.kiosk.forms import EmptyForm, KioskLoginForm, PersonForm
from app.extensions import db, htmx, limiter
from app.formatting import when
from app.models import BookingStatus, Channel, Person, Session
from app.services import attendance
from app.services.auth import LoginRefused, authenticate
from app.services.errors import BookingError
from app.timeutil import now


def kiosk_login_required(view):
    @wraps(view)
    def wrapped(*args, **kwargs):
        if not current_user.is_authenticated:
            return redirect(url_for("kiosk.login"))
        return view(*args, **kwargs)

    return wrapped


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit("30 per minute", methods=["POST"])
def login():
    form = KioskLoginForm()
    if not form.is_submitted():
        return render_template("kiosk/login.html", form=form)
    if not form.validate():
        return render_template("kiosk/login.html", form=form), 422
    try:
        user = authenticate(
            attendance.kiosk_login_phone(form.who.data),
            form.pin.data,
            now=now(),
            settings=current_app.config,
        )
    except LoginRefused as refusal:
        db.session.commit()  # keep the failure count
        form.pin.errors.append(str(refusal))
        return render_template("kiosk/login.html", form=form), refusal.http_status
    db.session.commit()
    session.clear()
    login_user(user)
    session["kiosk"] = True
    refresh()
    return redirect(url_for("kiosk.today"), 303)


def _today_context(message: str | None = None, kind: str = "info") -> dict:
    booked, drop_ins = attendance.kiosk_today(current_user, now())
    return {
        "booked": booked,
        "drop_ins": drop_ins,
        "message": message,
        "message_kind": kind,
        "form": EmptyForm(),
    }


@bp.get("/")
@kiosk_login_required
def today():
    return render_template("kiosk/today.html", **_today_context())


def _load(session_id: int) -> tuple[Session, Person]:
    """The session and a person of the kiosk user's own household (404 / 403)."""
    kiosk_session = db.session.get(Session, session_id)
    if kiosk_session is None:
        abort(404)
    form = PersonForm()
    if not form.validate():
        abort(422)
    person = db.session.get(Person, form.person_id.data)
    if person is None:
        abort(404)
    if person.household_id != current_user.household_id:
        abort(403)
    return kiosk_session, person


def _respond(message: str, kind: str, status: int):
    if htmx:
        return render_template("kiosk/_today.html", **_today_context(message, kind)), status
    if status >= 400:
        return render_template("kiosk/today.html", **_today_context(message, kind)), status
    flash(message, kind)
    return redirect(url_for("kiosk.today"), 303)


@bp.post("/sessions/<int:session_id>/check-in")
@kiosk_login_required
def check_in(session_id: int):
    kiosk_session, person = _load(session_id)
    try:
        result = attendance.kiosk_check_in(person, kiosk_session, by=current_user, now=now())
        db.session.commit()
    except BookingError as refusal:
        db.session.rollback()
        return _respond(str(refusal), "error", refusal.http_status)
    time = when(result.attendance.checked_in_at, "time")
    if result.already:
        message = _("%(name)s is already checked in (%(time)s).", name=person.name, time=time)
    else:
        message = _(
            "%(name)s is checked in at %(time)s. Room: %(room)s.",
            name=person.name,
            time=time,
            room=kiosk_session.where,
        )
    return _respond(message, "success", 200)


@bp.post("/sessions/<int:session_id>/leave")
@kiosk_login_required
def take_leave(session_id: int):
    kiosk_session, person = _load(session_id)
    booking = next(
        (
            b
            for b in attendance.covering_bookings(kiosk_session)
            if b.person_id == person.id and b.status == BookingStatus.CONFIRMED
        ),
        None,
    )
    if booking is None:
        return _respond(_("There is no booking to give up for this session."), "error", 409)
    try:
        attendance.take_leave(
            booking, kiosk_session, by=current_user, now=now(), channel=Channel.KIOSK
        )
        db.session.commit()
    except BookingError as refusal:
        db.session.rollback()
        return _respond(str(refusal), "error", refusal.http_status)
    return _respond(
        _("Leave noted: %(name)s will not come this time.", name=person.name), "success", 200
    )


@bp.post("/done")
@kiosk_login_required
def finish():
    if not EmptyForm().validate():
        abort(400)
    logout_user()
    session.clear()
    flash(_("Thank you. See you next time!"), "success")
    return redirect(url_for("kiosk.login"), 303)
