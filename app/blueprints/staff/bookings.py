"""The desk's bookings: booking for someone (代办), the waitlist rows of a class or
session (give a place, move, take off), cancelling and leave (请假) on someone's
behalf, and the call list of offers nobody answered."""

from __future__ import annotations

from flask import abort, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from app.actions import Done, Outcome, answer, attempt
from app.blueprints.account.forms import LeaveForm
from app.blueprints.staff import bp
from app.blueprints.staff.forms import BookForPersonForm, CallDoneForm, MoveForm, ReasonForm
from app.blueprints.staff.pages import activity_page, back_or, invalid, session_page
from app.blueprints.staff.people import on_person, person_again
from app.extensions import db
from app.formatting import when
from app.forms import EmptyForm
from app.loaders import booking_for, person_for, target_for
from app.models import Booking, BookingStatus, OfferCall, Person, Session
from app.services.booking import lists, offers, on_behalf, waitlist
from app.services.booking.targets import Target
from app.services.people.login import locked_accounts
from app.timeutil import now


@bp.post("/people/<int:person_id>/book")
def book_for_person(person_id: int):
    person = person_for(current_user, person_id)
    form = BookForPersonForm()
    if not form.validate():
        return invalid(person_again(person))
    target = target_for(form.target.data)
    outcome = attempt(
        lambda: on_behalf.book_for(
            person, target, by=current_user, channel=form.channel.data, now=now()
        ),
        lambda booking: _booked(person, booking),
    )
    return answer(outcome, **on_person(person))


def _booked(person: Person, booking: Booking) -> Done:
    if booking.status == BookingStatus.CONFIRMED:
        return Done(_("%(name)s is booked.", name=person.name))
    return Done(_("The class is full: %(name)s is on the waiting list.", name=person.name), "info")


# --- one booking: waitlist handling, cancelling and leave on behalf --------------------------


def _on_bookings(booking: Booking) -> dict:
    """How an action on a booking row is answered: htmx gets the class's (or the
    session's) bookings and queue with the message; otherwise the page they are on,
    or after success the form's `next` (a desk page)."""
    target = Target.of_booking(booking)
    if booking.session_id is not None:
        session = booking.session
        url = url_for("staff.show_session", session_id=session.id)

        def page(_outcome: Outcome) -> str:
            return session_page(session)
    else:
        activity = booking.activity
        url = url_for("staff.show_activity", activity_id=activity.id)

        def page(_outcome: Outcome) -> str:
            return activity_page(activity)

    def fragment(outcome: Outcome) -> str:
        seated, queue = lists.bookings_of(target)
        return render_template(
            "staff/_bookings.html",
            target=target,
            seated=seated,
            queue=queue,
            row_form=ReasonForm(formdata=None),
            message=outcome.message,
            message_kind=outcome.kind,
        )

    return {"fragment": fragment, "page": page, "then": back_or(url)}


@bp.post("/bookings/<int:booking_id>/promote")
def promote_booking(booking_id: int):
    booking = booking_for(current_user, booking_id)
    form, where = ReasonForm(), _on_bookings(booking)
    if not form.validate():
        return invalid(where["page"])
    outcome = attempt(
        lambda: waitlist.staff_promote(
            booking, by=current_user, now=now(), reason=(form.reason.data or "").strip()
        ),
        _("%(name)s now has a place.", name=booking.person.name),
    )
    return answer(outcome, **where)


@bp.post("/bookings/<int:booking_id>/move")
def move_booking(booking_id: int):
    booking = booking_for(current_user, booking_id)
    form, where = MoveForm(), _on_bookings(booking)
    if not form.validate():
        return invalid(where["page"])
    outcome = attempt(
        lambda: waitlist.move_in_queue(
            booking,
            steps=-1 if form.direction.data == "up" else 1,
            by=current_user,
            now=now(),
            reason=form.reason.data,
        ),
        _("The waiting list order is changed."),
    )
    return answer(outcome, **where)


@bp.post("/bookings/<int:booking_id>/remove")
def remove_booking(booking_id: int):
    booking = booking_for(current_user, booking_id)
    form, where = ReasonForm(), _on_bookings(booking)
    if not form.validate():
        return invalid(where["page"])
    outcome = attempt(
        lambda: waitlist.remove_from_waitlist(
            booking, by=current_user, now=now(), reason=form.reason.data
        ),
        _("%(name)s is off the waiting list.", name=booking.person.name),
    )
    return answer(outcome, **where)


@bp.post("/bookings/<int:booking_id>/cancel")
def cancel_booking(booking_id: int):
    booking = booking_for(current_user, booking_id)
    where = _on_bookings(booking)
    if not EmptyForm().validate():
        return invalid(where["page"])
    outcome = attempt(
        lambda: on_behalf.cancel_for(booking, by=current_user, now=now()),
        _("The booking of %(name)s is cancelled.", name=booking.person.name),
    )
    return answer(outcome, **where)


@bp.post("/bookings/<int:booking_id>/leave")
def leave_booking(booking_id: int):
    """请假 on behalf: the resident cannot come to one date."""
    booking = booking_for(current_user, booking_id)
    form = LeaveForm()
    session = db.session.get(Session, form.session_id.data) if form.validate() else None
    if session is None:
        abort(422)
    outcome = attempt(
        lambda: on_behalf.leave_for(booking, session, by=current_user, now=now()),
        _(
            "Leave noted for %(name)s on %(when)s.",
            name=booking.person.name,
            when=when(session.starts_at),
        ),
    )
    return answer(outcome, **_on_bookings(booking))


# --- the offer call list ---------------------------------------------------------------------


@bp.get("/calls")
def list_calls():
    return render_template(
        "staff/calls.html",
        calls=offers.open_offer_calls(),
        locked=locked_accounts(),
        form=CallDoneForm(formdata=None),
    )


@bp.post("/calls/<int:call_id>/done")
def close_call(call_id: int):
    call = db.get_or_404(OfferCall, call_id)  # staff only: the role authorises
    form = CallDoneForm()
    if not form.validate():
        abort(422)
    outcome = attempt(
        lambda: offers.close_offer_call(call, by=current_user, now=now(), note=form.note.data),
        _("Done."),
    )
    # htmx takes the call off the list: an empty answer replaces its line.
    return answer(outcome, fragment=lambda _o: "", page=None, then=url_for("staff.list_calls"))
