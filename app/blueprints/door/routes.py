"""At the door: teachers (and staff) check children in, one by one or the whole
group back from the school gate, and let them go only with a listed person's code.
Staff and teachers see who is here now and who is late to be collected."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from app.auth import role_required
from app.blueprints.door import bp
from app.blueprints.door.forms import CheckInForm, CheckOutForm, LiftLockForm
from app.extensions import db, htmx
from app.models import Person, Session
from app.services.attendance.roster import may_take_roster
from app.services.childcare import door as childcare_door
from app.services.childcare import pickup, programmes
from app.services.refusals import Refusal
from app.timeutil import now


def get_door_session(session_id: int) -> Session:
    """A programme slot the current user may run at the door: staff any, a teacher
    only the programmes they teach (children's details stay with their teachers)."""
    session = db.session.get(Session, session_id)
    if session is None or programmes.programme_of(session) is None:
        abort(404)
    if not may_take_roster(current_user, session):
        abort(403)
    return session


def _roster_context(session: Session, message=None, kind="info", results=None) -> dict:
    return {
        "session": session,
        "rows": childcare_door.door_roster(session, current_user, now()),
        "message": message,
        "message_kind": kind,
        "results": results or [],
        "check_in_form": CheckInForm(formdata=None),
        "check_out_form": CheckOutForm(formdata=None),
    }


def _roster_response(session: Session, status: int = 200, **extra):
    context = _roster_context(session, **extra)
    if htmx:
        return render_template("door/_roster.html", **context), status
    if status >= 400:
        return render_template("door/session.html", **context), status
    if extra.get("message"):
        flash(extra["message"], extra.get("kind", "info"))
    return redirect(url_for("door.show_session", session_id=session.id), 303)


def _children_of(session: Session, ids) -> list[Person]:
    """The children named in a door form, all of them on this slot's roster, else
    404 before anything is read or written: another household's child, a staff
    member or a missing id all answer alike, with no name."""
    children = childcare_door.roster_children(session, ids)
    if children is None:
        abort(404)
    return children


@bp.get("/")
@role_required("teacher", "staff")
def index():
    return render_template(
        "door/index.html", sessions=childcare_door.today_sessions(now(), current_user)
    )


@bp.get("/sessions/<int:session_id>")
@role_required("teacher", "staff")
def show_session(session_id: int):
    session = get_door_session(session_id)
    return render_template("door/session.html", **_roster_context(session))


@bp.post("/sessions/<int:session_id>/check-in")
@role_required("teacher", "staff")
def check_in(session_id: int):
    session = get_door_session(session_id)
    form = CheckInForm()
    if not form.validate():
        return _roster_response(
            session, 422, message=_("Please tick the children who are here."), kind="error"
        )
    children = _children_of(session, form.person_id.data)
    results = childcare_door.batch_check_in(session, children, by=current_user, now=now())
    db.session.commit()
    done = sum(1 for r in results if r.ok)
    refused = [r for r in results if not r.ok]
    if not done:
        return _roster_response(
            session, 409, message=refused[0].message, kind="error", results=results
        )
    message = _("%(num)s checked in.", num=done)
    if refused:
        message += " " + " ".join(f"{r.child.name}: {r.message}" for r in refused)
    return _roster_response(session, message=message, kind="success", results=results)


@bp.post("/sessions/<int:session_id>/check-out")
@role_required("teacher", "staff")
def check_out(session_id: int):
    session = get_door_session(session_id)
    form = CheckOutForm()
    if not form.validate():
        return _roster_response(
            session, 422, message=_("Please choose who is collecting the child."), kind="error"
        )
    (child,) = _children_of(session, [form.person_id.data])
    try:
        attempt = pickup.check_out(
            child,
            session,
            pickup_person_id=form.pickup_person_id.data,
            code=form.code.data or "",
            by=current_user,
            now=now(),
        )
    except Refusal as refusal:
        db.session.rollback()
        return _roster_response(session, refusal.http_status, message=str(refusal), kind="error")
    # Committed also when refused: every attempt at the door stays in the log.
    db.session.commit()
    if not attempt.ok:
        return _roster_response(session, 403, message=pickup.refusal_message(attempt), kind="error")
    return _roster_response(
        session,
        message=_(
            "%(child)s went home with %(name)s.",
            child=child.name,
            name=attempt.pickup_name,
        ),
        kind="success",
    )


@bp.post("/children/<int:child_id>/unlock")
@role_required("staff")
def lift_lock(child_id: int):
    """After too many wrong codes only staff, having checked who is there, let the
    codes be tried again."""
    child = db.get_or_404(Person, child_id)
    form = LiftLockForm()
    if not form.validate():
        flash(_("Please say why the lock is lifted."), "error")
        return redirect(url_for("door.who_is_here"), 303)
    pickup.lift_pickup_lock(child, by=current_user, now=now(), reason=form.reason.data)
    db.session.commit()
    flash(_("%(child)s can be collected with a code again.", child=child.name), "success")
    return redirect(url_for("door.who_is_here"), 303)


@bp.get("/here")
@role_required("teacher", "staff")
def who_is_here():
    moment = now()
    here = childcare_door.who_is_here(moment, current_user)
    refused = childcare_door.refused_attempts(moment) if current_user.is_staff else []
    rooms: dict[str, list] = {}
    for entry in here:
        rooms.setdefault(entry.room, []).append(entry)
    return render_template(
        "door/here.html",
        rooms=rooms,
        late=[h for h in here if h.late],
        refused=refused,
        locked=pickup.locked_children(refused, moment),
        lift_form=LiftLockForm(),
        total=len(here),
    )
