"""In Chinese, no English words of our own interface show on the pages people use
(names and data aside): the catalog test checks every msgid is translated, this
checks the pages really render translated text, dates included."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from app.demo import DEMO_PASSWORD, DEMO_PIN, seed_demo
from app.extensions import db
from app.models import Activity, Person, Session, User

# Words of our own interface (not data): if one shows in a Chinese page, a string
# escaped translation or a date is formatted in English.
ENGLISH = re.compile(
    r"\b(Book|Booked|Log in|Log out|Seats?|Full|Waiting|Cancel|Today|Classes|"
    r"My bookings|Messages|Back|Next|Search|Room|Present|Absent|Call staff|Skip to|"
    r"Reason|Phone|Name|Done|Menu|Print|Slip|Childcare|Monday|Tuesday|Wednesday|"
    r"Thursday|Friday|Saturday|Sunday|Mon|Tue|Wed|Thu|Fri|Sat|Sun|Jan|Feb|Mar|Apr|"
    r"May|Jun|Jul|Aug|Sep|Oct|Nov|Dec|seats? left|am|pm)\b"
)
TAGS = re.compile(r"<(script|style)\b.*?</\1>|<[^>]+>", re.S)


def visible_text(html: str) -> str:
    return re.sub(r"\s+", " ", TAGS.sub(" ", html))


@pytest.fixture
def demo(app, now):
    seed_demo(now)
    db.session.commit()
    calligraphy = db.session.scalar(select(Activity).where(Activity.title == "书法班"))
    return {
        "calligraphy": calligraphy.id,
        "session": db.session.scalar(
            select(Session.id).where(Session.activity_id == calligraphy.id)
        ),
        "user": lambda phone: db.session.scalar(select(User).where(User.phone == phone)),
        "child": db.session.scalar(select(Person.id).where(Person.name == "林小雨")),
    }


def english_on(client, path: str) -> list[str]:
    response = client.get(path, headers={"Accept-Language": "zh-CN"})
    assert response.status_code < 500, path
    html = response.get_data(as_text=True)
    assert '<html lang="zh-CN">' in html, path
    text = visible_text(html)
    # Names of classes in the demo data are Chinese; "朝夕" is the brand.
    return sorted(set(ENGLISH.findall(text)))


def test_public_and_kiosk_pages_are_all_chinese(client, demo):
    for path in (
        "/classes",
        f"/classes/{demo['calligraphy']}",
        "/programmes/",
        "/login",
        "/kiosk/",
        "/kiosk/login",
        "/display",
    ):
        assert english_on(client, path) == [], path


def test_resident_and_teacher_pages_are_all_chinese(client, auth, demo):
    auth.login(demo["user"]("13800000002"), secret=DEMO_PIN)
    for path in (
        "/me/",
        "/me/bookings",
        "/me/inbox",
        f"/programmes/children/{demo['child']}/pickup",
    ):
        assert english_on(client, path) == [], path
    auth.logout()
    auth.login(demo["user"]("13900000002"), secret=DEMO_PASSWORD)
    for path in ("/teach/", f"/teach/sessions/{demo['session']}", "/teach/hours"):
        assert english_on(client, path) == [], path
