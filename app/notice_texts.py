"""How each kind of inbox notice reads, in the reader's language."""

from __future__ import annotations

from datetime import datetime

from flask_babel import get_locale
from flask_babel import lazy_gettext as _l

from app.formatting import when

TEXTS = {
    "promoted": _l(
        "Good news: a place came free and %(person)s is now booked on %(title)s (%(when)s)."
    ),
    "cancelled_by_staff": _l(
        "The booking of %(person)s on %(title)s (%(when)s) was cancelled by the centre."
    ),
    "booked_by_staff": _l("The centre booked %(person)s on %(title)s (%(when)s)."),
    "suspended": _l(
        "%(person)s missed %(title)s (%(when)s) and other booked classes without saying so. "
        "Booking online is paused until %(until)s. The front desk can still book for you, "
        "and can lift the pause."
    ),
    "lottery_won": _l("Good news: %(person)s won a place in the draw for %(title)s (%(when)s)."),
    "lottery_waitlisted": _l(
        "%(person)s was not drawn for %(title)s (%(when)s) and is on the waiting list. "
        "We will tell you here if a place comes free."
    ),
}


def notice_text(notice) -> str:
    params = dict(notice.params or {})
    title = params.get("title", "")
    if str(get_locale()).startswith("en") and params.get("title_en"):
        title = params["title_en"]
    starts_at = params.get("starts_at")
    moment = when(datetime.fromisoformat(starts_at)) if starts_at else ""
    template = TEXTS.get(notice.kind)
    if template is None:
        return str(notice.kind)
    until = params.get("until")
    return str(template) % {
        "person": params.get("person", ""),
        "title": title,
        "when": moment,
        "until": when(datetime.fromisoformat(until), "date") if until else "",
    }
