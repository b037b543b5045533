"""服务人次 and 服务人数 broken down by category, activity, audience, age band,
household tag and month.

Every breakdown is one GROUP BY over the period's visits (base.visits): a row's
人次 are its visits, its 人数 the distinct people among them. A person counts once
per row they appear in, so the 人数 of the rows can add up to more than the
report's 人数: someone who came to calligraphy and to choir is in both rows; someone
whose household has two tags is under both; someone who had a birthday into a new
band during the period is in both bands.

Ages are taken on the day of each visit, in the centre's zone. Bands: those of the
civil-affairs forms (≤6, 7–18, 19–59, 60+) and finer ones (0–6, 7–12, 13–18, 19–59,
60–69, 70–79, 80+); people with no birth date recorded are "unknown".
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import ColumnElement, Select, Subquery, case, distinct, func, literal_column, select

from app.extensions import db
from app.models import CATEGORIES, HOUSEHOLD_TAGS, Activity, Audience, HouseholdTag, Person
from app.services.reports.base import Frame, visits
from app.services.reports.sql import day_number

UNKNOWN = "unknown"  # no birth date recorded
NO_TAG = "none"  # a household without tags

# (key, lowest age, highest age or None)
CIVIL_BANDS = (("0-6", 0, 6), ("7-18", 7, 18), ("19-59", 19, 59), ("60+", 60, None))
FINE_BANDS = (
    ("0-6", 0, 6),
    ("7-12", 7, 12),
    ("13-18", 13, 18),
    ("19-59", 19, 59),
    ("60-69", 60, 69),
    ("70-79", 70, 79),
    ("80+", 80, None),
)
BREAKDOWNS = ("category", "activity", "audience", "age_civil", "age_fine", "tag", "month")


@dataclass
class Line:
    """One row of a breakdown. `key`: a category, audience, band or tag code, an
    activity id or a month (yyyymm); `title`/`title_en`: an activity's names."""

    key: str | int
    visits: int = 0
    people: int = 0
    title: str | None = None
    title_en: str | None = None


Joins = Callable[[Select], Select]
Keyed = Callable[[Subquery], tuple[ColumnElement, Joins]]


def _count_by(frame: Frame, keyed: Keyed) -> dict:
    """{key: (visits, people)}: the visits grouped by a key. `keyed(v)` gives the
    key (an expression on the visits subquery `v`) and the joins it needs. The key
    is computed in an inner query and grouped outside it, so PostgreSQL sees one
    expression (and its bound values once)."""
    v = visits(frame)
    key, joins = keyed(v)
    inner = joins(select(v.c.person_id, key.label("key")).select_from(v)).subquery("keyed")
    rows = db.session.execute(
        select(inner.c.key, func.count(), func.count(distinct(inner.c.person_id))).group_by(
            inner.c.key
        )
    )
    return {key: (visits_, people) for key, visits_, people in rows}


def _lines(counts: dict, order, *, zeros: bool = True) -> list[Line]:
    """Lines in `order` (with zeros, or only those found), then any other key found."""
    keys = [k for k in order if zeros or k in counts]
    keys += sorted(k for k in counts if k not in order)
    return [Line(k, *counts.get(k, (0, 0))) for k in keys]


def _activity_column(column) -> Keyed:
    return lambda v: (column, lambda q: q.join(Activity, Activity.id == v.c.activity_id))


def by_category(frame: Frame) -> list[Line]:
    """Per category of class, in the catalogue's order; categories with no visit left out."""
    return _lines(_count_by(frame, _activity_column(Activity.category)), CATEGORIES, zeros=False)


def by_audience(frame: Frame) -> list[Line]:
    counts = _count_by(frame, _activity_column(Activity.audience))
    return _lines(counts, [a.value for a in Audience], zeros=False)


def by_activity(frame: Frame) -> list[Line]:
    """Per activity, most 人次 first."""
    counts = _count_by(frame, _activity_column(Activity.id))
    names = {
        row.id: row
        for row in db.session.execute(
            select(Activity.id, Activity.title, Activity.title_en).where(Activity.id.in_(counts))
        )
    }
    lines = [
        Line(key, visits_, people, names[key].title, names[key].title_en)
        for key, (visits_, people) in counts.items()
    ]
    return sorted(lines, key=lambda line: (-line.visits, line.title or ""))


def _text(value: str) -> ColumnElement[str]:
    """A constant written into the SQL (one of this module's band or tag codes)."""
    return literal_column(f"'{value}'")


def age_band(frame: Frame, v, bands) -> ColumnElement[str]:
    """The band of the visitor's age on the day of the visit (Person joined)."""
    age = (frame.local_day(v.c.starts_at) - day_number(Person.birth_date)) // 10000
    whens = [(Person.birth_date.is_(None), _text(UNKNOWN))]
    whens += [(age <= highest, _text(key)) for key, _lowest, highest in bands if highest]
    return case(*whens, else_=_text(bands[-1][0]))


def by_age(frame: Frame, bands=CIVIL_BANDS) -> list[Line]:
    """Per age band, youngest first; "unknown" last, when anyone has no birth date."""
    counts = _count_by(
        frame,
        lambda v: (
            age_band(frame, v, bands),
            lambda q: q.join(Person, Person.id == v.c.person_id),
        ),
    )
    return _lines(counts, [band[0] for band in bands])


def by_tag(frame: Frame) -> list[Line]:
    """Per household tag, every tag listed; households with none under NO_TAG."""
    counts = _count_by(
        frame,
        lambda v: (
            func.coalesce(HouseholdTag.tag, _text(NO_TAG)),
            lambda q: q.join(Person, Person.id == v.c.person_id).outerjoin(
                HouseholdTag, HouseholdTag.household_id == Person.household_id
            ),
        ),
    )
    return _lines(counts, list(HOUSEHOLD_TAGS) + [NO_TAG])


def by_month(frame: Frame) -> list[Line]:
    """Per month of the period (yyyymm), every month listed."""
    counts = _count_by(frame, lambda v: (frame.local_day(v.c.starts_at) // 100, lambda q: q))
    return _lines(counts, [year * 100 + month for year, month in frame.period.months()])


def breakdowns(frame: Frame) -> dict[str, list[Line]]:
    """Every breakdown, by name (BREAKDOWNS)."""
    return {
        "category": by_category(frame),
        "activity": by_activity(frame),
        "audience": by_audience(frame),
        "age_civil": by_age(frame, CIVIL_BANDS),
        "age_fine": by_age(frame, FINE_BANDS),
        "tag": by_tag(frame),
        "month": by_month(frame),
    }
