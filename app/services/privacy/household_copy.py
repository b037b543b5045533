"""A household's own copy of everything the centre holds about it (/me/data): a zip
with one JSON file and one workbook, a sheet per section.

`SECTIONS` is the one list of what goes in: each a name and a function from the
household to its rows (dicts of plain values). Only rows of the household's own
people and accounts; never a pickup code (nor its hash). Consents and the
children's access records are in it too."""

from __future__ import annotations

import io
import json
import zipfile
from collections.abc import Callable
from datetime import date, datetime

from openpyxl import Workbook
from sqlalchemy import select
from sqlalchemy.orm import aliased

from app.extensions import db
from app.models import (
    AccessRecord,
    Activity,
    Attendance,
    Booking,
    Consent,
    Household,
    HouseholdLink,
    Leave,
    LotteryApplication,
    Notice,
    Person,
    PickupPerson,
    Rating,
    Session,
    SessionInvitation,
    Suspension,
    User,
)
from app.timeutil import to_local

Rows = list[dict]


def _when(value: datetime | None) -> str | None:
    """A stored time as the centre's local time, ISO 8601 with its offset."""
    return to_local(value).isoformat(timespec="minutes") if value else None


def _day(value: date | None) -> str | None:
    return value.isoformat() if value else None


def _member_ids(household: Household):
    return select(Person.id).where(Person.household_id == household.id)


def household_rows(household: Household) -> Rows:
    return [
        {
            "id": household.id,
            "name": household.name,
            "address": household.address,
            "tags": ", ".join(household.tag_names),
            "registered": _when(household.created_at),
        }
    ]


def people_rows(household: Household) -> Rows:
    query = (
        select(Person, User)
        .outerjoin(User, User.person_id == Person.id)
        .where(Person.household_id == household.id)
        .order_by(Person.id)
    )
    return [
        {
            "id": person.id,
            "name": person.name,
            "birth_date": _day(person.birth_date),
            "phone": person.phone,
            "member_no": person.member_no,
            "care_notes": person.care_notes,
            "lunar_birthday": person.birthday_lunar,
            "registered": _when(person.created_at),
            "login_phone": user.phone if user else None,
            "email": user.email if user else None,
            "language": user.locale if user else None,
            "last_login": _when(user.last_login_at) if user else None,
        }
        for person, user in db.session.execute(query)
    ]


def booking_rows(household: Household) -> Rows:
    query = (
        select(Booking, Person.name, Activity.title, Session.starts_at)
        .join(Person, Person.id == Booking.person_id)
        .join(Activity, Activity.id == Booking.activity_id)
        .outerjoin(Session, Session.id == Booking.session_id)
        .where(Booking.person_id.in_(_member_ids(household)))
        .order_by(Booking.id)
    )
    return [
        {
            "id": booking.id,
            "person": name,
            "class": title,
            "session": _when(starts) if starts else "term",
            "status": booking.status,
            "channel": booking.channel,
            "booked": _when(booking.created_at),
            "cancelled": _when(booking.cancelled_at),
        }
        for booking, name, title, starts in db.session.execute(query)
    ]


def attendance_rows(household: Household) -> Rows:
    query = (
        select(Attendance, Person.name, Activity.title, Session.starts_at)
        .join(Person, Person.id == Attendance.person_id)
        .join(Session, Session.id == Attendance.session_id)
        .join(Activity, Activity.id == Session.activity_id)
        .where(Attendance.person_id.in_(_member_ids(household)))
        .order_by(Session.starts_at, Attendance.id)
    )
    return [
        {
            "person": name,
            "class": title,
            "session": _when(starts),
            "status": mark.status,
            "checked_in": _when(mark.checked_in_at),
            "checked_out": _when(mark.checked_out_at),
        }
        for mark, name, title, starts in db.session.execute(query)
    ]


def pickup_rows(household: Household) -> Rows:
    """The children's pickup lists: who, phone, relation, which day; never a code."""
    query = (
        select(PickupPerson, Person.name)
        .join(Person, Person.id == PickupPerson.child_id)
        .where(PickupPerson.child_id.in_(_member_ids(household)))
        .order_by(PickupPerson.child_id, PickupPerson.id)
    )
    return [
        {
            "child": child,
            "name": listed.name,
            "phone": listed.phone,
            "relation": listed.relation,
            "only_on": _day(listed.valid_on),
            "added": _when(listed.created_at),
        }
        for listed, child in db.session.execute(query)
    ]


def rating_rows(household: Household) -> Rows:
    query = (
        select(Rating, Person.name, Activity.title, Session.starts_at)
        .join(Person, Person.id == Rating.person_id)
        .join(Session, Session.id == Rating.session_id)
        .join(Activity, Activity.id == Session.activity_id)
        .where(Rating.person_id.in_(_member_ids(household)))
        .order_by(Rating.id)
    )
    return [
        {
            "person": name,
            "class": title,
            "session": _when(starts),
            "rating": rating.value,
            "remark": rating.comment,
            "rated": _when(rating.created_at),
        }
        for rating, name, title, starts in db.session.execute(query)
    ]


def notice_rows(household: Household) -> Rows:
    """The inbox messages of the household's accounts."""
    accounts = select(User.id).where(User.person_id.in_(_member_ids(household)))
    query = select(Notice).where(Notice.user_id.in_(accounts)).order_by(Notice.id)
    return [
        {
            "kind": notice.kind,
            "details": json.dumps(notice.params or {}, ensure_ascii=False, sort_keys=True),
            "sent": _when(notice.created_at),
            "read": _when(notice.read_at),
        }
        for notice in db.session.scalars(query)
    ]


