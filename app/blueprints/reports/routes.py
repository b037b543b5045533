"""Service reports: the page, its charts, the workbook, CSV per table, the printout.

Staff and admin see the whole centre; a teacher sees the same report limited to
the classes they teach (`scope_for`). Every view reads the period from the query
(last month when it names none: `PeriodForm`) and shows the report of one service
call; nothing here writes. The page, its charts, its printout and its tables' CSV
show the same report, kept a few minutes by the worker (`_kept_report`, "count
again now" counts at once); the workbook and the ledger are counted when made. A
period that cannot be (a bad date, the last day before the first) answers 422.
"""

from __future__ import annotations

from flask import Response, abort, current_app, render_template, request
from flask_babel import gettext as _
from flask_login import current_user

from app.auth import role_required
from app.blueprints.reports import bp, charts
from app.blueprints.reports.forms import PeriodForm, quarter_choices
from app.blueprints.reports.labels import FIGURES, period_label
from app.blueprints.reports.tables import (
    BREAKDOWN_TABLES,
    TABLES,
    all_tables,
    csv_rows,
    figure_value,
    show,
    table,
)
from app.blueprints.reports.workbook import workbook
from app.csv_export import csv_response
from app.services.reports.base import scope_for
from app.services.reports.period import Period, last_month
from app.services.reports.report import KeptReports, Report, build_report
from app.timeutil import now

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@bp.before_request
@role_required("teacher", "staff")
def _staff_and_teachers():
    """Staff and admin see the centre's report, teachers their own classes'."""


def _chosen_period() -> tuple[PeriodForm, Period | None]:
    """The period the query names (last month when it names none), and its form
    (with the messages of a period that cannot be)."""
    form = PeriodForm(request.args)
    form.quarter.choices = quarter_choices(now())
    if "kind" not in request.args:  # the first look, or only ?lang=
        period = last_month(now())
    elif form.validate():
        period = form.period()
    else:
        period = None
    if period is not None:
        form.show(period, now())
    return form, period


def _period_or_422(chosen: tuple[PeriodForm, Period | None]) -> Period:
    """The chosen period (`_chosen_period()`), or 422 for a download or a chart."""
    _form, period = chosen
    if period is None:
        abort(422)
    return period


def _report(period: Period, **options) -> Report:
    return build_report(period, scope_for(current_user), now(), **options)


def _kept_report(period: Period) -> Report:
    """The page's report: kept a few minutes by this worker (`KeptReports`), counted
    now when asked (`?fresh=1`, the page's "count again")."""
    kept = current_app.extensions.get("kept_reports")
    if kept is None:
        kept = KeptReports(current_app.config["REPORT_KEEP_SECONDS"])
        current_app.extensions["kept_reports"] = kept
    fresh = request.args.get("fresh") == "1"
    return kept.report(period, scope_for(current_user), now(), fresh=fresh)


def centre_name() -> str:
    return current_app.config["CENTRE_NAME"] or _("Zhaoxi community centre")


def _page(template: str, form: PeriodForm, report: Report | None):
    """What the page and the printout show."""
    return render_template(
        template,
        form=form,
        report=report,
        tables={t.name: t for t in all_tables(report)} if report else {},
        breakdown_names=BREAKDOWN_TABLES,
        figure_groups=FIGURES,
        chart_names=charts.CHARTS,
        chart_title=charts.chart_title,
        chart_table=charts.CHART_TABLES,
        kept_seconds=current_app.config["REPORT_KEEP_SECONDS"],
        chart_summary=lambda name, t: charts.summary(name, t, report.breakdowns[t]),
        show=show,
        figure_value=lambda key: figure_value(report, key),
        period_label=period_label(report.period) if report else "",
        args=report.period.query_args() if report else {},
        centre=centre_name(),
        whole_centre=scope_for(current_user).whole_centre,
        table_names=list(TABLES),
    )


def _shown_in(template: str, chosen: tuple[PeriodForm, Period | None]):
    """The report of the chosen period (`_chosen_period()`) in `template`, or the page
    with the form's messages (422) when the period cannot be."""
    form, period = chosen
    if period is None:
        return _page("reports/index.html", form, None), 422
    return _page(template, form, _kept_report(period))


@bp.get("")
def index():
    return _shown_in("reports/index.html", _chosen_period())


@bp.get("/print")
def print_report():
    return _shown_in("reports/print.html", _chosen_period())


@bp.get("/chart/<any(months, categories, ages):name>.svg")
def chart(name: str):
    # The figures of the page beside it, not counted again (three charts a page).
    report = _kept_report(_period_or_422(_chosen_period()))
    table_name = charts.CHART_TABLES[name]
    lines = report.breakdowns[table_name]
    response = Response(charts.render(name, table_name, lines), mimetype="image/svg+xml")
    response.headers["Content-Security-Policy"] = charts.CSP
    return response


def _filename(period: Period, name: str, extension: str) -> str:
    return f"zhaoxi-report-{period.slug()}-{name}.{extension}"


@bp.get("/export.xlsx")
def export_xlsx():
    period = _period_or_422(_chosen_period())
    report = _report(period, with_ledger=True)
    heading = [f"{centre_name()} · {_('Service report')}", period_label(period)]
    return Response(
        workbook(all_tables(report), heading),
        mimetype=XLSX,
        headers={
            "Content-Disposition": f'attachment; filename="{_filename(period, "all", "xlsx")}"'
        },
    )


@bp.get(
    "/csv/<any(summary, category, activity, audience, age_civil, age_fine, tag, month,"
    " unmet, childcare, comments, ledger):name>.csv"
)
def export_csv(name: str):
    period = _period_or_422(_chosen_period())
    report = _report(period, with_ledger=True) if name == "ledger" else _kept_report(period)
    chosen = table(report, name)
    return csv_response(chosen.header, csv_rows(chosen), _filename(period, name, "csv"))
