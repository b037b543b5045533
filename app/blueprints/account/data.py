"""My household's data (issue 14): a copy of everything the centre holds about the
household, and asking for it to be deleted (staff confirm it at the desk).

Residents only: a teacher's or staff account has no household copy here, and a kiosk
login never reaches these pages (app/sessions.py confines it to the kiosk)."""

from __future__ import annotations

from flask import abort, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from app.actions import answer, answer_invalid, attempt
from app.auth import role_required
from app.blueprints.account import bp
from app.blueprints.account.forms import DeletionRequestForm
from app.forms import EmptyForm
from app.services.privacy import requests
from app.services.privacy.household_copy import household_zip
from app.timeutil import now


def _data_page(_outcome=None, form: DeletionRequestForm | None = None) -> str:
    household = current_user.person.household
    return render_template(
        "account/data.html",
        waiting=requests.pending_request(household.id),
        may_ask=requests.may_request(current_user, household, now()),
        form=form or DeletionRequestForm(formdata=None),
        withdraw_form=EmptyForm(),
    )


@bp.get("/data")
@role_required("resident")
def my_data():
    return _data_page()


@bp.get("/data/download")
@role_required("resident")
def download_data():
    name, payload = household_zip(current_user.person.household, now())
    return (
        payload,
        200,
        {
            "Content-Type": "application/zip",
            "Content-Disposition": f'attachment; filename="{name}"',
        },
    )


@bp.post("/data/delete")
@role_required("resident")
def ask_deletion():
    form = DeletionRequestForm()
    if not form.validate():
        message = _("Please tick the box to say you understand.")
        page = lambda _o: _data_page(form=form)  # noqa: E731
        return answer_invalid(message, fragment=page, page=page)
    household = current_user.person.household
    outcome = attempt(
        lambda: requests.request_deletion(household, by=current_user, now=now()),
        _("Thank you. Please come to the front desk: staff will check and confirm it with you."),
    )
    return answer(outcome, page=_data_page, then=url_for("account.my_data"))


@bp.post("/data/delete/withdraw")
@role_required("resident")
def withdraw_deletion():
    if not EmptyForm().validate():
        abort(422)
    waiting = requests.pending_request(current_user.person.household_id)
    if waiting is None:
        abort(404)
    outcome = attempt(
        lambda: requests.withdraw_request(waiting, by=current_user, now=now()),
        _("Your request is taken back. Nothing was deleted."),
    )
    return answer(outcome, page=_data_page, then=url_for("account.my_data"))
