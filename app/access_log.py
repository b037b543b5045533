"""Access records from the web layer: a view names the people its page shows
(`seen`), and once the page is rendered one short write transaction records the
children among them (`services/privacy/access.py`: one multi-row INSERT).

GET never writes (docs/ARCHITECTURE.md); access records are the deliberate
exception, and they are written the way `log_in` writes after its read: the
page's read transaction ends, then a write transaction of its own records the
view and commits (on SQLite it takes the write lock only for that INSERT, after
the page was read and rendered). A page view is a GET answered with its page
(htmx GETs included); the answer to a form is not another view, and a refused
form writes nothing."""

from __future__ import annotations

from collections.abc import Iterable

from flask import Flask, g, request
from flask_login import current_user

from app.database import write_transactions
from app.extensions import db
from app.models import Person
from app.services.privacy.access import children_of, is_recorded_viewer, record_views
from app.timeutil import now


def seen(people: Iterable[Person], page: str) -> None:
    """The page being built shows these people's data (care notes, guardian
    phones, pickup list, birth date): the children among them are recorded once
    the page is sent, if the viewer is a teacher or staff member."""
    if not current_user.is_authenticated or not is_recorded_viewer(current_user):
        return
    ids = children_of(people, now())
    if ids:
        g.access_seen = (page, ids)


def _is_page_view(status: int) -> bool:
    """A page view is a GET answered with the page. A form's answer is not one: it
    follows the GET that showed the form (already recorded), and a refused request
    writes nothing (its page shown again included)."""
    return request.method == "GET" and status < 400


def register(app: Flask) -> None:
    @app.after_request
    def _write_access_records(response):
        seen_here = g.pop("access_seen", None)
        if seen_here is None or not _is_page_view(response.status_code):
            return response
        page, ids = seen_here
        db.session.commit()  # ends the page's read transaction: it wrote nothing
        with write_transactions():
            record_views(current_user, ids, page, now=now())
            db.session.commit()
        return response
