"""Dates and times in the reader's language, in the centre's time zone; the request's
locale and catalogue, read cheaply (templates translate through `current_translations`)."""

from __future__ import annotations

from datetime import date, datetime
from functools import lru_cache

import flask_babel
from babel import Locale, dates
from flask import g
from flask_babel import get_locale, gettext
from flask_babel.speaklater import LazyString

# --- the request's locale and catalogue, cheaply ------------------------------------
# Flask-Babel finds the locale and the catalogue anew on every gettext call (a chain of
# context lookups, ~12 µs); a page calls it a few hundred times. The fast path below
# reads what Flask-Babel already chose for this request (or what `force_locale` set:
# notices in the recipient's language) from its own per-request namespace, and falls
# back to Flask-Babel whenever that is not there yet.


def _babel_context():
    try:
        return g._flask_babel  # Flask-Babel's per-request namespace
    except (AttributeError, RuntimeError):  # not chosen yet, or no app context
        return None


def current_locale() -> Locale | None:
    """`flask_babel.get_locale()`, without the lookups once it is known."""
    context = _babel_context()
    locale = getattr(context, "babel_locale", None) if context is not None else None
    return locale if locale is not None else get_locale()


def current_timezone():
    """`flask_babel.get_timezone()`, likewise."""
    context = _babel_context()
    zone = getattr(context, "babel_tzinfo", None) if context is not None else None
    return zone if zone is not None else flask_babel.get_timezone()


def current_translations():
    """The catalogue of the request's locale: Flask-Babel's, kept beside the locale
    it belongs to, so a `force_locale` (another Locale object) gets its own."""
    context = _babel_context()
    locale = getattr(context, "babel_locale", None) if context is not None else None
    if locale is not None:
        kept = getattr(context, "zhaoxi_translations", None)
        if kept is not None and kept[0] is locale:
            return kept[1]
    translations = flask_babel.get_translations()
    context = _babel_context()
    if context is not None and getattr(context, "babel_locale", None) is not None:
        context.zhaoxi_translations = (context.babel_locale, translations)
    return translations


_PATTERNS = {
    "zh": {
        "datetime": "M月d日 EEE HH:mm",
        "date": "M月d日 EEE",
        "long_date": "y年M月d日 EEEE",
        "time": "HH:mm",
    },
    "en": {
        "datetime": "EEE d MMM, HH:mm",
        "date": "EEE d MMM",
        "long_date": "EEEE d MMMM y",
        "time": "HH:mm",
    },
}


def pattern_for(kind: str) -> str:
    """The Babel pattern for `kind` ("datetime", "date", "long_date", "time") in the
    reader's language."""
    locale = current_locale()
    language = locale.language if locale is not None else "zh"
    return _PATTERNS.get(language, _PATTERNS["en"])[kind]


def when(moment: datetime | None, kind: str = "datetime") -> str:
    """Format a naive-UTC moment as local time ("11月24日 周二 09:00")."""
    if moment is None:
        return ""
    return _format(moment, pattern_for(kind), current_locale(), current_timezone())


@lru_cache(maxsize=4096)
def _format(moment: datetime, pattern: str, locale: Locale, zone) -> str:
    # Babel takes a while per call, and a page shows the same few times again and again.
    return dates.format_datetime(moment, pattern, tzinfo=zone, locale=locale)


def when_day(day: date | None, kind: str = "date") -> str:
    """Format a calendar date that is already the centre's ("11月24日 周二"): no
    clock and no zone, so a page shows the day it is given."""
    if day is None:
        return ""
    return _format_day(day, pattern_for(kind), current_locale())


@lru_cache(maxsize=1024)
def _format_day(day: date, pattern: str, locale: Locale) -> str:
    return dates.format_date(day, pattern, locale=locale)


def lazy_when(moment: datetime, kind: str = "datetime") -> LazyString:
    """`when`, evaluated when shown: services build messages before a locale is known."""
    return LazyString(when, moment, kind)


def session_number(number: int, total: int) -> str:
    """A session's place in its term ("第 5 次课，共 12 次"): the slip, the notices,
    "My bookings" (`booking.terms.SessionPlace.label`)."""
    return gettext("session %(number)d of %(total)d", number=number, total=total)
