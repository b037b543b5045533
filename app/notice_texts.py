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
    "waitlisted_by_staff": _l(
        "The centre put %(person)s on the waiting list of %(title)s (%(when)s). "
        "We will tell you here if a place comes free."
    ),
    # Someone linked to the person (代办, e.g. a grown child) acted for them.
    "booked_by_helper": _l("%(actor)s booked %(person)s on %(title)s (%(when)s)."),
    "waitlisted_by_helper": _l(
        "%(actor)s put %(person)s on the waiting list of %(title)s (%(when)s)."
    ),
    "cancelled_by_helper": _l(
        "%(actor)s cancelled the booking of %(person)s on %(title)s (%(when)s)."
    ),
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
    # One notice per household per draw; its lines come from LOTTERY_LINES.
    "lottery_drawn": _l("The draw for %(title)s is done. For your family:"),
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
    # The same, when staff gave a reason (shown as they typed it).
    "session_cancelled_because": _l(
        "The centre cancelled %(title)s on %(when)s because: %(reason)s. The booking of "
        "%(person)s for that day is cancelled. We are sorry."
    ),
    "session_moved": _l(
        "%(title)s for %(person)s has moved from %(old_when)s to %(when)s. The booking stays."
    ),
    "removed_from_waitlist": _l(
        "%(person)s was taken off the waiting list of %(title)s (%(when)s) by the centre."
    ),
    "birthday_invited": _l(
        "Happy birthday, %(person)s! The centre invites you to %(title)s (%(when)s). "
        "You may book your place now, before booking opens to everyone."
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


# A lottery notice's line per child and day, by what the draw gave.
LOTTERY_LINES = {
    "won": _l("%(person)s, %(when)s: won a place."),
    "waitlisted": _l("%(person)s, %(when)s: not drawn, on the waiting list, number %(position)s."),
    "skipped": _l("%(person)s, %(when)s: was already booked before the draw."),
    "clashed": _l("%(person)s, %(when)s: not in the draw, as %(person)s has another booking then."),
    "ineligible": _l("%(person)s, %(when)s: not in the draw, as the class does not admit them."),
}
LOTTERY_WAITING = _l("We will tell you here if a place comes free.")


def _lottery_lines(lines: list[dict]) -> list[str]:
    said = []
    for line in lines:
        template = LOTTERY_LINES.get(line.get("result"))
        if template is None:
            continue
        moment = when(datetime.fromisoformat(line["starts_at"])) if line.get("starts_at") else ""
        values = {"person": line.get("person", ""), "when": moment}
        said.append(str(template) % (values | {"position": line.get("position") or ""}))
    if any(line.get("result") == "waitlisted" for line in lines):
        said.append(str(LOTTERY_WAITING))
    return said


def notice_text(notice) -> str:
    """The notice in the reader's language; a lottery's has one line per child and day."""
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
    kind = notice.kind
    if kind == "session_cancelled" and params.get("reason"):
        kind = "session_cancelled_because"
    template = TEXTS.get(kind)
    if template is None:
        return str(notice.kind)
    values = {"person": params.get("person", ""), "title": title, "when": moment}
    values["reason"] = params.get("reason") or ""
    for key, name in (("offer_expires_at", "deadline"), ("old_starts_at", "old_when")):
        values[name] = when(datetime.fromisoformat(params[key])) if params.get(key) else ""
    for key in ("actor", "pickup", "child"):
        values[key] = params.get(key, "")
    day = params.get("day")
    values["day"] = format_date(date.fromisoformat(day), pattern_for("date")) if day else ""
    until = params.get("until")
    values["until"] = when(datetime.fromisoformat(until), "date") if until else ""
    return "\n".join([str(template) % values, *_lottery_lines(params.get("lines") or [])])
