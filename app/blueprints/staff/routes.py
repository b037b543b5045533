"""The staff desk: classes and schedules, seats and waitlists, residents and
booking on their behalf (代办), the offer call list and the audit log.

The views live in one module per part of the desk; importing them here registers
them on `bp` (the factory imports this module, app/__init__.py):

- activities.py: classes, schedules, seats, one session;
- people.py: residents, households, a person's page, links (代办);
- bookings.py: booking for someone, waitlist rows, cancel and leave on behalf, the
  offer call list;
- this module: the desk's front page and the audit log.

Every action: load (404) → validate (422) → `attempt` → `answer` (app/actions.py);
pages.py holds what they share.
"""

from __future__ import annotations

from flask import render_template, request

from app.auth import role_required

# Importing the desk's view modules registers their views on `bp`.
from app.blueprints.staff import activities, bookings, bp, people  # noqa: F401
from app.blueprints.staff.forms import AuditFilterForm, SearchForm
from app.inputs import page_number
from app.services import audit as services_audit
from app.services.booking import offers
from app.services.messaging.help_requests import open_help_requests
from app.services.people.login import locked_accounts
from app.timeutil import local_date

AUDIT_FILTERS = ("action", "actor", "since", "until")


@bp.before_request
@role_required("staff")
def _staff_only():
    """Every desk page is for staff and admin only."""


@bp.get("/")
def index():
    return render_template(
        "staff/index.html",
        search=SearchForm(formdata=None),
        open_calls=len(offers.open_offer_calls()) + len(locked_accounts()),
        # Someone pressed 呼叫工作人员 at the kiosk: the desk sees it here, polled.
        requests=open_help_requests(),
    )


@bp.get("/audit")
def audit_log():
    form = AuditFilterForm(request.args)
    form.fill_choices(services_audit.audit_actions(), services_audit.staff_users())
    valid = form.validate()
    filters = services_audit.AuditFilter()
    if valid:
        filters = services_audit.filter_by_days(
            action=form.action.data or None,
            actor_id=form.actor.data,
            since=form.since.data,
            until=form.until.data,
        )
    entries = services_audit.audit_entries(filters, page=page_number(request.args.get("page")))
    # The page links repeat the filters, and nothing else the query carried.
    args = {name: request.args[name] for name in AUDIT_FILTERS if valid and request.args.get(name)}
    page = render_template(
        "staff/audit.html", form=form, entries=entries, args=args, local_date=local_date
    )
    return page, 200 if valid else 422
