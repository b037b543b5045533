"""A report as tables with translated headings: the one arrangement the page, the
printout, the CSV downloads and the workbook all show, so that they agree.

A cell is a plain value (text, a number, a date or a time); each column has a
kind saying how to show it: "text", "count", "hours", "rate" (a fraction, shown
as a percentage), "date", "time". The summary's value column holds one kind per
row (`row_kinds`).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from babel.dates import format_skeleton
from flask_babel import get_locale
from flask_babel import gettext as _

from app.blueprints.reports.labels import (
    BREAKDOWN_TITLES,
    FIGURES,
    key_label,
    title_of,
)
from app.services.childcare.grades import SLOT_LABELS
from app.services.feedback.ratings import RATING_LABELS
from app.services.reports.breakdowns import Line
from app.services.reports.report import Report
from app.timeutil import to_local

# The tables, in the order the page, the workbook and the CSV links list them.
BREAKDOWN_TABLES = ("category", "activity", "audience", "age_civil", "age_fine", "tag", "month")
TABLES = ("summary", *BREAKDOWN_TABLES, "unmet", "childcare", "comments", "ledger")


@dataclass
class Table:
    name: str
    title: str
    header: list[str]
    kinds: list[str]
    rows: list[list] = field(default_factory=list)
    row_kinds: list[str] | None = None  # the summary: the value column's kind per row
    note: str = ""


def figure_value(report: Report, key: str):
    figures = report.figures
    if key in figures.ratings:
        return figures.ratings[key]
    return getattr(figures, key)


def summary_table(report: Report) -> Table:
    table = Table(
        "summary",
        _("Summary"),
        [_("Figure"), _("Value"), _("What it counts")],
        ["text", "count", "text"],
        row_kinds=[],
    )
    for rows in FIGURES.values():
        for key, label, kind, hint in rows:
            table.rows.append([str(label), figure_value(report, key), str(hint)])
            table.row_kinds.append(kind)
    return table


def breakdown_table(name: str, lines: list[Line]) -> Table:
    title, column = BREAKDOWN_TITLES[name]
    return Table(
        name,
        str(title),
        [str(column), _("Visits (服务人次)"), _("People (服务人数)")],
        ["text", "count", "count"],
        [[key_label(name, line), line.visits, line.people] for line in lines],
        note=_(
            "A person counts once in each row they appear in, so the rows' people can add up to more than the total."
        ),
    )


def unmet_table(report: Report) -> Table:
    return Table(
        "unmet",
        _("Unmet demand"),
        [
            _("Class"),
            _("Seats per session"),
            _("People who waited in vain"),
            _("Extra sessions needed"),
        ],
        ["text", "count", "count", "count"],
        [
            [title_of(u.title, u.title_en), u.capacity, u.people, u.extra_sessions]
            for u in report.unmet
        ],
        note=_(
            "People on a waiting list who never got a seat; one more session (or class, for a term) of the same size seats every group of that many."
        ),
    )


def childcare_table(report: Report) -> Table:
    return Table(
        "childcare",
        _("Childcare days"),
        [_("Programme"), _("Slot"), _("Child-days")],
        ["text", "text", "count"],
        [
            [title_of(d.title, d.title_en), str(SLOT_LABELS.get(d.kind, d.kind)), d.days]
            for d in report.child_days
        ],
    )


def comments_table(report: Report) -> Table:
    named = report.scope.whole_centre
    header = [_("Date"), _("Class"), _("Rating"), _("Remark")] + ([_("Who")] if named else [])
    rows = []
    for c in report.comments:
        row = [
            to_local(c.starts_at).date(),
            title_of(c.title, c.title_en),
            str(RATING_LABELS.get(c.value, c.value)),
            c.comment,
        ]
        rows.append(row + ([c.name] if named else []))
    return Table(
        "comments",
        _("Remarks with ratings"),
        header,
        ["date", "text", "text", "text", "text"][: len(header)],
        rows,
    )


def ledger_table(report: Report) -> Table:
    rows = []
    for line in report.ledger or []:
        starts, ends = to_local(line.starts_at), to_local(line.ends_at)
        rows.append(
            [
                starts.date(),
                starts.time().replace(tzinfo=None),
                ends.time().replace(tzinfo=None),
                title_of(line.title, line.title_en),
                line.teacher or "",
                line.room or "",
                line.booked,
                line.present,
                line.late,
                line.absent,
                line.excused,
                line.walk_ins,
            ]
        )
    return Table(
        "ledger",
        _("Ledger of sessions (台账)"),
        [
            _("Date"),
            _("Starts"),
            _("Ends"),
            _("Class"),
            _("Teacher"),
            _("Room"),
            _("Booked"),
            _("Present"),
            _("Late"),
            _("Absent"),
            _("Excused"),
            _("Walk-ins"),
        ],
        ["date", "time", "time", "text", "text", "text"] + ["count"] * 6,
        rows,
    )


def table(report: Report, name: str) -> Table:
    """One table of the report by name (TABLES)."""
    if name == "summary":
        return summary_table(report)
    if name in BREAKDOWN_TABLES:
        return breakdown_table(name, report.breakdowns[name])
    return {
        "unmet": unmet_table,
        "childcare": childcare_table,
        "comments": comments_table,
        "ledger": ledger_table,
    }[name](report)


def all_tables(report: Report) -> list[Table]:
    """Every table; the ledger only when the report has one."""
    return [table(report, name) for name in TABLES if name != "ledger" or report.ledger is not None]


def show(value, kind: str) -> str:
    """A cell as the page and the printout show it."""
    if value is None:
        return "—"
    if kind == "rate":
        return f"{value * 100:.1f}%"
    if kind == "hours":
        return f"{value:g}"
    if kind == "date":
        return format_skeleton("yMMMd", value, locale=get_locale())
    if kind == "time":
        return value.strftime("%H:%M")
    return str(value)


def _csv_cell(value, kind: str):
    """A cell for CSV: numbers as they are, rates as percentages, dates in ISO."""
    if value is None:
        return ""
    if kind == "rate":
        return f"{value * 100:.1f}%"
    if kind == "date":
        return value.isoformat()
    if kind == "time":
        return value.strftime("%H:%M")
    return value


def csv_rows(table: Table) -> list[list]:
    rows = []
    for index, row in enumerate(table.rows):
        kinds = list(table.kinds)
        if table.row_kinds is not None:
            kinds[1] = table.row_kinds[index]
        rows.append([_csv_cell(cell, kind) for cell, kind in zip(row, kinds, strict=False)])
    return rows