def consent_rows(household: Household) -> Rows:
    """Every consent given for the household's children, withdrawn ones included."""
    guardian = aliased(Person)
    query = (
        select(Consent, Person.name, guardian.name)
        .join(Person, Person.id == Consent.person_id)
        .outerjoin(guardian, guardian.id == Consent.guardian_id)
        .where(Consent.person_id.in_(_member_ids(household)))
        .order_by(Consent.id)
    )
    return [
        {
            "child": child,
            "kind": consent.kind,
            "guardian": guardian_name,
            "given": _when(consent.given_at),
            "channel": consent.channel,
            "notice_version": consent.notice_version,
            "withdrawn": _when(consent.withdrawn_at),
        }
        for consent, child, guardian_name in db.session.execute(query)
    ]


def access_rows(household: Household) -> Rows:
    """Who saw the household's children's data (the teachers' and staff's views)."""
    viewer = aliased(Person)
    query = (
        select(AccessRecord, Person.name, viewer.name)
        .join(Person, Person.id == AccessRecord.person_id)
        .join(User, User.id == AccessRecord.viewer_id)
        .join(viewer, viewer.id == User.person_id)
        .where(AccessRecord.person_id.in_(_member_ids(household)))
        .order_by(AccessRecord.id)
    )
    return [
        {
            "child": child,
            "seen_by": seen_by,
            "role": record.role,
            "page": record.page,
            "at": _when(record.at),
        }
        for record, child, seen_by in db.session.execute(query)
    ]


def _per_session(model, extra: Callable) -> Callable[[Household], Rows]:
    """A section of `model`'s rows about the household's people, one per session
    (leave, lottery applications, invitations): who, which class and date, and
    `extra(row)`."""

    def rows(household: Household) -> Rows:
        query = (
            select(model, Person.name, Activity.title, Session.starts_at)
            .join(Person, Person.id == model.person_id)
            .join(Session, Session.id == model.session_id)
            .join(Activity, Activity.id == Session.activity_id)
            .where(model.person_id.in_(_member_ids(household)))
            .order_by(model.id)
        )
        return [
            {"person": name, "class": title, "session": _when(starts), **extra(row)}
            for row, name, title, starts in db.session.execute(query)
        ]

    return rows


leave_rows = _per_session(Leave, lambda r: {"channel": r.channel, "taken": _when(r.created_at)})
application_rows = _per_session(
    LotteryApplication,
    lambda a: {"status": a.status, "applied": _when(a.created_at), "draw_rank": a.draw_rank},
)
invitation_rows = _per_session(SessionInvitation, lambda i: {"invited": _when(i.invited_at)})


def suspension_rows(household: Household) -> Rows:
    """Pauses of online booking after missed classes, and when they were lifted."""
    query = (
        select(Suspension, Person.name)
        .join(Person, Person.id == Suspension.person_id)
        .where(Suspension.person_id.in_(_member_ids(household)))
        .order_by(Suspension.id)
    )
    return [
        {
            "person": name,
            "from": _when(pause.starts_at),
            "until": _when(pause.ends_at),
            "missed": pause.strikes,
            "lifted": _when(pause.lifted_at),
        }
        for pause, name in db.session.execute(query)
    ]


def link_rows(household: Household) -> Rows:
    """Who may book for the household's people from another household (代办)."""
    helper = aliased(Person)
    query = (
        select(HouseholdLink, Person.name, helper.name)
        .join(Person, Person.id == HouseholdLink.person_id)
        .join(User, User.id == HouseholdLink.user_id)
        .join(helper, helper.id == User.person_id)
        .where(HouseholdLink.person_id.in_(_member_ids(household)))
        .order_by(HouseholdLink.id)
    )
    return [
        {
            "person": name,
            "helper": helper_name,
            "status": link.status,
            "asked": _when(link.created_at),
            "confirmed": _when(link.confirmed_at),
            "revoked": _when(link.revoked_at),
        }
        for link, name, helper_name in db.session.execute(query)
    ]


# THE list of what a household's copy holds, in order.
SECTIONS: list[tuple[str, Callable[[Household], Rows]]] = [
    ("household", household_rows),
    ("people", people_rows),
    ("bookings", booking_rows),
    ("attendance", attendance_rows),
    ("pickup_lists", pickup_rows),
    ("ratings", rating_rows),
    ("notices", notice_rows),
    ("leave", leave_rows),
    ("lottery_applications", application_rows),
    ("invitations", invitation_rows),
    ("suspensions", suspension_rows),
    ("links", link_rows),
    ("consents", consent_rows),
    ("access_records", access_rows),
]


def household_data(household: Household) -> dict[str, Rows]:
    return {name: rows(household) for name, rows in SECTIONS}


def _workbook(data: dict[str, Rows]) -> bytes:
    book = Workbook()
    book.remove(book.active)
    for name, rows in data.items():
        sheet = book.create_sheet(name[:31])
        headers = list(rows[0]) if rows else []
        sheet.append(headers)
        for row in rows:
            sheet.append([_cell(row.get(key)) for key in headers])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _cell(value):
    # A typed text starting with "=" is text, not a formula.
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@"):
        return "'" + value
    return value


def household_zip(household: Household, now: datetime) -> tuple[str, bytes]:
    """(file name, zip bytes): `zhaoxi-data.json` and `zhaoxi-data.xlsx`."""
    data = household_data(household)
    payload = {"household_id": household.id, "made": _when(now), **data}
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(
            "zhaoxi-data.json", json.dumps(payload, ensure_ascii=False, indent=2, default=str)
        )
        archive.writestr("zhaoxi-data.xlsx", _workbook(data))
    stamp = to_local(now).strftime("%Y%m%d")
    return f"zhaoxi-household-{household.id}-{stamp}.zip", out.getvalue()
