"""How each kind of inbox notice reads, in the reader's language."""

from __future__ import annotations

from datetime import date, datetime

from flask_babel import format_date, get_locale, gettext
from flask_babel import lazy_gettext as _l

from app.formatting import pattern_for, session_number, when

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
    "offered": _l(
        "A place came free on %(title)s (%(when)s) for %(person)s. It is kept for you "
        "until %(deadline)s: please say yes or no under My bookings."
    ),
    "offer_expired": _l(
        "The place on %(title)s (%(when)s) offered to %(person)s was not taken in time "
        "and has gone to the next person. The centre will call you."
    ),
    "session_cancelled": _l(
        "The centre cancelled %(title)s on %(when)s. The booking of %(person)s for that "
        "day is cancelled. We are sorry."
    ),
    "session_moved": _l(
        "%(title)s for %(person)s has moved from %(old_when)s to %(when)s. The booking stays."
    ),
    "removed_from_waitlist": _l(
        "%(person)s was taken off the waiting list of %(title)s (%(when)s) by the centre."
    ),
    "reminder": _l("Reminder: %(person)s has %(title)s tomorrow, %(when)s."),
    # Changes to a child's pickup list, told to every guardian (codes never are).
    "pickup_added": _l(
        "%(actor)s added %(pickup)s to the people who may collect %(child)s. "
        "If you did not expect this, please call the centre."
    ),
    "pickup_day_added": _l(
        "%(actor)s allowed %(pickup)s to collect %(child)s on %(day)s only. "
        "If you did not expect this, please call the centre."
    ),
    "pickup_code_renewed": _l(
        "%(actor)s gave %(pickup)s a new pickup code for %(child)s. The old code no longer "
        "works. If you did not expect this, please call the centre."
    ),
    "pickup_removed": _l(
        "%(actor)s took %(pickup)s off the people who may collect %(child)s. "
        "If you did not expect this, please call the centre."
    ),
}


def notice_text(notice) -> str:
    params = dict(notice.params or {})
    title = params.get("title", "")
    if str(get_locale()).startswith("en") and params.get("title_en"):
        title = params["title_en"]
    starts_at = params.get("starts_at")
    moment = when(datetime.fromisoformat(starts_at)) if starts_at else ""
    if moment and params.get("number") and params.get("total"):
        # A term class: which of its sessions ("第 5 次课，共 12 次").
        place = session_number(params["number"], params["total"])
        moment = gettext("%(when)s, %(place)s", when=moment, place=place)
    template = TEXTS.get(notice.kind)
    if template is None:
        return str(notice.kind)
    values = {"person": params.get("person", ""), "title": title, "when": moment}
    for key, name in (("offer_expires_at", "deadline"), ("old_starts_at", "old_when")):
        values[name] = when(datetime.fromisoformat(params[key])) if params.get(key) else ""
    for key in ("actor", "pickup", "child"):
        values[key] = params.get(key, "")
    day = params.get("day")
    values["day"] = format_date(date.fromisoformat(day), pattern_for("date")) if day else ""
    until = params.get("until")
    values["until"] = when(datetime.fromisoformat(until), "date") if until else ""
    return str(template) % values
