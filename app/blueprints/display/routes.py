"""The lobby TV: today's sessions, rooms and seats left, refreshing itself."""

from __future__ import annotations

from flask import render_template

from app.blueprints.display import bp
from app.services.booking import catalogue
from app.services.schedule import sessions as schedule_sessions
from app.timeutil import local_date, now

REFRESH_SECONDS = 60


@bp.get("/display")
def show_board():
    moment = now()
    entries = catalogue.week_entries(moment, catalogue.Filters(), days=1, whole_terms=False)
    # Called-off sessions stay on the board, marked cancelled with staff's reason.
    rows = sorted(
        [(e.session, e) for e in entries]
        + [(s, None) for s in schedule_sessions.cancelled_today(moment)],
        key=lambda row: (row[0].starts_at, row[0].id),
    )
    return render_template(
        "display/board.html",
        rows=rows,
        refresh=REFRESH_SECONDS,
        today=local_date(moment),
        updated_at=moment,
    )
