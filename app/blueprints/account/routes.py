"""My household, my bookings, my inbox; booking and cancelling."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select

from app import database
from app.blueprints.account import bp
from app.blueprints.account.forms import BookForm, CancelForm, LeaveForm
from app.blueprints.public.routes import cards_for
from app.extensions import db, htmx
from app.formatting import when
from app.forms import EmptyForm
from app.loaders import booking_for
from app.models import ActivityStatus, Booking, BookingStatus, Notice, Session
from app.services.attendance import leave as attendance_leave
from app.services.booking import catalogue
from app.services.booking.book import book
from app.services.booking.cancel import cancel_booking
from app.services.booking.place import channel_for, holds_no_lock, load_subjects
from app.services.booking.targets import Target
from app.services.booking.waitlist import waitlist_position
from app.services.people.login import household_members
from app.services.refusals import Refusal
from app.timeutil import now


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


def _card_after(target: Target, members, booking: Booking) -> catalogue.Card:
    """The card once `booking` is made; `members`: the viewer's people as read
    before it, or None to read them now."""
    if members is None:
        return catalogue.card_for(target, current_user)
    return catalogue.card_with(target, catalogue.with_new_booking(members, booking))


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
        form.activity_id.data,
        form.session_id.data or None,
        form.person_id.data,
        moment,
        by=current_user,
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
        if members is not None and holds_no_lock(booking, target):
            card = _card_after(target, members, booking)  # no second transaction
        db.session.commit()
    except Refusal as refusal:
        db.session.rollback()
        if htmx and target is not None:
            return _card_response(target, str(refusal), "error", refusal.http_status)
        return _page_with_message(activity, str(refusal), "error", refusal.http_status)
    kind = "success" if booking.status == BookingStatus.CONFIRMED else "info"
    headers = {"X-Booking-Status": booking.status}
    if htmx:
        card = card or _card_after(target, members, booking)
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
            leave_dates=attendance_leave.leave_choices([booking], now()),
            message=message,
            message_kind=kind,
        ), status
    flash(message, kind)
    return redirect(url_for("account.list_bookings"), 303)


def _attempt(action, done_message: str) -> tuple[str, str, int]:
    """Runs the service call and commits: (message, kind, status) for the answer.
    A refusal rolls back and answers with its own sentence and status."""
    try:
        action()
        db.session.commit()
    except Refusal as refusal:
        db.session.rollback()
        return str(refusal), "error", refusal.http_status
    return done_message, "success", 200


def get_booking(booking_id: int) -> Booking:
    """The booking, if the current user may act for its person (404 otherwise, the
    same as for a booking that does not exist)."""
    return booking_for(current_user, booking_id)


@bp.post("/bookings/<int:booking_id>/cancel")
@login_required
def cancel(booking_id: int):
    booking = get_booking(booking_id)
    form = CancelForm()
    if not form.validate():
        abort(422)
    message, kind, status = _attempt(
        lambda: cancel_booking(booking, by=current_user, now=now()),
        _("The booking is cancelled."),
    )
    if status == 200 and booking.late_cancel:
        message = _(
            "The booking is cancelled. It was close to the start, so it counts as a late cancellation."
        )
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
        leave_dates=attendance_leave.leave_choices([b for b, _ in rows], now()),
    )


@bp.post("/bookings/<int:booking_id>/leave")
@login_required
def take_leave(booking_id: int):
    booking = get_booking(booking_id)
    form = LeaveForm()
    if not form.validate():
        abort(422)
    session = db.get_or_404(Session, form.session_id.data)
    message, kind, status = _attempt(
        lambda: attendance_leave.take_leave(booking, session, by=current_user, now=now()),
        _(
            "Leave noted for %(when)s. The seat goes to someone else that day.",
            when=when(session.starts_at),
        ),
    )
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
    message, kind, status = _attempt(
        lambda: answer(booking, by=current_user, now=now()), done_message
    )
    return _row_response(booking, message, kind, status)


@bp.post("/bookings/<int:booking_id>/accept")
@login_required
def accept_offer(booking_id: int):
    from app.services.booking.offers import accept_offer as accept

    return _offer_answer(booking_id, accept, _("Thank you. The place is yours."))


@bp.post("/bookings/<int:booking_id>/decline")
@login_required
def decline_offer(booking_id: int):
    from app.services.booking.offers import decline_offer as decline

    return _offer_answer(booking_id, decline, _("Thank you. The place goes to the next person."))
