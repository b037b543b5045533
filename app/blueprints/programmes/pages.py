"""What the programme pages share: template helpers, what a page says about the
registration window, and the programme page itself."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import datetime

from flask import render_template
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from app.blueprints.account.forms import CancelForm
from app.blueprints.programmes import bp
from app.blueprints.programmes.forms import BookDaysForm
from app.extensions import htmx
from app.forms import EmptyForm
from app.models import Allocation, Person, Programme, Session
from app.services.attendance.leave import leave_choices
from app.services.booking import eligibility
from app.services.booking.waitlist import waitlist_position
from app.services.childcare import applications as childcare_applications
from app.services.childcare import calendar as childcare_calendar
from app.services.childcare import draw as childcare_draw
from app.services.childcare import grades as childcare_grades
from app.services.childcare import pickup
from app.services.childcare.outcomes import Seen
from app.services.people.login import household_members
from app.services.refusals import AlreadyApplied, AlreadyBooked
from app.timeutil import local_date, now

# --- template helpers ------------------------------------------------------------


@bp.app_template_filter("parse_iso")
def parse_iso(value: str) -> datetime:
    return datetime.fromisoformat(value)


@bp.app_template_global("refusal_text")
def refusal_text(attempt) -> str:
    return pickup.refusal_message(attempt)


# --- the programme page ----------------------------------------------------------


def opening(programme: Programme, moment) -> dict:
    """What the page says about the registration window right now."""
    activity = programme.activity
    window = eligibility.window_state(activity, moment)
    return {
        "before": window.not_open,
        "closed": childcare_applications.applications_closed(programme, moment),
        "opens_at": activity.opens_at,
        "closes_at": activity.closes_at,
        "seconds": window.seconds_to_open,
        "lottery": activity.allocation == Allocation.LOTTERY,
        "drawn_at": programme.drawn_at,
    }


def _anything_to_tick(programme: Programme, days: list, children: list[Person]) -> bool:
    """A box is left to tick: a child holds nothing on some slot (a term: its first,
    the one the form ticks), so the form and its button are worth showing."""
    views = [view for day in days for view in day.slots]
    if programme.is_afterschool:
        views = views[:1]
    return any(child.id not in view.states for view in views for child in children)


def detail_context(
    programme: Programme,
    form: BookDaysForm | None = None,
    *,
    members: list[Person] | None = None,
    seen: Seen | None = None,
    applications: list | None = None,
) -> dict:
    """`members`: the user's household, when the request has read it already;
    `seen`: what a submission's transaction saw (`submit_days`), for the calendar;
    `applications`: the household's, when read already."""
    moment = now()
    if members is None:
        members = household_members(current_user) if current_user.is_authenticated else []
    children = childcare_calendar.eligible_children(members, programme, local_date(moment))
    if applications is None:
        applications = (
            childcare_applications.household_applications(programme, current_user.household_id)
            if current_user.is_authenticated
            else []
        )
    enrolments = childcare_calendar.enrolments(programme, children)
    days = childcare_calendar.calendar(
        programme, children, moment, applications=applications, enrolled=enrolments, seen=seen
    )
    return {
        "programme": programme,
        "activity": programme.activity,
        "days": days,
        "children": children,
        "anything_to_tick": _anything_to_tick(programme, days, children),
        # A term's enrolments, with their cancel and leave actions as in "My bookings".
        "enrolments": [(booking, waitlist_position(booking)) for booking in enrolments],
        "leave_dates": leave_choices(enrolments, moment),
        # Forms only where the zone shows them: a CSRF form costs its token's signing.
        "cancel_form": CancelForm() if enrolments else None,
        "form": form or BookDaysForm(),
        "opening": opening(programme, moment),
        "ages": eligibility.age_range(programme.activity),
        "grades": childcare_grades.grade_label(programme),
        "applications": applications,
        "slot_labels": childcare_grades.SLOT_LABELS,
        "slot_labels_by_session": {
            slot.session_id: childcare_grades.SLOT_LABELS[slot.kind] for slot in programme.slots
        },
        "empty_form": EmptyForm() if applications else None,
        "commitment": childcare_draw.commitment(programme),
    }


