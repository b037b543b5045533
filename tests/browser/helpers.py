"""Small steps the journeys share: logging in, looking things up in the live app."""

from __future__ import annotations

from contextlib import contextmanager

from sqlalchemy import select

from app.extensions import db

PIN = "123456"
PASSWORD = "zhaoxi-demo"
PARENT = "13800000002"  # 林晓, two children
ELDER_KIOSK = "13800000001"  # 王秀英
ELDER_PHONE = "13800000003"  # 张桂兰 (the catalogue journey)
GRANDMOTHER = "13800000004"  # 陈美华
CALLIGRAPHY_TEACHER = "13900000002"  # 王老师
STAFF = "13900000009"  # 赵社工


@contextmanager
def in_app(live_app):
    """The live server's database, for arranging and checking data."""
    with live_app.app_context():
        try:
            yield db.session
            db.session.commit()
        finally:
            db.session.remove()


def login(page, phone: str, secret: str | None = None) -> None:
    secret = secret or (PIN if phone.startswith("138") else PASSWORD)
    page.goto("/login")
    page.locator("#phone").fill(phone)
    page.locator("#secret").fill(secret)
    page.locator("main form button[type=submit]").click()
    page.wait_for_load_state()


def logout(page) -> None:
    page.context.clear_cookies()


def activity_id(live_app, title: str) -> int:
    from app.models import Activity

    with in_app(live_app) as s:
        return s.scalar(select(Activity.id).where(Activity.title == title))


def person_id(live_app, name: str) -> int:
    from app.models import Person

    with in_app(live_app) as s:
        return s.scalar(select(Person.id).where(Person.name == name))


def first_session_id(live_app, title: str) -> int:
    from app.models import Activity, Session

    with in_app(live_app) as s:
        return s.scalar(
            select(Session.id)
            .join(Activity, Session.activity_id == Activity.id)
            .where(Activity.title == title)
            .order_by(Session.starts_at)
        )


def programme_id(live_app, title: str) -> int:
    from app.models import Activity, Programme

    with in_app(live_app) as s:
        return s.scalar(
            select(Programme.id)
            .join(Activity, Programme.activity_id == Activity.id)
            .where(Activity.title == title)
        )


def in_next_week_if_over(page, entries, url: str) -> None:
    """The demo's calligraphy class meets on Wednesday mornings and the class lists
    show seven days from today: from then until Thursday it is in next week's list.
    Opens `url` with `week=1` when `entries` (a locator) finds none this week."""
    if entries.count() == 0:
        page.goto(url + ("&" if "?" in url else "?") + "week=1")
