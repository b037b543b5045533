"""The report's three charts as SVG made by pygal: 人次 and 人数 by month (lines), by
kind of class and by age band (bars).

Each is its own `image/svg+xml` response, shown with <img>: a browser runs no
script inside an image, and the page's Content-Security-Policy (no inline script
or style) never meets the SVG's own <style>. pygal is told to load no script
(`js=[]`); the small inline <script> it still writes (its tooltip settings) is
taken out all the same. The page shows each chart's figures as a table beside it
and says in a sentence what it shows, so a screen reader or a printout loses
nothing.
"""

from __future__ import annotations

import re
import sys

import pygal
from flask_babel import gettext as _
from pygal.style import Style

from app.blueprints.reports.labels import key_label
from app.services.reports.breakdowns import Line

# pygal appends an old-style import hook to sys.meta_path (for map plugins, unused
# here). Python warns (ImportWarning) at every failed import that reaches it, so
# `try: import numpy` in openpyxl fails where warnings are errors (the tests).
sys.meta_path[:] = [f for f in sys.meta_path if not isinstance(f, pygal.PluginImportFixer)]

CHARTS = ("months", "categories", "ages")
SCRIPT = re.compile(rb"<script\b.*?</script>", re.DOTALL)
# Answers for the chart response alone: its inline style is allowed, nothing else.
CSP = "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'self'"

STYLE = Style(
    font_family="'PingFang SC', 'Microsoft YaHei', 'Noto Sans CJK SC', 'WenQuanYi Micro Hei', sans-serif",
    background="#ffffff",
    plot_background="#ffffff",
    foreground="#1b1b1b",
    foreground_strong="#1b1b1b",
    foreground_subtle="#8a8a8a",
    colors=("#9a2a12", "#1d5e20"),
    title_font_size=24,
    label_font_size=16,
    major_label_font_size=16,
    legend_font_size=18,
    value_font_size=16,
)


def chart_title(name: str) -> str:
    return {
        "months": _("Visits and people by month"),
        "categories": _("Visits and people by kind of class"),
        "ages": _("Visits and people by age"),
    }[name]


# The breakdown each chart draws (a report's `breakdowns[...]`).
CHART_TABLES = {"months": "month", "categories": "category", "ages": "age_fine"}


def summary(name: str, table: str, lines: list[Line]) -> str:
    """The chart in one sentence: where the most visits were."""
    if not any(line.visits for line in lines):
        return _("No visits in this period.")
    top = max(lines, key=lambda line: line.visits)
    total = sum(line.visits for line in lines)
    return _(
        "%(total)s visits in all; the most in %(label)s: %(visits)s visits by %(people)s people.",
        total=total,
        label=key_label(table, top),
        visits=top.visits,
        people=top.people,
    )


def render(name: str, table: str, lines: list[Line]) -> bytes:
    """The chart as an SVG document, with no script in it."""
    kind = pygal.Line if name == "months" else pygal.Bar
    chart = kind(
        js=[],
        style=STYLE,
        width=800,
        height=440,
        legend_at_bottom=True,
        x_label_rotation=30 if len(lines) > 6 else 0,
        print_values=name != "months",
        include_x_axis=True,
        min_scale=1,
        max_scale=6,
    )
    chart.title = chart_title(name)
    chart.x_labels = [key_label(table, line) for line in lines]
    chart.add(_("Visits (服务人次)"), [line.visits for line in lines])
    chart.add(_("People (服务人数)"), [line.people for line in lines])
    return SCRIPT.sub(b"", chart.render())
