"""The kiosk's calls for staff, as the front desk sees them: the list (also on the
desk's front page, polled by htmx) and "helped". Staff only, and never at the kiosk
itself (app/sessions.py KIOSK_STAFF_ENDPOINTS ends a kiosk login that asks)."""

from __future__ import annotations

from flask import abort, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from app.actions import Outcome, answer, attempt
from app.auth import role_required
from app.blueprints.kiosk import bp
from app.extensions import htmx
from app.forms import EmptyForm
from app.loaders import row_or_404
from app.models import HelpRequest
from app.redirects import safe_next
from app.services.messaging import help_requests as messaging_help_requests
from app.timeutil import now


def _calls(outcome: Outcome | None = None) -> str:
    return render_template(
        "kiosk/_help_requests.html",
        requests=messaging_help_requests.open_help_requests(),
        message=outcome.message if outcome else None,
        message_kind=outcome.kind if outcome else None,
    )


@bp.get("/help-requests")
@role_required("staff")
def list_help_requests():
    if htmx:
        return _calls()
    return render_template(
        "kiosk/help_requests.html", requests=messaging_help_requests.open_help_requests()
    )


@bp.post("/help-requests/<int:request_id>/done")
@role_required("staff")
def resolve_help_request(request_id: int):
    help_request = row_or_404(HelpRequest, request_id)
    if not EmptyForm().validate():
        abort(400)
    outcome = attempt(
        lambda: messaging_help_requests.resolve_help(help_request, by=current_user, now=now()),
        _("Marked as helped."),
    )
    # Someone else answered it meanwhile: news, not an error. Back to the page the
    # button was on: the desk's front page, or the calls' own page.
    back = safe_next(request.referrer, under="/staff") or url_for("kiosk.list_help_requests")
    return answer(outcome if outcome.ok else outcome.told_as("info"), fragment=_calls, then=back)
