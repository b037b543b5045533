"""What the desk's views share: the class and session pages more than one module
shows again after a refusal, and how an action on a desk page is answered.

Forms on desk pages are not htmx-enhanced (only the booking rows and the call list
are): an htmx request gets the message alone (`notice`), without JavaScript a flash
and the page again (a refusal) or a redirect (app/actions.py)."""

from __future__ import annotations

from collections.abc import Callable

from flask import render_template, request
from flask_babel import gettext as _

from app.actions import Done, Outcome, answer_invalid
from app.blueprints.staff.forms import CapacityForm, MoveSessionForm, ReasonForm
from app.forms import EmptyForm
from app.models import Activity, Session
from app.redirects import safe_next
from app.services.booking import lists
from app.services.booking.targets import Target
from app.timeutil import now, to_local

Page = Callable[[Outcome], str]


def notice(outcome: Outcome) -> str:
    """htmx's answer to a form on a desk page: the outcome's sentence alone."""
    return render_template("staff/_notice.html", outcome=outcome)


def on_page(page: Page, then: str | Callable[[Outcome], str]) -> dict:
    """How an action on a desk page is answered (`answer`'s fragment, page and then)."""
    return {"fragment": notice, "page": page, "then": then}


def invalid(page: Page):
    """A form with errors: the page again (422), the errors beside the fields."""
    message = _("Something in the form was not right. Please check and try again.")
    return answer_invalid(message, fragment=notice, page=page)


def with_promoted(message: str) -> Callable[[list], Done]:
    """The success's sentence for a change that may give waiting people a place, and
    how many got one (the change's result: the bookings promoted)."""

    def said(promoted: list) -> Done:
        note = _("%(num)d people on the waiting list got a place.", num=len(promoted or ()))
        return Done(message, notes=(note,) if promoted else ())

    return said


def back_or(default: str) -> str:
    """The form's `next` if it is a staff page of this site, else `default`."""
    return safe_next(request.form.get("next"), under="/staff/") or default


def activity_page(activity: Activity, **forms) -> str:
    """A class's page: its sessions, and for a term class its bookings and queue."""
    target = Target(activity, None) if activity.is_series else None
    seated, queue = lists.bookings_of(target) if target else ([], [])
    return render_template(
        "staff/activity.html",
        activity=activity,
        sessions=activity.sessions,
        target=target,
        seated=seated,
        queue=queue,
        capacity_form=forms.get("capacity_form") or CapacityForm(capacity=activity.capacity),
        row_form=ReasonForm(formdata=None),
        form=EmptyForm(),
        today=now(),
    )


def session_page(session: Session, **forms) -> str:
    """A session's page: its bookings and queue, seats, moving and cancelling it."""
    target = Target(session.activity, session)
    seated, queue = lists.bookings_of(target) if not session.activity.is_series else ([], [])
    local_start = to_local(session.starts_at).replace(tzinfo=None)
    move_form = forms.get("move_form") or MoveSessionForm(
        formdata=None,
        day=local_start.date(),
        start=local_start.time(),
        end=to_local(session.ends_at).replace(tzinfo=None).time(),
        room=session.room or "",
    )
    return render_template(
        "staff/session.html",
        session=session,
        activity=session.activity,
        target=target,
        seated=seated,
        queue=queue,
        capacity_form=forms.get("capacity_form")
        or CapacityForm(formdata=None, capacity=session.capacity),
        move_form=move_form,
        cancel_form=forms.get("cancel_form") or ReasonForm(formdata=None),
        row_form=ReasonForm(formdata=None),
    )
