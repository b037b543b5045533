"""CSV downloads that a spreadsheet opens as plain text.

A cell beginning with = + - @ (or a tab or carriage return, which some programs
skip before looking) is read by Excel and LibreOffice as a formula: a name typed
as `=HYPERLINK(…)` would run when staff open the file. Such cells get a leading
apostrophe, which spreadsheets show as text and hide.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable

from flask import Response

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value) -> str:
    """A cell as text, escaped when a spreadsheet would run it (numbers are
    written as they are: a negative number is not a formula)."""
    if value is None:
        return ""
    text = str(value)
    if isinstance(value, str) and text.startswith(FORMULA_START):
        return "'" + text
    return text


def csv_response(header: Iterable, rows: Iterable[Iterable], filename: str) -> Response:
    """A CSV download; a byte-order mark so spreadsheets read Chinese correctly."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow([safe_cell(cell) for cell in header])
    for row in rows:
        writer.writerow([safe_cell(cell) for cell in row])
    return Response(
        "\ufeff" + buffer.getvalue(),
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )
