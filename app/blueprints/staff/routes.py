"""The staff desk: classes and schedules, seats and waitlists, residents and
booking on their behalf (代办), the offer call list and the audit log.

The views live in one module per part of the desk; importing them here registers
them on `bp` (the factory imports this module, app/__init__.py):

- activities.py: classes, seats, one session;
- schedule.py: generating a class's sessions, with the holidays proposed; the
  year's holiday calendar;
- birthdays.py: the month's birthdays and the party's invitations;
- people.py: residents, households, a person's page, links (代办);
- privacy.py: the retention preview, holds, deletion requests (issue 14);
- bookings.py: booking for someone, waitlist rows, cancel and leave on behalf, the
  offer call list;
- messages.py: messages the outbox could not send, sent again;
- compliance.py: children's privacy (consents, adding a child, access records,
  breaches, the yearly workbook);
- this module: the desk's front page and the audit log.

Every action: load (404) → validate (422) → `attempt` → `answer` (app/actions.py);
pages.py holds what they share.
"""

from __future__ import annotations

from flask import render_template, request

from app import audit_texts
from app.auth import role_required

# Importing the desk's view modules registers their views on `bp`.
from app.blueprints.staff import (  # noqa: F401
    activities,
    birthdays,
    bookings,
    bp,
    compliance,
    messages,
    people,
    privacy,
    schedule,
)
from app.blueprints.staff.forms import AuditFilterForm, SearchForm
from app.inputs import parse_id
from app.services import audit as services_audit
from app.services.booking import offers
from app.services.messaging.help_requests import open_help_requests
from app.services.people.login import locked_accounts

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
    """The audit log as sentences, newest first, a page at a time (`?before=`)."""
    form = AuditFilterForm(request.args)
    # The actions the log can hold, from the code, not a scan of the whole log.
    form.fill_choices(audit_texts.known_actions(), services_audit.staff_users())
    valid = form.validate()
    filters = services_audit.AuditFilter()
    if valid:
        filters = services_audit.filter_by_days(
            action=form.action.data or None,
            actor_id=form.actor.data,
            since=form.since.data,
            until=form.until.data,
        )
    page = services_audit.audit_page(filters, before=parse_id(request.args.get("before")))
    # The page links repeat the filters, and nothing else the query carried.
    args = {name: request.args[name] for name in AUDIT_FILTERS if valid and request.args.get(name)}
    html = render_template(
        "staff/audit.html",
        form=form,
        page=page,
        args=args,
        newest=bool(request.args.get("before")),
        sentence=audit_texts.sentence,
        changes=audit_texts.changes,
    )
    return html, 200 if valid else 422
