"""My household, my bookings, my inbox; booking and cancelling."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select

from app import database
from app.blueprints.account import bp
from app.blueprints.account.forms import BookForm, CancelForm, EmptyForm, LeaveForm
from app.blueprints.public.routes import cards_for
from app.extensions import db, htmx
from app.formatting import when
from app.models import ActivityStatus, Booking, BookingStatus, Channel, Notice, Session
from app.services import attendance, catalogue
from app.services.auth import household_members
from app.services.booking import book, cancel_booking, load_subjects, waitlist_position
from app.services.errors import BookingError
from app.services.targets import Target
from app.timeutil import now


def channel_for(user) -> str:
    return Channel.DESK if user.is_staff else Channel.PHONE


def booked_message(booking: Booking, position: int | None = None) -> str:
    name = booking.person.name
    if booking.status == BookingStatus.CONFIRMED:
        return _("%(name)s is booked. See you there!", name=name)
    return _(
        "The class is full. %(name)s is on the waiting list, number %(position)s. "
        "We will tell you here when a place comes free.",
        name=name,
        position=position or waitlist_position(booking),
    )


def _card_response(target: Target, message: str, kind: str, status: int = 200, headers=None):
    return _render_card(catalogue.card_for(target, current_user), message, kind, status, headers)


def _render_card(card: catalogue.Card, message: str, kind: str, status: int = 200, headers=None):
    card.message, card.message_kind = message, kind
    return render_template("public/_card.html", card=card), status, headers or {}


def _page_with_message(activity, message: str, kind: str, status: int):
    flash(message, kind)
    return render_template(
        "public/detail.html",
        activity=activity,
        sessions=catalogue.upcoming_sessions(activity, now()),
        cards=cards_for(activity),
    ), status


@bp.post("/bookings")
@login_required
def create_booking():
    form = BookForm()
    if not form.validate():
        abort(422)
    moment = now()
    subjects = load_subjects(
        form.activity_id.data, form.session_id.data or None, form.person_id.data, moment
    )
    if subjects is None or subjects.activity.status != ActivityStatus.PUBLISHED:
        abort(404)
    activity, person = subjects.activity, subjects.person
    target = card = members = None
    try:
        target = Target.of(activity, subjects.session)
        if htmx and not database.reads_hold_the_write_lock(db.engine):
            # On a database server this read locks nothing, so it is done before
            # the seat is claimed and the card needs no second transaction. (On
            # SQLite every read in the transaction holds the write lock: there the
            # card is read after the commit.)
            members = catalogue.members_with_bookings(current_user, target)
        booking = book(
            person,
            target,
            by=current_user,
            channel=channel_for(current_user),
            now=moment,
            suspension=subjects.suspension,
        )
        waiting = members is not None and booking.status == BookingStatus.WAITLISTED
        if waiting and not activity.is_series:  # a term class's claim locked its row
            # No seat claimed, no lock held: the queue is read before the commit too.
            card = catalogue.card_with(target, catalogue.with_new_booking(members, booking))
        db.session.commit()
    except BookingError as refusal:
        db.session.rollback()
        if htmx and target is not None:
            return _card_response(target, str(refusal), "error", refusal.http_status)
        return _page_with_message(activity, str(refusal), "error", refusal.http_status)
    kind = "success" if booking.status == BookingStatus.CONFIRMED else "info"
    headers = {"X-Booking-Status": booking.status}
    if htmx:
        if card is None and members is None:
            card = catalogue.card_for(target, current_user)
        elif card is None:
            card = catalogue.card_with(target, catalogue.with_new_booking(members, booking))
        message = booked_message(booking, card.position_of(booking))
        return _render_card(card, message, kind, 200, headers)
    flash(booked_message(booking), kind)
    response = redirect(url_for("public.show_activity", activity_id=activity.id), 303)
    response.headers.update(headers)
    return response


def _row_response(booking: Booking, message: str, kind: str, status: int):
    """The booking's row in "My bookings" for htmx; otherwise back to the list."""
    if htmx:
        return render_template(
            "account/_booking_row.html",
            booking=booking,
            position=waitlist_position(booking),
            cancel_form=CancelForm(),
            leave_dates=attendance.leave_choices([booking], now()),
            message=message,
            message_kind=kind,
        ), status
    flash(message, kind)
    return redirect(url_for("account.list_bookings"), 303)


