"""A household's side of children's privacy: a guardian gives or withdraws consent
for a child under 14 (on "My family"), and sees who looked at their children's
data (/me/privacy)."""

from __future__ import annotations

from flask import render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from app.actions import answer, attempt, refused
from app.blueprints.account import bp
from app.blueprints.account.forms import GuardianConsentForm, GuardianWithdrawForm
from app.inputs import page_number
from app.loaders import consent_child_for
from app.models import ConsentChannel
from app.services.privacy import access, consent
from app.timeutil import local_date, now


def consent_panel(user) -> dict:
    """What "My family" shows of consents: each child under 14 with the consents in
    force, and the forms, when the user is an adult of the household (a guardian)."""
    moment = now()
    guardian = user.person.is_adult_on(local_date(moment))
    children = consent.children_needing_consent(user.household_id, moment) if guardian else []
    return {
        "consents": list(consent.consent_status(children).values()),
        "consent_form": GuardianConsentForm(formdata=None),
        "withdraw_form": GuardianWithdrawForm(formdata=None),
    }


def _back() -> str:
    return url_for("account.household")


def _invalid(message: str):
    """A form with nothing ticked (or a choice that is not offered): "My family"
    again with the message, nothing written."""
    return answer(refused(message, 422), fragment=None, page=None, then=_back())


@bp.post("/children/<int:person_id>/consent")
@login_required
def give_consent(person_id: int):
    child = consent_child_for(current_user, person_id, now())
    form = GuardianConsentForm()
    if not form.validate():
        return _invalid(_("Please tick what you agree to."))
    outcome = attempt(
        lambda: consent.give_consent(
            child,
            form.consents.data,
            guardian=current_user.person,
            by=current_user,
            channel=ConsentChannel.ONLINE,
            now=now(),
        ),
        _("Thank you: your agreement for %(name)s is recorded.", name=child.name),
    )
    return answer(outcome, fragment=None, page=None, then=_back())


@bp.post("/children/<int:person_id>/consent/withdraw")
@login_required
def withdraw_consent(person_id: int):
    child = consent_child_for(current_user, person_id, now())
    form = GuardianWithdrawForm()
    if not form.validate():
        return _invalid(_("Please choose what to withdraw."))
    outcome = attempt(
        lambda: consent.withdraw_consent(
            child,
            form.kind.data,
            guardian=current_user.person,
            by=current_user,
            channel=ConsentChannel.ONLINE,
            now=now(),
        ),
        _("Your agreement is withdrawn."),
    )
    return answer(outcome, fragment=None, page=None, then=_back())


@bp.get("/privacy")
@login_required
def privacy():
    records = access.access_records(
        access.AccessFilter(household_id=current_user.household_id),
        page=page_number(request.args.get("page")),
    )
    return render_template(
        "account/privacy.html",
        records=records,
        page_labels=access.PAGE_LABELS,
        role_labels=access.ROLE_LABELS,
    )
