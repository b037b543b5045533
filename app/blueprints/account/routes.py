"""My household, my bookings, my inbox; booking and cancelling."""

from __future__ import annotations

from flask import abort, flash, make_response, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from app.actions import Done, Outcome, answer, attempt, confirm_first

# data.py (/me/data), calendar.py (the calendar feed and files) and history.py (the
# earlier bookings): importing them registers their views on `bp`.
from app.blueprints.account import bp, calendar, data, history  # noqa: F401
from app.blueprints.account.forms import BookForm, CancelForm, LeaveForm, RateForm
from app.blueprints.account.privacy import consent_panel
from app.blueprints.public.routes import class_page
from app.extensions import htmx
from app.formatting import when
from app.forms import EmptyForm
from app.loaders import booking_for, booking_subjects_for, person_for, row_or_404
from app.models import RATING_COMMENT_MAX, Booking, BookingStatus, Session
from app.services.attendance import leave as attendance_leave
from app.services.booking import catalogue
from app.services.booking.book import book_on_card
from app.services.booking.cancel import cancel_booking, cancel_effects
from app.services.booking.place import Subjects
from app.services.booking.targets import Target, booking_covers, matching_target
from app.services.booking.terms import places_of
from app.services.booking.waitlist import waitlist_position
from app.services.feedback.ratings import RATING_LABELS, rate, rating_lines_for
from app.services.messaging import notices
from app.services.people.login import household_members
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


def _render_card(card: catalogue.Card, message: str, kind: str) -> str:
    card.message, card.message_kind = message, kind
    return render_template("public/_card.html", card=card)


def _booking_card(subjects: Subjects, outcome: Outcome) -> str:
    """The class's card with the booking (its queue position as the card read it)
    or the refusal; the whole page when the form named a session of another class."""
    if outcome.ok:
        booked = outcome.result
        card = booked.card_after(current_user)
        message = booked_message(booked.booking, card.position_of(booked.booking))
        return _render_card(card, message, outcome.kind)
    target = matching_target(subjects.activity, subjects.session)
    if target is None:
        flash(outcome.message, outcome.kind)
        return class_page(subjects.activity)
    return _render_card(catalogue.card_for(target, current_user), outcome.message, outcome.kind)


@bp.post("/bookings")
@login_required
def create_booking():
    form = BookForm()
    if not form.validate():
        abort(422)
    moment = now()
    subjects = booking_subjects_for(
        current_user,
        form.activity_id.data,
        form.session_id.data or None,
        form.person_id.data,
        moment,
    )
    outcome = attempt(
        lambda: book_on_card(subjects, by=current_user, now=moment, read_card=bool(htmx)),
        # htmx: the card says it, with the queue position it read. A place on the
        # waiting list is news, not quite what was asked.
        lambda booked: Done(
            "" if htmx else booked_message(booked.booking),
            "success" if booked.booking.status == BookingStatus.CONFIRMED else "info",
        ),
    )
    response = make_response(
        answer(
            outcome,
            fragment=lambda o: _booking_card(subjects, o),
            page=lambda o: class_page(subjects.activity),
            then=url_for("public.show_activity", activity_id=subjects.activity.id),
        )
    )
    if outcome.ok:
        response.headers["X-Booking-Status"] = outcome.result.booking.status
    return response


def _row(booking: Booking, outcome: Outcome) -> str:
    """The booking's row in "My bookings", with the outcome's message."""
    return render_template(
        "account/_booking_row.html",
        booking=booking,
        position=waitlist_position(booking),
        cancel_form=CancelForm(),
        leave_dates=attendance_leave.leave_choices([booking], now()),
        places=places_of([booking], now()),
        message=outcome.message,
        message_kind=outcome.kind,
    )


def _card(booking: Booking, outcome: Outcome) -> str:
    """The booking's class card, with the outcome's message."""
    card = catalogue.card_for(Target.of_booking(booking), current_user)
    return _render_card(card, outcome.message, outcome.kind)


def _answer_on_row(booking: Booking, outcome: Outcome, *, on_card: bool = False):
    """htmx: the row (or the class card) with the message; otherwise back to the list."""
    fragment = _card if on_card else _row
    return answer(
        outcome, fragment=lambda o: fragment(booking, o), then=url_for("account.list_bookings")
    )


def _cancelled_message(booking: Booking) -> str:
    if booking.late_cancel:
        return _(
            "The booking is cancelled. It was close to the start, so it counts as a late cancellation."
        )
    return _("The booking is cancelled.")


