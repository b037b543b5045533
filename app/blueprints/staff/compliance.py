"""Children's privacy at the desk: a guardian's consents recorded on a child's
page, adding a child, who saw children's data (access records), recorded breaches
and the yearly compliance workbook. Staff only (routes.py's before_request)."""

from __future__ import annotations

import io

from flask import Response, abort, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from openpyxl import Workbook

from app.actions import answer, attempt
from app.blueprints.staff import bp
from app.blueprints.staff.consent_panel import household_adults
from app.blueprints.staff.pages import invalid, on_page
from app.blueprints.staff.people import on_person, person_again
from app.blueprints.staff.privacy_forms import (
    CONSENT_LABELS,
    AccessFilterForm,
    BreachForm,
    ChildForm,
    ConsentForm,
    WithdrawConsentForm,
    YearForm,
    guardian_choices,
)
from app.csv_export import safe_cell
from app.extensions import db
from app.inputs import page_number
from app.loaders import person_for
from app.models import ConsentChannel, Household, Person
from app.services.privacy import access, compliance, consent
from app.services.privacy.children import add_child
from app.timeutil import local_date, now

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
ACCESS_FILTERS = ("child", "viewer", "since", "until")


def _guardian(form) -> Person | None:
    return db.session.get(Person, form.guardian.data) if form.guardian.data else None


@bp.post("/people/<int:person_id>/consent")
def give_consent(person_id: int):
    person = person_for(current_user, person_id)
    form = ConsentForm()
    form.guardian.choices = guardian_choices(household_adults(person))
    if not form.validate():
        return invalid(person_again(person, consent_form=form))
    outcome = attempt(
        lambda: consent.give_consent(
            person,
            form.consents.data,
            guardian=_guardian(form),
            by=current_user,
            channel=ConsentChannel.DESK,
            now=now(),
        ),
        _("The consent is recorded."),
    )
    return answer(outcome, **on_person(person))


@bp.post("/people/<int:person_id>/consent/withdraw")
def withdraw_consent(person_id: int):
    person = person_for(current_user, person_id)
    form = WithdrawConsentForm()
    form.guardian.choices = guardian_choices(household_adults(person))
    if not form.validate():
        return invalid(person_again(person, withdraw_form=form))
    outcome = attempt(
        lambda: consent.withdraw_consent(
            person,
            form.kind.data,
            guardian=_guardian(form),
            by=current_user,
            channel=ConsentChannel.DESK,
            now=now(),
        ),
        _("The consent is withdrawn."),
    )
    return answer(outcome, **on_person(person))


@bp.post("/households/<int:household_id>/children")
def add_household_child(household_id: int):
    household = db.get_or_404(Household, household_id)
    if not household.members:
        abort(404)
    anchor = household.members[0]
    form = ChildForm()
    day = local_date(now())
    form.agreed_by.choices = guardian_choices([m for m in household.members if m.is_adult_on(day)])
    page = person_again(anchor, child_form=form)
    if not form.validate():
        return invalid(page)
    outcome = attempt(
        lambda: add_child(
            household,
            form.name.data.strip(),
            birth_date=form.birth_date.data,
            by=current_user,
            now=now(),
            care_notes=form.care_notes.data or None,
            guardian=db.session.get(Person, form.agreed_by.data) if form.agreed_by.data else None,
            consents=form.agreed_to.data or [],
        ),
        lambda child: _("%(name)s is added to the household.", name=child.name),
    )
    return answer(
        outcome, **on_page(page, lambda o: url_for("staff.show_person", person_id=o.result.id))
    )


@bp.get("/privacy/access")
def access_records():
    form = AccessFilterForm(request.args)
    form.fill_choices(access.recorded_children(), access.recorded_viewers())
    valid = form.validate()
    filters = access.AccessFilter()
    if valid:
        filters = access.filter_by_days(
            person_id=form.child.data,
            viewer_id=form.viewer.data,
            since=form.since.data,
            until=form.until.data,
        )
    records = access.access_records(filters, page=page_number(request.args.get("page")))
    args = {n: request.args[n] for n in ACCESS_FILTERS if valid and request.args.get(n)}
    page = render_template(
        "staff/access_records.html",
        form=form,
        records=records,
        args=args,
        page_labels=access.PAGE_LABELS,
        role_labels=access.ROLE_LABELS,
    )
    return page, 200 if valid else 422


@bp.route("/privacy/breaches", methods=["GET", "POST"])
def breaches():
    form = BreachForm() if request.method == "POST" else BreachForm(formdata=None)

    def page(_outcome=None):
        return render_template(
            "staff/breaches.html",
            form=form,
            breaches=compliance.recent_breaches(),
            year_form=YearForm(formdata=None, year=local_date(now()).year),
        )

    if request.method == "GET":
        return page()
    if not form.validate():
        return invalid(page)
    outcome = attempt(
        lambda: compliance.record_breach(
            form.happened_on.data,
            form.what.data.strip(),
            form.who_was_told.data.strip(),
            by=current_user,
            now=now(),
        ),
        _("The breach is recorded."),
    )
    return answer(outcome, **on_page(page, url_for("staff.breaches")))


@bp.get("/privacy/annual.xlsx")
def annual_export():
    form = YearForm(request.args)
    if not form.validate():
        abort(422)
    figures = compliance.year_figures(form.year.data)
    return Response(
        annual_workbook(figures),
        mimetype=XLSX,
        headers={"Content-Disposition": f'attachment; filename="privacy-{figures.year}.xlsx"'},
    )


ROLE_LABELS = {"teacher": _l("Teachers"), "staff": _l("Staff"), "admin": _l("Administrators")}


def annual_workbook(figures: compliance.YearFigures) -> bytes:
    """The yearly compliance figures as a workbook: one summary sheet, one of breaches."""
    book = Workbook()
    sheet = book.active
    sheet.title = _("Summary")[:31]
    rows = [
        (_("Year"), figures.year),
        (_("Children's records"), figures.children),
    ]
    for kind, label in CONSENT_LABELS.items():
        rows.append(
            (_("Consents given: %(kind)s", kind=label), figures.consents_given.get(kind, 0))
        )
        rows.append(
            (_("Consents withdrawn: %(kind)s", kind=label), figures.consents_withdrawn.get(kind, 0))
        )
    for role, n in sorted(figures.access_by_role.items()):
        rows.append((_("Access records: %(role)s", role=ROLE_LABELS.get(role, role)), n))
    rows.append((_("Deletions on request"), figures.deletions["privacy.delete_request"]))
    rows.append((_("Anonymisations"), figures.deletions["privacy.anonymise"]))
    rows.append((_("Breaches recorded"), len(figures.breaches)))
    for row in rows:
        sheet.append([str(row[0]), row[1]])
    sheet.column_dimensions["A"].width = 48
    breaches = book.create_sheet(_("Breaches")[:31])
    breaches.append([_("When it happened"), _("What happened"), _("Who was told")])
    for b in figures.breaches:
        # Typed by staff: a cell starting "=" must not run as a formula.
        breaches.append([b.happened_on, safe_cell(b.what), safe_cell(b.who_was_told)])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
