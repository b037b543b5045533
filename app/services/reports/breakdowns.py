"""服务人次 and 服务人数 in total and broken down by category, activity, audience, age
band, household tag and month: one statement for all of them (`tally`).

The visits are computed once (base.visit_rows, a materialized CTE) and each
breakdown is a GROUP BY over them, joined into one UNION ALL: a row's 人次 are its
visits, its 人数 the distinct people among them. A person counts once per row they
appear in, so the 人数 of the rows can add up to more than the report's 人数:
someone who came to calligraphy and to choir is in both rows; someone whose
household has two tags is under both; someone who had a birthday into a new band
during the period is in both bands.

Ages are taken on the day of each visit, in the centre's zone. Bands: those of the
civil-affairs forms (≤6, 7–18, 19–59, 60+) and finer ones (0–6, 7–12, 13–18, 19–59,
60–69, 70–79, 80+); people with no birth date recorded are "unknown".
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

from sqlalchemy import (
    CTE,
    ColumnElement,
    Select,
    String,
    case,
    cast,
    distinct,
    func,
    literal_column,
    select,
    union_all,
)

from app.extensions import db
from app.models import (
    CATEGORIES,
    HOUSEHOLD_TAGS,
    Activity,
    Attendance,
    Audience,
    HouseholdTag,
    Session,
    SessionStatus,
)
from app.services.reports.base import Frame, present, visit_rows

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
# Single figures the same statement counts: every visit, walk-ins (visits with no
# booking), and people who had come to a held session before the period.
TOTALS = ("total", "walk_in", "returning")
EVERYTHING = TOTALS + BREAKDOWNS

Tally = dict[str, dict[str, tuple[int, int]]]


@dataclass
class Line:
    """One row of a breakdown. `key`: a category, audience, band or tag code, an
    activity id or a month (yyyymm); `title`/`title_en`: an activity's names."""

    key: str | int
    visits: int = 0
    people: int = 0
    title: str | None = None
    title_en: str | None = None


def _text(value: str) -> ColumnElement[str]:
    """A constant written into the SQL (one of this module's codes). Written, not
    bound: PostgreSQL must see the grouped expression and the selected one as equal."""
    return literal_column(f"'{value}'")


def _number(value: int) -> ColumnElement[int]:
    return literal_column(str(int(value)))


def _band(v: CTE, bands) -> ColumnElement[str]:
    whens = [(v.c.age.is_(None), _text(UNKNOWN))]
    whens += [(v.c.age <= _number(high), _text(key)) for key, _low, high in bands if high]
    return case(*whens, else_=_text(bands[-1][0]))


def _came_before(frame: Frame, person_id) -> ColumnElement[bool]:
    """The person (`person_id`, a column) came to a held session (of the scope)
    before the period. Asked per person of the period, through their own marks
    (`ix_attendance_person_id`): an uncorrelated set of everyone who ever came read
    every mark of the centre's history (at 1M marks, ~350 ms of a 36,000-visit month;
    this, ~50 ms). Someone who came before stops at their first earlier mark."""
    return (
        select(Attendance.id)
        .join(Session, Session.id == Attendance.session_id)
        .where(
            Attendance.person_id == person_id,
            present(Attendance.status),
            Session.status == SessionStatus.SCHEDULED,
            Session.starts_at < frame.start,
            *frame.scope.activities(Session.activity_id),
        )
        .exists()
    )