def detail_page(programme: Programme, form: BookDaysForm | None = None) -> str:
    """The programme page: the calendar, the family's applications, the seed's
    commitment once it is fixed (by the job when applications close, or the draw)."""
    return render_template("programmes/detail.html", **detail_context(programme, form))


# --- the answer to a submission, where the parent is looking ----------------------


@dataclass(frozen=True)
class ResultLine:
    """One (child, slot) of a submission as the parent reads it. `state`:
    confirmed, waitlisted, applied, refused, or `held`: asked again for what the
    child already holds (`held` says what), a state rather than a failure."""

    person: Person
    session: Session | None
    state: str
    held: str | None = None
    position: int | None = None
    message: str | None = None


def result_lines(outcomes: list, days: list) -> list[ResultLine]:
    """The outcomes as lines; "already booked" or "already applied" becomes what the
    child holds on that slot now (read from the refreshed calendar `days`)."""
    holding = {
        (view.session.id, person_id): state
        for day in days
        for view in day.slots
        for person_id, state in view.states.items()
    }
    lines = []
    for o in outcomes:
        if isinstance(o.refusal, AlreadyBooked | AlreadyApplied):
            default = "applied" if isinstance(o.refusal, AlreadyApplied) else "confirmed"
            key = (o.session.id if o.session is not None else None, o.person.id)
            lines.append(ResultLine(o.person, o.session, "held", holding.get(key, default)))
            continue
        lines.append(ResultLine(o.person, o.session, o.status, None, o.position, o.message))
    return lines


SUMMARY = {
    "confirmed": _l("Booked: %(num)s"),
    "waitlisted": _l("On the waiting list: %(num)s"),
    "applied": _l("Applied: %(num)s"),
    "held": _l("Already done before: %(num)s"),
    "refused": _l("Not booked: %(num)s"),
}


def _summary(lines: list[ResultLine]) -> list[str]:
    """How many child-days each way, the first thing read of the results."""
    counts = Counter(line.state for line in lines)
    return [str(text % {"num": counts[state]}) for state, text in SUMMARY.items() if counts[state]]


def _by_slot(lines: list[ResultLine]) -> list[tuple[Session | None, list[ResultLine]]]:
    """The lines by slot, in time order (the outcomes come sorted): one heading a
    day, a short line a child, so a family's answer fits a phone's screen."""
    groups: dict[int | None, tuple[Session | None, list[ResultLine]]] = {}
    for line in lines:
        key = line.session.id if line.session is not None else None
        groups.setdefault(key, (line.session, []))[1].append(line)
    return list(groups.values())


def booking_zone(
    programme: Programme,
    *,
    outcomes: list | None = None,
    applying: bool = False,
    message: str | None = None,
    form: BookDaysForm | None = None,
    status: int | None = None,
    members: list[Person] | None = None,
    seen: Seen | None = None,
    applications: list | None = None,
):
    """The answer to a booking or application form: the day-by-day results (or the
    one message that turned the whole form down) above the refreshed calendar,
    seats and states as they are now. htmx swaps it for the form's zone and moves
    focus and scroll to the results; without JavaScript it is a page of its own,
    the results at its top. Status 409 when nothing went through."""
    context = detail_context(programme, form, members=members, seen=seen, applications=applications)
    lines = result_lines(outcomes, context["days"]) if outcomes is not None else None
    if status is None:
        status = 200 if any(line.state != "refused" for line in lines or []) else 409
    context |= {
        "lines": lines,
        "groups": _by_slot(lines or []),
        "summary": _summary(lines or []),
        "summary_states": {line.state for line in lines or []},
        "applying": applying,
        "zone_message": message,
    }
    template = "programmes/_booking.html" if htmx else "programmes/results.html"
    return render_template(template, **context), status
