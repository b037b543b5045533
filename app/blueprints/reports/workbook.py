"""The report as an Excel workbook (openpyxl): a summary sheet, one sheet per table
(breakdowns, unmet demand, childcare days, remarks) and the 台账 of every session.

Cells hold real values: numbers as numbers, dates as dates and times as times,
rates as fractions shown as percentages, so the district's own spreadsheet can add
them up. Each sheet's header row is frozen and its columns are as wide as their
contents.
"""

from __future__ import annotations

import io
import re
import unicodedata

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from app.blueprints.reports.tables import Table

# Counts need none: a whole number is shown as one.
FORMATS = {"rate": "0.0%", "hours": "0.0", "date": "yyyy-mm-dd", "time": "hh:mm"}
# Characters a sheet name may not hold, and its length limit.
SHEET_FORBIDDEN = re.compile(r"[\[\]:*?/\\]")
SHEET_LENGTH = 31


def _width(value) -> int:
    """How many columns a value needs: Chinese characters take two."""
    text = value if isinstance(value, str) else str(value)
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def _sheet_name(title: str, taken: set[str]) -> str:
    name = SHEET_FORBIDDEN.sub(" ", title)[:SHEET_LENGTH].strip() or "sheet"
    base, n = name, 2
    while name in taken:
        suffix = f" {n}"
        name = base[: SHEET_LENGTH - len(suffix)] + suffix
        n += 1
    taken.add(name)
    return name


# Column widths are measured on the first rows: the ledger of a year has thousands,
# and its columns hold the same kinds of names all the way down.
WIDTH_SAMPLE = 500


def _widths(table: Table) -> list[int]:
    widths = [_width(h) for h in table.header]
    for values in table.rows[:WIDTH_SAMPLE]:
        for column, (value, kind) in enumerate(zip(values, table.kinds, strict=False)):
            shown = 10 if kind in ("date", "rate") else _width(value if value is not None else "")
            widths[column] = max(widths[column], shown)
    return [min(max(width + 2, 8), 60) for width in widths]


def _write(sheet, table: Table, heading: list[str]) -> None:
    """`heading` lines (bold) above the table's header row, which stays frozen.
    The sheet is write-only (streamed: several times faster for the ledger's
    thousands of rows), so widths and the frozen row are set before any row."""
    for column, width in enumerate(_widths(table), start=1):
        sheet.column_dimensions[get_column_letter(column)].width = width
    header_row = len(heading) + (1 if heading else 0) + 1
    sheet.freeze_panes = f"A{header_row + 1}"
    for line in heading:
        sheet.append([_cell(sheet, line, font=Font(bold=True, size=14))])
    if heading:
        sheet.append([])
    sheet.append([_cell(sheet, h, font=Font(bold=True)) for h in table.header])
    for index, values in enumerate(table.rows):
        kinds = list(table.kinds)
        if table.row_kinds is not None:
            kinds[1] = table.row_kinds[index]
        sheet.append(
            [
                _cell(sheet, value, number_format=FORMATS.get(kind)) if kind in FORMATS else value
                for value, kind in zip(values, kinds, strict=False)
            ]
        )
    if table.note:
        sheet.append([])
        sheet.append([table.note])


def _cell(sheet, value, *, font=None, number_format=None) -> WriteOnlyCell:
    cell = WriteOnlyCell(sheet, value=value)
    if font is not None:
        cell.font = font
    if number_format is not None and value is not None:
        cell.number_format = number_format
    return cell


def workbook(tables: list[Table], heading: list[str]) -> bytes:
    """The workbook's bytes: the first table (the summary) under `heading` (centre
    and period), then one sheet per other table."""
    book = Workbook(write_only=True)
    taken: set[str] = set()
    for index, table in enumerate(tables):
        sheet = book.create_sheet(_sheet_name(table.title, taken))
        _write(sheet, table, heading if index == 0 else [])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()
