from sqlalchemy import func, select

from app.extensions import db
from app.models import Activity, Booking, Person, Session, User


def _counts():
    return [
        db.session.scalar(select(func.count()).select_from(m))
        for m in (User, Person, Activity, Session)
    ]


def test_seed_demo_loads_the_programme_once(runner):
    first = runner.invoke(args=["seed-demo"])
    assert first.exit_code == 0, first.output
    assert "13800000001" in first.output and "123456" in first.output
    assert "Demo pickup codes" in first.output  # hashed: this is the only time they show
    counts = _counts()
    bookings = db.session.scalar(select(func.count(Booking.id)))
    assert counts[2] >= 10 and all(counts)
    titles = set(db.session.scalars(select(Activity.title)))
    assert {"银龄风采中国舞", "书法班", "智能手机课堂", "四点半课堂", "亲子竹编风铃"} <= titles
    second = runner.invoke(args=["seed-demo"])
    assert second.exit_code == 0 and "nothing added" in second.output
    assert _counts() == counts
    assert db.session.scalar(select(func.count(Booking.id))) == bookings


def test_demo_pages_render(runner, client):
    runner.invoke(args=["seed-demo"])
    assert client.get("/classes").status_code == 200
    for activity_id in db.session.scalars(select(Activity.id)):
        assert client.get(f"/classes/{activity_id}").status_code == 200
