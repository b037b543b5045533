"""The lobby TV: today's sessions, rooms and seats left, refreshing itself."""

from __future__ import annotations

from flask import render_template

from app.blueprints.display import bp
from app.services.booking import catalogue
from app.timeutil import local_date, now

REFRESH_SECONDS = 60


@bp.get("/display")
def show_board():
    moment = now()
    entries = catalogue.week_entries(moment, catalogue.Filters(), days=1)
    return render_template(
        "display/board.html",
        entries=entries,
        refresh=REFRESH_SECONDS,
        today=local_date(moment),
        updated_at=moment,
    )
