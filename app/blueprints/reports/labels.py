"""What the report's figures, rows and periods are called, in the reader's language.

`FIGURES` lists the headline figures in groups, each with its kind ("count",
"hours", "rate") and a sentence saying what it counts, for the page, the printout
and the workbook's summary alike.
"""

from __future__ import annotations

from datetime import date

from babel.dates import format_skeleton
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from app.blueprints.public.forms import AUDIENCE_LABELS, CATEGORY_LABELS
from app.services.reports import period as periods
from app.services.reports.breakdowns import NO_TAG, UNKNOWN, Line

# (key, label, kind, what it counts): the headline figures, in groups.
FIGURES = {
    _l("People served"): (
        (
            "visits",
            _l("Visits (服务人次)"),
            "count",
            _l(
                "Came to a session: present or late, walk-ins and children checked in at the door included."
            ),
        ),
        (
            "people",
            _l("People (服务人数)"),
            "count",
            _l("Different people among those visits: each counted once."),
        ),
        (
            "new_people",
            _l("New people"),
            "count",
            _l("Came for the first time ever in this period."),
        ),
        ("returning_people", _l("Returning people"), "count", _l("Had come before this period.")),
    ),
    _l("Sessions and seats"): (
        (
            "sessions",
            _l("Sessions held"),
            "count",
            _l("Cancelled sessions are not counted anywhere."),
        ),
        (
            "hours",
            _l("Hours of activity"),
            "hours",
            _l("The length of every session held, added up."),
        ),
        ("seats_offered", _l("Seats offered"), "count", _l("The places of every session held.")),
        (
            "seats_taken",
            _l("Seats taken"),
            "count",
            _l("Places held by people expected (for family events: families)."),
        ),
        ("fill_rate", _l("Seats filled"), "rate", _l("Seats taken ÷ seats offered.")),
        (
            "attendance_rate",
            _l("Attendance rate"),
            "rate",
            _l("People with a booking who came ÷ people with a booking expected (not on leave)."),
        ),
        ("walk_ins", _l("Walk-ins"), "count", _l("Came without a booking.")),
        (
            "no_shows",
            _l("No-shows"),
            "count",
            _l("Booked, did not come, and did not ask for leave."),
        ),
        (
            "late_cancels",
            _l("Late cancellations"),
            "count",
            _l("Places given up inside the class's cancellation time."),
        ),
        (
            "leaves",
            _l("Leave (请假)"),
            "count",
            _l("Said ahead they could not come to one session."),
        ),
        (
            "unmet",
            _l("Waited and never got a seat"),
            "count",
            _l("People on a waiting list who got no place: see the table of unmet demand."),
        ),
    ),
    _l("Childcare"): (
        (
            "child_days",
            _l("Child-days"),
            "count",
            _l("Children checked in to a day slot (full day, morning or afternoon)."),
        ),
        (
            "pickups",
            _l("Children collected"),
            "count",
            _l("Check-outs at the door with a pickup code."),
        ),
        (
            "late_pickups",
            _l("Collected late"),
            "count",
            _l("After the slot's end plus the programme's grace time."),
        ),
        (
            "refused_pickups",
            _l("Pickup attempts refused"),
            "count",
            _l("Wrong code, not on the list, or not today."),
        ),
    ),
    _l("Volunteers and welfare"): (
        ("volunteers", _l("Volunteers"), "count", _l("Teachers and helpers of the sessions held.")),
        (
            "volunteer_hours",
            _l("Volunteer hours"),
            "hours",
            _l("Their sessions' lengths, each person and session once."),
        ),
        (
            "welfare_calls",
            _l("Welfare calls to make"),
            "count",
            _l("Vulnerable people who missed a booked session."),
        ),
        ("welfare_done", _l("Welfare calls made"), "count", _l("Of those, calls marked done.")),
    ),
    _l("Satisfaction"): (
        (
            "satisfaction",
            _l("Satisfaction (满意度)"),
            "rate",
            _l("Share of ratings that were good."),
        ),
        ("rated", _l("Ratings given"), "count", _l("Ratings of the sessions held.")),
        ("good", _l("Rated good"), "count", ""),
        ("ok", _l("Rated OK"), "count", ""),
        ("bad", _l("Rated not good"), "count", ""),
    ),
}


def _lang() -> str:
    return str(get_locale() or "zh")


def title_of(title: str, title_en: str | None) -> str:
    """An activity's name in the reader's language (as `Activity.title_for`)."""
    return (title_en or title) if _lang().startswith("en") else title


def period_label(period: periods.Period) -> str:
    """ "2026年10月", "October 2026"; a quarter, a year, or two dates."""
    locale = get_locale()
    if period.kind == periods.MONTH:
        return format_skeleton("yMMMM", period.first, locale=locale)
    if period.kind == periods.QUARTER:
        return _("Q%(q)s %(year)s", q=period.quarter, year=period.first.year)
    if period.kind == periods.YEAR:
        return _("Year %(year)s", year=period.first.year)
    return _(
        "%(first)s to %(last)s",
        first=format_skeleton("yMMMd", period.first, locale=locale),
        last=format_skeleton("yMMMd", period.last, locale=locale),
    )


def month_label(yyyymm: int) -> str:
    return format_skeleton("yMMM", date(yyyymm // 100, yyyymm % 100, 1), locale=get_locale())


def band_label(key: str) -> str:
    """ "0-6" → 6 and under, "7-18" → 7 to 18, "80+" → 80 and over."""
    if key == UNKNOWN:
        return _("Birth date not recorded")
    if key.endswith("+"):
        return _("%(age)s and over", age=key[:-1])
    low, high = key.split("-")
    if low == "0":
        return _("%(age)s and under", age=high)
    return _("%(low)s to %(high)s", low=low, high=high)


def key_label(name: str, line: Line) -> str:
    """The first cell of a breakdown's row."""
    key = line.key
    if name == "category":
        return str(CATEGORY_LABELS.get(key, key))
    if name == "audience":
        return str(AUDIENCE_LABELS.get(key, _("Everyone") if key == "all" else key))
    if name == "activity":
        return title_of(line.title or "", line.title_en)
    if name.startswith("age"):
        return band_label(key)
    if name == "tag":
        return _("No tag") if key == NO_TAG else key
    return month_label(key)


BREAKDOWN_TITLES = {
    "category": (_l("By kind of class"), _l("Kind of class")),
    "activity": (_l("By class"), _l("Class")),
    "audience": (_l("By who the class is for"), _l("For")),
    "age_civil": (_l("By age (civil-affairs bands)"), _l("Age on the day")),
    "age_fine": (_l("By age (finer bands)"), _l("Age on the day")),
    "tag": (_l("By household tag"), _l("Household tag")),
    "month": (_l("By month"), _l("Month")),
}
