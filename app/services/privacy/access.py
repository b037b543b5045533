"""Who saw a child's data: an access record each time a teacher or staff member
opens a page showing a child's care notes, guardian phones, pickup list or birth
date (the roll, the door, the person page, the pickup page). Written as one
INSERT per page view; read by the guardians (`/me/privacy`) and by
staff (filtered, paginated)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum
from functools import cache

from flask_babel import lazy_gettext as _l
from sqlalchemy import DateTime, Insert, Integer, String, bindparam, insert, select
from sqlalchemy.orm import selectinload

from app.extensions import db
from app.models import AccessRecord, Person, Role, User
from app.timeutil import local_date, local_day_bounds


class Page(StrEnum):
    """The pages that show a child's data, as the access records name them."""

    ROSTER = "roster"  # the teacher's roll (care notes, guardian phones)
    SHEET = "sheet"  # the printed sign-in sheet of the roll
    DOOR = "door"  # the door's roll of a childcare slot (care notes, phones)
    HERE = "here"  # who is here now, at the door
    PERSON = "person"  # the desk's person page (birth date, care notes)
    PICKUP = "pickup"  # a child's pickup list


PAGE_LABELS = {
    Page.ROSTER: _l("the class roll"),
    Page.SHEET: _l("the sign-in sheet"),
    Page.DOOR: _l("the door's list"),
    Page.HERE: _l("who is here"),
    Page.PERSON: _l("the front desk's page"),
    Page.PICKUP: _l("the pickup list"),
}
ROLE_LABELS = {
    Role.TEACHER: _l("teacher"),
    Role.STAFF: _l("staff"),
    Role.ADMIN: _l("administrator"),
}


def is_recorded_viewer(viewer: User) -> bool:
    """Teachers and staff leave a record; a guardian looking at their own child's
    pages does not."""
    return viewer.role != Role.RESIDENT


def children_of(people: Iterable[Person], now: datetime) -> list[int]:
    """Ids of the minors (under 18 on the centre's date, `Person.is_child_on`: the
    未成年人 of the regulation) among `people`, without repeats."""
    day = local_date(now)
    return list(dict.fromkeys(p.id for p in people if p.is_child_on(day)))


@cache
def _insert_statement() -> Insert:
    """INSERT … SELECT from the named people: one statement for a whole roll, built
    once with bind parameters (a multi-row VALUES is compiled anew for each size of
    roll, which cost more than the page's own queries)."""
    rows = select(
        bindparam("viewer_id", type_=Integer),
        bindparam("role", type_=String),
        Person.id,
        bindparam("page", type_=String),
        bindparam("at", type_=DateTime),
    ).where(Person.id.in_(bindparam("ids", expanding=True)))
    columns = ["viewer_id", "role", "person_id", "page", "at"]
    return insert(AccessRecord.__table__).from_select(columns, rows)


def record_views(viewer: User, person_ids: Iterable[int], page: str, *, now: datetime) -> int:
    """One access record per child for one page view, as ONE INSERT statement (a
    roll of 30 children is one statement). Only teachers and staff are recorded.
    Returns how many rows were written."""
    ids = list(dict.fromkeys(person_ids))
    if not ids or not is_recorded_viewer(viewer):
        return 0
    params = {"viewer_id": viewer.id, "role": str(viewer.role), "page": str(page), "at": now}
    db.session.execute(_insert_statement(), {**params, "ids": ids})
    return len(ids)


@dataclass
class AccessFilter:
    person_id: int | None = None
    viewer_id: int | None = None
    household_id: int | None = None
    since: datetime | None = None
    until: datetime | None = None


def filter_by_days(
    *, person_id=None, viewer_id=None, since: date | None = None, until: date | None = None
) -> AccessFilter:
    """The staff page's filter: a child, a viewer, local days `since`..`until`."""
    return AccessFilter(
        person_id=person_id,
        viewer_id=viewer_id,
        since=local_day_bounds(since)[0] if since else None,
        until=local_day_bounds(until)[1] if until else None,
    )


def access_records(filters: AccessFilter, page: int, per_page: int = 50):
    """The records matching `filters`, newest first, paginated."""
    query = select(AccessRecord).options(
        selectinload(AccessRecord.viewer).selectinload(User.person),
        selectinload(AccessRecord.person),
    )
    if filters.household_id is not None:
        query = query.join(Person, Person.id == AccessRecord.person_id).where(
            Person.household_id == filters.household_id
        )
    if filters.person_id is not None:
        query = query.where(AccessRecord.person_id == filters.person_id)
    if filters.viewer_id is not None:
        query = query.where(AccessRecord.viewer_id == filters.viewer_id)
    if filters.since is not None:
        query = query.where(AccessRecord.at >= filters.since)
    if filters.until is not None:
        query = query.where(AccessRecord.at < filters.until)
    query = query.order_by(AccessRecord.at.desc(), AccessRecord.id.desc())
    return db.paginate(query, page=page, per_page=per_page, error_out=False)


def recorded_children() -> list[Person]:
    """The people who have access records (the staff filter's choices)."""
    return list(
        db.session.scalars(
            select(Person)
            .where(Person.id.in_(select(AccessRecord.person_id).distinct()))
            .order_by(Person.name, Person.id)
        )
    )


def recorded_viewers() -> list[User]:
    """The accounts that left access records (the staff filter's choices)."""
    return list(
        db.session.scalars(
            select(User)
            .where(User.id.in_(select(AccessRecord.viewer_id).distinct()))
            .options(selectinload(User.person))
            .order_by(User.id)
        )
    )