@bp.post("/bookings/<int:booking_id>/cancel")
@login_required
def cancel(booking_id: int):
    booking = booking_for(current_user, booking_id)
    form = CancelForm()
    if not form.validate():
        abort(422)
    if cancel_effects(booking, now()).needs_confirmation and not form.confirmed.data:
        step = url_for("account.confirm_cancel", booking_id=booking.id, view=form.view.data)
        return confirm_first(step)
    outcome = attempt(
        lambda: cancel_booking(booking, by=current_user, now=now()),
        lambda _result: _cancelled_message(booking),
    )
    return _answer_on_row(booking, outcome, on_card=form.view.data == "card")


def _back_to(booking: Booking, view: str | None) -> str:
    """Where "no, keep it" goes: the class page the card was on, or My bookings."""
    if view == "card":
        return url_for("public.show_activity", activity_id=booking.activity_id)
    return url_for("account.list_bookings")


@bp.get("/bookings/<int:booking_id>/cancel")
@login_required
def confirm_cancel(booking_id: int):
    """Before a cancellation that cannot be taken back: what it will do, in words."""
    booking = booking_for(current_user, booking_id)
    view = "card" if request.args.get("view") == "card" else "row"
    return render_template(
        "account/confirm_cancel.html",
        booking=booking,
        effects=cancel_effects(booking, now()),
        view=view,
        back=_back_to(booking, view),
    )


def _bookings_page() -> str:
    """ "My bookings": the coming bookings, then the recent sessions to rate."""
    moment = now()
    rows = catalogue.household_bookings(current_user, moment)
    return render_template(
        "account/bookings.html",
        rows=rows,
        cancel_form=CancelForm(),
        leave_dates=attendance_leave.leave_choices([b for b, _ in rows], moment),
        places=places_of([b for b, _ in rows], moment),
        rating_lines=rating_lines_for(current_user, moment),
        rating_labels=RATING_LABELS,
        comment_max=RATING_COMMENT_MAX,
    )


@bp.get("/bookings")
@login_required
def list_bookings():
    return _bookings_page()


@bp.post("/ratings")
@login_required
def rate_session():
    """One tap on a face: the line then shows what was given."""
    form = RateForm()
    if not form.validate():
        abort(422)
    person = person_for(current_user, form.person_id.data)
    rated = row_or_404(Session, form.session_id.data)
    outcome = attempt(
        lambda: rate(person, rated, form.value.data, form.comment.data, by=current_user, now=now()),
        _("Thank you for your rating!"),
    )
    return answer(
        outcome,
        page=lambda o: _bookings_page(),
        then=url_for("account.list_bookings", _anchor="ratings"),
    )


@bp.post("/bookings/<int:booking_id>/leave")
@login_required
def take_leave(booking_id: int):
    booking = booking_for(current_user, booking_id)
    form = LeaveForm()
    if not form.validate():
        abort(422)
    session = row_or_404(Session, form.session_id.data)
    if not form.confirmed.data:
        step = url_for("account.confirm_leave", booking_id=booking.id, session_id=session.id)
        return confirm_first(step)
    outcome = attempt(
        lambda: attendance_leave.take_leave(booking, session, by=current_user, now=now()),
        _(
            "Leave noted for %(when)s. The seat goes to someone else that day.",
            when=when(session.starts_at),
        ),
    )
    return _answer_on_row(booking, outcome)


@bp.get("/bookings/<int:booking_id>/leave/<int:session_id>")
@login_required
def confirm_leave(booking_id: int, session_id: int):
    """Before 请假: what it will do, in words, and "yes" or "no, keep it"."""
    booking = booking_for(current_user, booking_id)
    session = row_or_404(Session, session_id)
    if not booking_covers(booking, session):
        abort(404)  # a session this booking does not hold: nothing to confirm
    return render_template(
        "account/confirm_leave.html",
        effects=attendance_leave.leave_effects(booking, session),
        back=url_for("account.list_bookings"),
    )


@bp.get("/")
@login_required
def household():
    members, moment = household_members(current_user), now()
    return render_template(
        "account/household.html",
        members=members,
        ages={p.id: p.age_at(moment) for p in members},
        **consent_panel(current_user),
    )


@bp.get("/inbox")
@login_required
def inbox():
    return render_template(
        "account/inbox.html", notices=notices.inbox(current_user), form=EmptyForm()
    )


@bp.post("/inbox/read")
@login_required
def mark_inbox_read():
    if not EmptyForm().validate():
        abort(400)
    outcome = attempt(lambda: notices.mark_all_read(current_user, now=now()))
    return answer(outcome, then=url_for("account.inbox"))


def _offer_answer(booking_id: int, answer_offer, done_message: str):
    booking = booking_for(current_user, booking_id)
    if not EmptyForm().validate():
        abort(422)
    outcome = attempt(lambda: answer_offer(booking, by=current_user, now=now()), done_message)
    return _answer_on_row(booking, outcome)


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
