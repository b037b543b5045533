"""The desk's privacy page (issue 14): whom the next retention run would anonymise,
people held out of it (with the reason), and households' deletion requests, each
confirmed on a page of its own before it runs.

Staff only (routes.py); households and requests by id alone, the role authorising."""

from __future__ import annotations

from flask import abort, current_app, render_template, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user

from app.actions import answer, attempt
from app.blueprints.staff import bp
from app.blueprints.staff.pages import invalid, on_page
from app.blueprints.staff.privacy_forms import DeclineForm, DeskRequestForm, HoldForm
from app.extensions import db
from app.forms import EmptyForm
from app.loaders import person_for
from app.models import DeletionRequest, DeletionStatus, Household
from app.services.privacy import holds, requests
from app.services.privacy.preview import (
    compute_preview_aside,
    preview_inactive_since,
    stored_preview,
)
from app.timeutil import now

# The preview lists this many; the count says how many there are in all.
PREVIEW_LIMIT = 200


def privacy_page(_outcome=None, **forms) -> str:
    """Reads the stored preview (preview.py): computing it is the daily job's, or
    the "compute again" button's, never a view's."""
    settings, preview = current_app.config, stored_preview(PREVIEW_LIMIT)
    return render_template(
        "staff/privacy.html",
        preview=preview,
        inactive_since=preview_inactive_since(preview, now(), settings),
        holds=holds.holds(),
        waiting=requests.waiting_requests(),
        settings=settings,
        hold_form=forms.get("hold_form") or HoldForm(formdata=None),
        form=EmptyForm(),
    )


OVERVIEW = "staff.privacy_overview"


@bp.get("/privacy")
def privacy_overview():
    return privacy_page()


@bp.post("/privacy/preview")
def recompute_preview():
    """Staff compute the preview again now (after holds, or on a fresh install).
    Not audited: it reads the records and changes none of them."""
    if not EmptyForm().validate():
        abort(422)
    outcome = attempt(
        lambda: compute_preview_aside(now(), current_app.config),
        lambda count: ngettext(
            "Computed again: the next run would anonymise %(num)d person.",
            "Computed again: the next run would anonymise %(num)d people.",
            count,
        ),
    )
    return answer(outcome, **on_page(privacy_page, url_for(OVERVIEW)))


@bp.post("/privacy/holds")
def hold_person():
    form = HoldForm()
    if not form.validate():
        return invalid(lambda _o: privacy_page(hold_form=form))
    person = person_for(current_user, form.person_id.data)
    outcome = attempt(
        lambda: holds.hold(person, form.reason.data, by=current_user, now=now()),
        _("%(name)s's record will be kept.", name=person.name),
    )
    return answer(outcome, **on_page(privacy_page, url_for(OVERVIEW)))


@bp.post("/privacy/holds/<int:person_id>/release")
def release_hold(person_id: int):
    person = person_for(current_user, person_id)
    if not EmptyForm().validate():
        abort(422)
    outcome = attempt(
        lambda: holds.release(person, by=current_user, now=now()),
        _("%(name)s is no longer held.", name=person.name),
    )
    return answer(outcome, **on_page(privacy_page, url_for(OVERVIEW)))


@bp.post("/privacy/requests")
def record_desk_request():
    """A guardian standing at the desk asks: staff record it; confirming is a
    second step, on the request's own page."""
    form = DeskRequestForm()
    if not form.validate():
        return invalid(privacy_page)
    household = db.get_or_404(Household, form.household_id.data)
    outcome = attempt(
        lambda: requests.request_deletion(household, by=current_user, now=now()),
        _("The request is recorded. Please check it, then confirm it."),
    )
    then = lambda o: url_for("staff.show_deletion_request", request_id=o.result.id)  # noqa: E731
    return answer(outcome, **on_page(privacy_page, then))


def request_page(request: DeletionRequest, _outcome=None, **forms) -> str:
    return render_template(
        "staff/privacy_request.html",
        request=request,
        household=request.household,
        bookings_ahead=requests.bookings_ahead(request.household_id, now()),
        pending=request.status == DeletionStatus.PENDING,
        decline_form=forms.get("decline_form") or DeclineForm(formdata=None),
        form=EmptyForm(),
    )


@bp.get("/privacy/requests/<int:request_id>")
def show_deletion_request(request_id: int):
    return request_page(db.get_or_404(DeletionRequest, request_id))


@bp.post("/privacy/requests/<int:request_id>/confirm")
def confirm_deletion(request_id: int):
    request = db.get_or_404(DeletionRequest, request_id)
    if not EmptyForm().validate():
        abort(422)
    outcome = attempt(
        lambda: requests.confirm_deletion(request, by=current_user, now=now()),
        lambda done: _("Done: %(num)d people's records were anonymised.", num=done),
    )
    page = lambda o: request_page(request)  # noqa: E731
    return answer(outcome, **on_page(page, url_for(OVERVIEW)))


@bp.post("/privacy/requests/<int:request_id>/decline")
def decline_deletion(request_id: int):
    request = db.get_or_404(DeletionRequest, request_id)
    form = DeclineForm()
    page = lambda o: request_page(request, decline_form=form)  # noqa: E731
    if not form.validate():
        return invalid(page)
    outcome = attempt(
        lambda: requests.decline_request(request, form.reason.data, by=current_user, now=now()),
        _("The request is closed; nothing was deleted."),
    )
    return answer(outcome, **on_page(page, url_for(OVERVIEW)))
