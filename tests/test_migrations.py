"""The migrations build the same schema as the models."""

import os

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import upgrade

from app import create_app
from app.extensions import db
from config import TestingConfig
from tests.conftest import private_schema


@pytest.fixture
def empty_database_url(tmp_path, database_url):
    if database_url.startswith("postgresql"):
        with private_schema(database_url, "migration_check") as url:
            yield url
    else:
        yield f"sqlite:///{tmp_path / 'migrated.db'}"


def test_upgrade_on_an_empty_database_matches_the_models(empty_database_url):
    app = create_app(TestingConfig, SQLALCHEMY_DATABASE_URI=empty_database_url)
    with app.app_context():
        upgrade(directory=os.path.join(app.root_path, "..", "migrations"))
        with db.engine.connect() as conn:
            context = MigrationContext.configure(conn, opts={"compare_type": True})
            diff = compare_metadata(context, db.metadata)
        db.session.remove()
        db.engine.dispose()
    assert diff == []


def _run_migration(name: str, step: str) -> None:
    """Runs one migration's upgrade or downgrade on the suite's database."""
    import importlib.util
    import pathlib

    from alembic.operations import Operations

    path = next(pathlib.Path(__file__).parent.parent.glob(f"migrations/versions/*_{name}_*.py"))
    spec = importlib.util.spec_from_file_location(f"migration_{name}", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    with db.engine.begin() as conn:
        context = MigrationContext.configure(conn)
        with Operations.context(context):
            getattr(module, step)()


def test_0009_relabels_online_bookings_and_lottery_wins_and_back(make, now):
    """A resident's own booking and leave (stored as "phone") become "online", a
    phone call the desk took stays "phone", a lottery win (stored as "desk") becomes
    "lottery"; the downgrade puts them back."""
    from app.models import Booking, BookingStatus, Leave, LotteryApplication, Role
    from app.services.booking.place import insert_booking
    from app.services.booking.targets import Target
    from tests.programme_helpers import holiday

    activity = make.activity(capacity=5, sessions=1)
    resident = make.resident()
    staff = make.user(role=Role.STAFF, age=40)
    target = Target.of(activity, activity.sessions[0])
    own = insert_booking(
        resident.person, target, confirmed=True, channel="phone", by=resident, now=now
    )
    other = make.resident()
    called = insert_booking(
        other.person, target, confirmed=True, channel="phone", by=staff, now=now
    )
    leave = Leave(
        session_id=activity.sessions[0].id,
        person_id=resident.person.id,
        booking_id=own.id,
        channel="phone",
        created_by_id=resident.id,
        created_at=now,
    )
    programme = holiday(make)
    slot = programme.slots[0].session
    child = make.person(age=8)
    won = insert_booking(
        child, Target(programme.activity, slot), confirmed=True, channel="desk", by=staff, now=now
    )
    db.session.add_all(
        [
            leave,
            LotteryApplication(
                programme_id=programme.id,
                session_id=slot.id,
                person_id=child.id,
                household_id=child.household_id,
                booking_id=won.id,
                status="won",
            ),
        ]
    )
    make.commit()

    def channels():
        db.session.commit()  # a fresh snapshot: see what the migration wrote
        return [db.session.get(Booking, b.id).channel for b in (own, called, won)] + [
            db.session.get(Leave, leave.id).channel
        ]

    _run_migration("0009", "upgrade")
    assert channels() == ["online", "phone", "lottery", "online"]
    _run_migration("0009", "downgrade")
    assert channels() == ["phone", "phone", "desk", "phone"]
    assert db.session.get(Booking, own.id).status == BookingStatus.CONFIRMED
