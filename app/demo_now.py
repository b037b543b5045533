"""The demo's here and now: whatever the hour `flask seed-demo` runs, one class is
running and another starts within the hour, with demo elders booked on both, so a
newcomer can check in at the kiosk and take a roll at once (the rest of the demo
follows the week's timetable, and in the evening all of today's classes are over).
Laid relative to the moment of seeding, to five minutes."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select

from app.extensions import db
from app.models import Activity, Audience, Channel, Person, User
from app.services.booking.book import book
from app.services.booking.targets import Target
from app.services.refusals import Refusal
from app.services.schedule.activities import create_activity
from app.services.schedule.sessions import add_session

RUNNING_FOR = timedelta(minutes=30)  # the running class started this long ago
NEXT_IN = timedelta(minutes=40)  # the next class starts this long after seeding
LENGTH = timedelta(minutes=60)
# Neighbours of the demo's history (app/demo_history.py) who come to 八段锦.
NEIGHBOURS_NOW = ("赵桂芳", "钱国庆", "钱秀兰", "孙丽华", "李淑珍", "周玉兰")


def _to_five_minutes(now: datetime) -> datetime:
    return now.replace(minute=now.minute - now.minute % 5, second=0, microsecond=0)


def seed_now(now: datetime, *, teacher: User, desk: User) -> Activity:
    """Adds 八段锦, taught by `teacher`: a session running now (started half an hour
    ago) and one starting within the next hour, each with neighbours the desk
    booked the day before (the demo's own logins are left free: at the kiosk they
    find the running class as a drop-in to check in to, and the browser journeys
    book them elsewhere)."""
    moment = _to_five_minutes(now)
    activity = create_activity(
        now=now,
        title="八段锦",
        title_en="Baduanjin qigong",
        category="fitness",
        audience=Audience.ELDER,
        capacity=20,
        room="多功能厅",
        teacher_id=teacher.id,
        description="舒缓的传统健身功法，随到随练，每天都有。",
    )
    sessions = [
        add_session(activity, moment - RUNNING_FOR, moment - RUNNING_FOR + LENGTH),
        add_session(activity, moment + NEXT_IN, moment + NEXT_IN + LENGTH),
    ]
    booked_at = sessions[0].starts_at - timedelta(days=1)
    people = db.session.scalars(select(Person).where(Person.name.in_(NEIGHBOURS_NOW)))
    for person in people:
        for session in sessions:
            try:
                book(
                    person,
                    Target.of(activity, session),
                    by=desk,
                    channel=Channel.PHONE,
                    now=booked_at,
                )
            except Refusal:
                # Busy then with another of their classes: the demo leaves it.
                continue
    return activity
