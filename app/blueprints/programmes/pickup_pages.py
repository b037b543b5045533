"""The pickup list: adult guardians only, each change after "confirm it's you"."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from flask import abort, current_app, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from app.access_log import seen
from app.actions import Outcome, answer, attempt
from app.blueprints.programmes import bp
from app.blueprints.programmes.forms import ConfirmItsYouForm, PickupPersonForm
from app.forms import EmptyForm
from app.loaders import pickup_child_for, pickup_person_for
from app.models import Person, PickupPerson
from app.services.childcare import pickup_list as childcare_pickup_list
from app.services.people import reauth
from app.services.privacy.access import Page as AccessPage
from app.services.refusals import AlreadyListed, BadPickupDay, LoginLocked, LoginRefused, Refusal
from app.timeutil import local_date, now

REAUTH_KEY = "reauth_at"


def _confirm_page(child: Person, form: ConfirmItsYouForm, status: int):
    """Asks for the PIN or password; posts the same action again with the same
    fields plus the secret, so it works without JavaScript."""
    carried = [
        (key, value)
        for key, value in request.form.items(multi=True)
        if key not in ("csrf_token", "secret")
    ]
    # Like every page of a logged-in user, sent with Cache-Control: no-store
    # (app/__init__.py): a shared browser keeps none of it.
    return render_template(
        "programmes/confirm.html",
        child=child,
        form=form,
        carried=carried,
        action=request.path,
    ), status


def attempt_once_confirmed(
    child: Person, moment: datetime, action: Callable[[], Any], done_message: str = ""
):
    """`attempt(action, done_message)` once the user has confirmed it is them: just now (within
    REAUTH_MINUTES), or with this very request's `secret`, checked in the same
    attempt before the action runs. A wrong secret is refused and counted toward the
    login lock (`keep`), and nothing else is written. Returns the Outcome, or the
    confirm page to show instead."""
    settings = current_app.config
    if reauth.is_fresh(session.get(REAUTH_KEY), now=moment, settings=settings):
        return attempt(action, done_message)
    form = ConfirmItsYouForm()
    if "secret" not in request.form:
        return _confirm_page(child, form, 200)
    if not form.validate():
        return _confirm_page(child, form, 422)

    def confirm_then_act():
        reauth.confirm_secret(
            current_user,
            form.secret.data,
            now=moment,
            settings=settings,
            address=request.remote_addr,
        )
        return action()

    outcome = attempt(confirm_then_act, done_message, keep=(LoginRefused,))
    if isinstance(outcome.refusal, LoginRefused):
        locked = isinstance(outcome.refusal, LoginLocked)
        wrong = _("That is not your PIN or password. Please try again.")
        form.secret.errors.append(outcome.message if locked else wrong)
        return _confirm_page(child, form, outcome.status)
    session[REAUTH_KEY] = reauth.stamp(moment)
    return outcome


def _pickup_page(
    child: Person,
    form: PickupPersonForm | None = None,
    status: int = 200,
    issued: PickupPerson | None = None,
):
    """The list; after an add or a new code, that code, shown this once (never
    cached: the no-store of every logged-in page, app/__init__.py)."""
    moment = now()
    seen([child], AccessPage.PICKUP)
    return render_template(
        "programmes/pickup.html",
        child=child,
        people=childcare_pickup_list.pickup_page_list(child, moment),
        today=local_date(moment),
        form=form or PickupPersonForm(formdata=None),
        button_form=EmptyForm(),
        issued=issued,
        max_day=local_date(moment) + timedelta(days=childcare_pickup_list.ONE_DAY_AHEAD_DAYS),
    ), status


def _refused_on_form(child: Person, form: PickupPersonForm, refusal: Refusal | None):
    """The list again with the refusal by the field it is about; any other refusal
    answers 404, like a child whose list the user may not change."""
    fields = {BadPickupDay: form.valid_on, AlreadyListed: form.phone}
    field = fields.get(type(refusal))
    if field is None:
        abort(404)
    field.errors.append(str(refusal))
    return _pickup_page(child, form, refusal.http_status)


@bp.get("/children/<int:person_id>/pickup")
@login_required
def pickup_list(person_id: int):
    return _pickup_page(pickup_child_for(current_user, person_id, now()))


@bp.post("/children/<int:person_id>/pickup")
@login_required
def add_pickup(person_id: int):
    moment = now()
    child = pickup_child_for(current_user, person_id, moment)
    form = PickupPersonForm()
    if not form.validate():
        return _pickup_page(child, form, 422)
    typed = {"name": form.name.data, "phone": form.phone.data, "valid_on": form.valid_on.data}
    try:
        # Checked before the PIN is asked for. The code page is this POST's answer:
        # refreshing it must not add the same person again with a second working code.
        childcare_pickup_list.check_new_person(child, now=moment, **typed)
    except (BadPickupDay, AlreadyListed) as refusal:  # a read: nothing to roll back
        return _refused_on_form(child, form, refusal)
    outcome = attempt_once_confirmed(
        child,
        moment,
        lambda: childcare_pickup_list.add_pickup_person(
            child, relation=form.relation.data, by=current_user, now=moment, **typed
        ),
    )
    if not isinstance(outcome, Outcome):
        return outcome  # the confirm page
    if not outcome.ok:
        return _refused_on_form(child, form, outcome.refusal)
    # The code is in this page only: not in a flash message, a cookie or a redirect.
    return _pickup_page(child, issued=outcome.result)


def _change_listed_person(person: PickupPerson, change, done_message: str = ""):
    """Runs `change(person, by=, now=)` on a listed person once the user has just
    confirmed it is them: the Outcome, or the confirm page. A refusal answers 404,
    like a person not on the list."""
    if not EmptyForm().validate():
        abort(400)
    moment = now()
    outcome = attempt_once_confirmed(
        person.child, moment, lambda: change(person, by=current_user, now=moment), done_message
    )
    if isinstance(outcome, Outcome) and not outcome.ok:
        abort(404)
    return outcome


@bp.post("/pickup/<int:pickup_id>/new-code")
@login_required
def new_pickup_code(pickup_id: int):
    person = pickup_person_for(current_user, pickup_id, now())
    outcome = _change_listed_person(person, childcare_pickup_list.new_pickup_code)
    if not isinstance(outcome, Outcome):
        return outcome  # the confirm page
    return _pickup_page(person.child, issued=person)


@bp.post("/pickup/<int:pickup_id>/remove")
@login_required
def remove_pickup(pickup_id: int):
    person = pickup_person_for(current_user, pickup_id, now())
    child = person.child
    outcome = _change_listed_person(
        person,
        childcare_pickup_list.remove_pickup_person,
        _("%(name)s has been taken off the pickup list.", name=person.name),
    )
    if not isinstance(outcome, Outcome):
        return outcome  # the confirm page
    return answer(outcome, then=url_for("programmes.pickup_list", person_id=child.id))
