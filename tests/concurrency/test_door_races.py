"""Races at the door: wrong pickup codes typed at once on several phones count one
after another, so no more than MAX_WRONG_CODES are ever tried for a child."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

from app.extensions import db
from app.models import PickupAttempt, Role, User
from app.services.childcare import door as childcare_door
from app.services.childcare import pickup, pickup_list
from app.services.childcare.submissions import book_days
from tests.concurrency.test_attendance_races import _race
from tests.programme_helpers import afterschool, family, sessions


def test_parallel_wrong_codes_stop_at_the_limit(app, make, now):
    teacher = make.user(role=Role.TEACHER, age=30)
    programme = afterschool(make, teacher=teacher)
    guardian, (kid,) = family(make, children=1)
    today = sessions(programme)[0]
    book_days(programme, [(kid, today)], by=guardian, channel="phone", now=now)
    grandma = pickup_list.add_pickup_person(
        kid, name="外婆", phone="13700000001", relation="外婆", by=guardian, now=now
    )
    moment = today.starts_at + timedelta(minutes=5)
    childcare_door.check_in(kid, today, by=teacher, now=moment)
    wrong = "0000" if grandma.issued_code != "0000" else "1111"
    ids = (teacher.id, kid.id, today.id, grandma.id)
    db.session.commit()

    def wrong_code(i):
        from app.models import Person, Session

        teacher_id, kid_id, session_id, grandma_id = ids
        attempt = pickup.check_out(
            db.session.get(Person, kid_id),
            db.session.get(Session, session_id),
            pickup_person_id=grandma_id,
            code=wrong,
            by=db.session.get(User, teacher_id),
            now=moment + timedelta(seconds=i),
        )
        return attempt.reason

    results = _race(app, 10, wrong_code)
    assert sorted(results) == sorted(
        ["wrong_code"] * pickup.MAX_WRONG_CODES + ["too_many"] * (10 - pickup.MAX_WRONG_CODES)
    ), results
    db.session.expire_all()
    counted = db.session.scalar(
        select(func.count(PickupAttempt.id)).where(PickupAttempt.reason == "wrong_code")
    )
    assert counted == pickup.MAX_WRONG_CODES
