"""The lobby TV: today's sessions, rooms and seats left, refreshing itself."""

from __future__ import annotations

from flask import render_template

from app.blueprints.display import bp
from app.services.booking import catalogue
from app.timeutil import now

REFRESH_SECONDS = 60


@bp.get("/display")
def show_board():
    entries = catalogue.week_entries(now(), catalogue.Filters(), days=1)
    return render_template("display/board.html", entries=entries, refresh=REFRESH_SECONDS)
