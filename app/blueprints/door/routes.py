"""At the door: teachers (and staff) check children in, one by one or the whole
group back from the school gate, and let them go only with a listed person's code.
Staff and teachers see who is here now and who is late to be collected.

Check-in and check-out are answered by app/actions.py: htmx gets the roster with
the message; without JavaScript a flash and the slot's page again (a refusal) or a
redirect to it."""

from __future__ import annotations

from flask import render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from app.access_log import seen
from app.actions import Outcome, answer, attempt, refused
from app.auth import role_required
from app.blueprints.door import bp
from app.blueprints.door.forms import CheckInForm, CheckOutForm, LiftLockForm
from app.loaders import door_children_for, person_for, roster_session_for
from app.models import Session
from app.services.childcare import door as childcare_door
from app.services.childcare import pickup
from app.services.childcare.door import CheckInResult
from app.services.privacy.access import Page as AccessPage
from app.services.refusals import NotAllowed
from app.timeutil import now


def _roster_context(session: Session, message=None, kind="info") -> dict:
    rows = childcare_door.door_roster(session, current_user, now())
    seen([row.child for row in rows], AccessPage.DOOR)
    return {
        "session": session,
        "rows": rows,
        "message": message,
        "message_kind": kind,
        "check_in_form": CheckInForm(formdata=None),
        "check_out_form": CheckOutForm(formdata=None),
    }


def _at_door(session: Session) -> dict:
    """How an action at the door is answered (`answer`'s fragment, page and then): the
    roster with the message for htmx; otherwise the slot's page with a refusal shown in
    the roster, or after success a redirect to it with the message flashed."""

    def fragment(outcome: Outcome) -> str:
        context = _roster_context(session, outcome.message, outcome.kind)
        return render_template("door/_roster.html", **context)

    return {
        "fragment": fragment,
        "page": lambda outcome: render_template(
            "door/session.html", **_roster_context(session, outcome.message, outcome.kind)
        ),
        "then": url_for("door.show_session", session_id=session.id),
        "in_place": True,
    }


def _checked_in(results: list[CheckInResult]) -> str:
    """How many went in, then each child refused and why."""
    message = _("%(num)s checked in.", num=sum(1 for r in results if r.ok))
    kept_back = [f"{r.child.name}: {r.message}" for r in results if not r.ok]
    return " ".join([message, *kept_back])


@bp.get("/")
@role_required("teacher", "staff")
def index():
    return render_template(
        "door/index.html", sessions=childcare_door.today_sessions(now(), current_user)
    )


@bp.get("/sessions/<int:session_id>")
@role_required("teacher", "staff")
def show_session(session_id: int):
    session = roster_session_for(current_user, session_id, childcare=True)
    return render_template("door/session.html", **_roster_context(session))


@bp.post("/sessions/<int:session_id>/check-in")
@role_required("teacher", "staff")
def check_in(session_id: int):
    session = roster_session_for(current_user, session_id, childcare=True)
    form = CheckInForm()
    if not form.validate():
        return answer(refused(_("Please tick the children who are here.")), **_at_door(session))
    children = door_children_for(session, form.person_id.data)
    outcome = attempt(
        lambda: childcare_door.check_in_group(session, children, by=current_user, now=now()),
        _checked_in,
    )
    return answer(outcome, **_at_door(session))


@bp.post("/sessions/<int:session_id>/check-out")
@role_required("teacher", "staff")
def check_out(session_id: int):
    session = roster_session_for(current_user, session_id, childcare=True)
    form = CheckOutForm()
    if not form.validate():
        message = _("Please choose who is collecting the child.")
        return answer(refused(message), **_at_door(session))
    (child,) = door_children_for(session, [form.person_id.data])
    outcome = attempt(
        lambda: pickup.check_out_or_refuse(
            child,
            session,
            pickup_person_id=form.pickup_person_id.data,
            code=form.code.data or "",
            by=current_user,
            now=now(),
        ),
        lambda tried: _(
            "%(child)s went home with %(name)s.", child=child.name, name=tried.pickup_name
        ),
        # Every try at the door stays in the log, a refused one too.
        keep=(NotAllowed,),
    )
    return answer(outcome, **_at_door(session))


@bp.post("/children/<int:child_id>/unlock")
@role_required("staff")
def lift_lock(child_id: int):
    """After too many wrong codes only staff, having checked who is there, let the
    codes be tried again."""
    child = person_for(current_user, child_id)
    here = url_for("door.who_is_here")
    form = LiftLockForm()
    if not form.validate():
        message = _("Please say why the lock is lifted.")
        return answer(refused(message), fragment=None, page=None, then=here)
    outcome = attempt(
        lambda: pickup.lift_pickup_lock(child, by=current_user, now=now(), reason=form.reason.data),
        _("%(child)s can be collected with a code again.", child=child.name),
    )
    return answer(outcome, fragment=None, page=None, then=here)


@bp.get("/here")
@role_required("teacher", "staff")
def who_is_here():
    moment = now()
    here = childcare_door.who_is_here(moment, current_user)
    seen([h.child for h in here if h.guardian_phones], AccessPage.HERE)
    refused_tries = childcare_door.refused_attempts(moment) if current_user.is_staff else []
    rooms: dict[str, list] = {}
    for entry in here:
        rooms.setdefault(entry.room, []).append(entry)
    return render_template(
        "door/here.html",
        rooms=rooms,
        late=[h for h in here if h.late],
        refused=refused_tries,
        locked=pickup.locked_children(refused_tries, moment),
        lift_form=LiftLockForm(),
        total=len(here),
    )