def get_booking(booking_id: int) -> Booking:
    """The booking, if the current user may act on it (404 / 403 otherwise)."""
    booking = db.session.get(Booking, booking_id)
    if booking is None:
        abort(404)
    if not current_user.may_act_for(booking.person):
        abort(403)
    return booking


@bp.post("/bookings/<int:booking_id>/cancel")
@login_required
def cancel(booking_id: int):
    booking = get_booking(booking_id)
    form = CancelForm()
    if not form.validate():
        abort(422)
    try:
        cancel_booking(booking, by=current_user, now=now())
        db.session.commit()
        message, kind, status = _("The booking is cancelled."), "success", 200
        if booking.late_cancel:
            message = _(
                "The booking is cancelled. It was close to the start, so it counts as a late cancellation."
            )
    except BookingError as refusal:
        db.session.rollback()
        message, kind, status = str(refusal), "error", refusal.http_status
    if htmx and form.view.data == "card":
        return _card_response(Target.of_booking(booking), message, kind, status)
    return _row_response(booking, message, kind, status)


@bp.get("/bookings")
@login_required
def list_bookings():
    rows = catalogue.household_bookings(current_user, now())
    return render_template(
        "account/bookings.html",
        rows=rows,
        cancel_form=CancelForm(),
        leave_dates=attendance.leave_choices([b for b, _ in rows], now()),
    )


@bp.post("/bookings/<int:booking_id>/leave")
@login_required
def take_leave(booking_id: int):
    booking = get_booking(booking_id)
    form = LeaveForm()
    if not form.validate():
        abort(422)
    session = db.session.get(Session, form.session_id.data)
    if session is None:
        abort(404)
    try:
        attendance.take_leave(booking, session, by=current_user, now=now())
        db.session.commit()
        message, kind, status = (
            _(
                "Leave noted for %(when)s. The seat goes to someone else that day.",
                when=when(session.starts_at),
            ),
            "success",
            200,
        )
    except BookingError as refusal:
        db.session.rollback()
        message, kind, status = str(refusal), "error", refusal.http_status
    return _row_response(booking, message, kind, status)


@bp.get("/")
@login_required
def household():
    return render_template(
        "account/household.html",
        members=household_members(current_user),
        today=now(),
    )


@bp.get("/inbox")
@login_required
def inbox():
    notices = list(
        db.session.scalars(
            select(Notice)
            .where(Notice.user_id == current_user.id)
            .order_by(Notice.created_at.desc(), Notice.id.desc())
            .limit(100)
        )
    )
    return render_template("account/inbox.html", notices=notices, form=EmptyForm())


@bp.post("/inbox/read")
@login_required
def mark_inbox_read():
    if not EmptyForm().validate():
        abort(400)
    moment = now()
    for notice in db.session.scalars(
        select(Notice).where(Notice.user_id == current_user.id, Notice.read_at.is_(None))
    ):
        notice.read_at = moment
    db.session.commit()
    return redirect(url_for("account.inbox"), 303)


def _offer_answer(booking_id: int, answer, done_message: str):
    booking = get_booking(booking_id)
    if not EmptyForm().validate():
        abort(422)
    try:
        answer(booking, by=current_user, now=now())
        db.session.commit()
        message, kind, status = done_message, "success", 200
    except BookingError as refusal:
        db.session.rollback()
        message, kind, status = str(refusal), "error", refusal.http_status
    return _row_response(booking, message, kind, status)


@bp.post("/bookings/<int:booking_id>/accept")
@login_required
def accept_offer(booking_id: int):
    from app.services.waitlist import accept_offer as accept

    return _offer_answer(booking_id, accept, _("Thank you. The place is yours."))


@bp.post("/bookings/<int:booking_id>/decline")
@login_required
def decline_offer(booking_id: int):
    from app.services.waitlist import decline_offer as decline

    return _offer_answer(booking_id, decline, _("Thank you. The place goes to the next person."))
