"""Dates and times in the reader's language, in the centre's time zone."""

from __future__ import annotations

from datetime import date, datetime
from functools import lru_cache

from babel import Locale, dates
from flask_babel import gettext
from flask_babel.speaklater import LazyString

from app.i18n import current_locale, current_timezone

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