def _keyed(name: str, frame: Frame, v: CTE) -> Select:
    """select(person_id, key) over the visits, for the breakdown or total `name`."""
    if name == "returning":
        people = select(v.c.person_id).distinct().subquery("came")
        return select(people.c.person_id, _text("").label("key")).where(
            _came_before(frame, people.c.person_id)
        )
    if name in ("total", "walk_in"):
        query = select(v.c.person_id, _text("").label("key")).select_from(v)
        return query.where(v.c.booking_id.is_(None)) if name == "walk_in" else query
    if name in ("category", "audience"):
        return select(v.c.person_id, v.c[name].label("key")).select_from(v)
    if name == "activity":
        return select(v.c.person_id, v.c.activity_id.label("key")).select_from(v)
    if name == "month":
        return select(v.c.person_id, (v.c.day // _number(100)).label("key")).select_from(v)
    if name == "tag":
        key = func.coalesce(HouseholdTag.tag, _text(NO_TAG)).label("key")
        return select(v.c.person_id, key).outerjoin_from(
            v, HouseholdTag, HouseholdTag.household_id == v.c.household_id
        )
    bands = CIVIL_BANDS if name == "age_civil" else FINE_BANDS
    return select(v.c.person_id, _band(v, bands).label("key")).select_from(v)


def _counted(name: str, keyed, by_pairs: bool) -> Select:
    """(name, key, visits, people) per key of `keyed` (person_id, key)."""
    if not by_pairs:
        return select(
            _text(name),
            cast(keyed.c.key, String),
            func.count(),
            func.count(distinct(keyed.c.person_id)),
        ).group_by(keyed.c.key)
    pairs = (
        select(keyed.c.key, keyed.c.person_id, func.count().label("visits"))
        .group_by(keyed.c.key, keyed.c.person_id)
        .subquery(f"p_{name}")
    )
    return select(
        _text(name), cast(pairs.c.key, String), func.sum(pairs.c.visits), func.count()
    ).group_by(pairs.c.key)


def tally(frame: Frame, names: Iterable[str] = EVERYTHING) -> Tally:
    """{name: {key: (visits, people)}} for each total or breakdown in `names`, in one
    statement. Keys come back as text ("" for a total)."""
    v = visit_rows(frame)
    branches = []
    # PostgreSQL sorts every visit for count(DISTINCT …) but hashes a GROUP BY:
    # there, count per key and person first, then per key (measured 25% faster on
    # the bench's year). SQLite is faster with count(DISTINCT …) (by a third).
    by_pairs = db.session.get_bind().dialect.name == "postgresql"
    for name in names:
        keyed = _keyed(name, frame, v).subquery(f"k_{name}")
        branches.append(_counted(name, keyed, by_pairs))
    result: Tally = {name: {} for name in names}
    for name, key, visits, people in db.session.execute(union_all(*branches)):
        result[name][key] = (int(visits), int(people))
    return result


def total(found: Tally, name: str) -> tuple[int, int]:
    """(visits, people) of a total; zeros when there was nothing to count."""
    return found.get(name, {}).get("", (0, 0))


def _lines(counts: dict, order: Iterable, *, zeros: bool = True, as_key=str) -> list[Line]:
    """Lines in `order` (with zeros, or only those found), then any other key found."""
    order = [as_key(k) for k in order]
    found = {as_key(k): value for k, value in counts.items()}
    keys = [k for k in order if zeros or k in found]
    keys += sorted(k for k in found if k not in order)
    return [Line(k, *found.get(k, (0, 0))) for k in keys]


def _activity_lines(counts: dict) -> list[Line]:
    """Per activity, most 人次 first, with the activities' names."""
    ids = [int(k) for k in counts]
    names = {
        row.id: row
        for row in db.session.execute(
            select(Activity.id, Activity.title, Activity.title_en).where(Activity.id.in_(ids))
        )
    }
    lines = [
        Line(int(k), visits, people, names[int(k)].title, names[int(k)].title_en)
        for k, (visits, people) in counts.items()
    ]
    return sorted(lines, key=lambda line: (-line.visits, line.title or ""))


LineMaker = Callable[[dict, Frame], list[Line]]
LINES: dict[str, LineMaker] = {
    # Kinds of class and audiences with no visit are left out; every band, tag and
    # month of the period is listed.
    "category": lambda counts, _f: _lines(counts, CATEGORIES, zeros=False),
    "audience": lambda counts, _f: _lines(counts, [a.value for a in Audience], zeros=False),
    "activity": lambda counts, _f: _activity_lines(counts),
    "age_civil": lambda counts, _f: _lines(counts, [b[0] for b in CIVIL_BANDS]),
    "age_fine": lambda counts, _f: _lines(counts, [b[0] for b in FINE_BANDS]),
    "tag": lambda counts, _f: _lines(counts, [*HOUSEHOLD_TAGS, NO_TAG]),
    "month": lambda counts, frame: _lines(
        counts, [y * 100 + m for y, m in frame.period.months()], as_key=int
    ),
}


def breakdowns(frame: Frame, found: Tally | None = None) -> dict[str, list[Line]]:
    """Every breakdown by name (BREAKDOWNS), from `found` when already counted."""
    found = found if found is not None else tally(frame, BREAKDOWNS)
    return {name: LINES[name](found.get(name, {}), frame) for name in BREAKDOWNS}


def breakdown(frame: Frame, name: str) -> list[Line]:
    """One breakdown alone (a chart needs no more)."""
    return LINES[name](tally(frame, (name,))[name], frame)


def by_age(frame: Frame, bands=CIVIL_BANDS) -> list[Line]:
    return breakdown(frame, "age_civil" if bands is CIVIL_BANDS else "age_fine")


def by_month(frame: Frame) -> list[Line]:
    return breakdown(frame, "month")


def by_tag(frame: Frame) -> list[Line]:
    return breakdown(frame, "tag")
