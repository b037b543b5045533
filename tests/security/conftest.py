"""Fixtures of the trust tests: a row-count snapshot of the whole database, and a
small world with one account for every role."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta

import pytest
from sqlalchemy import text

from app.extensions import db
from app.models import Role
from app.services.booking.book import book
from app.services.booking.targets import Target
from app.services.childcare.pickup_list import add_pickup_person
from app.services.childcare.submissions import book_days
from tests.conftest import PASSWORD, PIN
from tests.programme_helpers import afterschool, family, holiday, sessions


@pytest.fixture
def snapshot(app):
    """A callable giving {table_name: row_count} for every table, as committed."""

    tables = [t.name for t in db.metadata.sorted_tables]
    query = text(
        " UNION ALL ".join(f"SELECT '{name}' AS name, count(*) FROM \"{name}\"" for name in tables)
    )

    def take() -> dict[str, int]:
        db.session.commit()  # a fresh read: see what the requests committed
        return {name: count for name, count in db.session.execute(query).all()}

    return take


@dataclass
class World:
    """Who logs in as each role, and what there is to act on."""

    logins: dict = field(default_factory=dict)  # role -> (url, data) or None
    ids: dict = field(default_factory=dict)  # what kind of id -> ids that exist


ROLES = ("anonymous", "resident", "guardian", "kiosk", "teacher", "door_teacher", "staff")


@pytest.fixture
def world(make, now, app) -> World:
    """An elders' class with a teacher and a booking, an after-school club with its
    teacher at the door, a holiday programme, a family with two children (booked,
    with a pickup person), an elder, and a staff member."""
    staff = make.user(role=Role.STAFF, age=40)
    teacher = make.user(role=Role.TEACHER, age=45)
    door_teacher = make.user(role=Role.TEACHER, age=30)
    elder = make.resident(age=72)
    guardian, kids = family(make)
    activity = make.activity(sessions=3, teacher_id=teacher.id, start_in=timedelta(hours=1))
    series = make.activity(title="太极班", series=True, sessions=3)
    club = afterschool(make, teacher=door_teacher)
    camp = holiday(make, staff=staff)
    today = sessions(club)[0]
    book_days(club, [(k, today) for k in kids], by=guardian, channel="phone", now=now)
    book(elder.person, Target.of(activity, activity.sessions[0]), by=elder, channel="web", now=now)
    book(elder.person, Target.of(series), by=elder, channel="web", now=now)
    add_pickup_person(
        kids[0], name="外婆", phone="13700000001", relation="外婆", by=guardian, now=now
    )
    make.commit()
    # The club's first afternoon has begun: the door is open.
    app.config["FROZEN_NOW"] = today.starts_at + timedelta(minutes=5)
    return World(
        logins={
            "anonymous": None,
            "resident": ("/login", {"phone": elder.phone, "secret": PIN}),
            "guardian": ("/login", {"phone": guardian.phone, "secret": PIN}),
            "kiosk": ("/kiosk/login", {"who": elder.phone, "pin": PIN}),
            "teacher": ("/login", {"phone": teacher.phone, "secret": PASSWORD}),
            "door_teacher": ("/login", {"phone": door_teacher.phone, "secret": PASSWORD}),
            "staff": ("/login", {"phone": staff.phone, "secret": PASSWORD}),
        },
        ids={
            "activity": [activity.id, series.id],
            "session": [activity.sessions[0].id, today.id, series.sessions[0].id],
            "person": [elder.person.id, kids[0].id, kids[1].id, guardian.person.id],
            "programme": [club.id, camp.id],
        },
    )


def log_in(client, world: World, role: str) -> None:
    """Log `client` in as `role` (nothing for anonymous); a no-op when it still is."""
    login = world.logins[role]
    if login is None:
        return
    with client.session_transaction() as session:
        if session.get("_user_id"):
            return
    url, data = login
    response = client.post(url, data=data)
    with client.session_transaction() as session:
        assert session.get("_user_id"), f"{role} could not log in: {response.status_code}"
