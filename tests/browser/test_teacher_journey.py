"""Journey 3: a teacher takes the roll of today's session on a phone: marks the
booked resident present and adds a walk-in who came without a booking."""

from __future__ import annotations

import itertools
from datetime import datetime, time, timedelta

import pytest
from sqlalchemy import select

from tests.browser.conftest import check_accessibility, screenshot
from tests.browser.helpers import CALLIGRAPHY_TEACHER, in_app, login

TEXT = {
    "zh-CN": {
        "today": "今天",
        "present": "出席",
        "search": "查找",
        "add": "添加并记为出席",
        "walk_in": "临时来上课",
        "tally": "出席 2",
    },
    "en": {
        "today": "Today",
        "present": "Present",
        "search": "Search",
        "add": "Add as present",
        "walk_in": "Walk-in",
        "tally": "Present 2",
    },
}
COUNTER = itertools.count(1)


@pytest.fixture
def browser_context_args(browser_context_args, language, javascript):
    return {
        **browser_context_args,
        "locale": language,
        "java_script_enabled": javascript,
        "viewport": {"width": 360, "height": 740},
        "is_mobile": True,
        "has_touch": True,
    }


@pytest.fixture
def todays_session(live_app):
    """A one-off class of the calligraphy teacher today, with 陈美华 booked on it.
    A new class per run, so the shared server's other journeys are untouched."""
    from app.models import Channel, Person, User
    from app.services.booking.book import book
    from app.services.booking.targets import Target
    from app.services.schedule.activities import create_activity
    from app.services.schedule.sessions import add_session
    from app.timeutil import from_local, local_date, utcnow

    n = next(COUNTER)
    with in_app(live_app) as s:
        moment = utcnow()
        today = local_date(moment)
        teacher = s.scalar(select(User).where(User.phone == CALLIGRAPHY_TEACHER))
        activity = create_activity(
            now=moment,
            title=f"书法体验课{n}",
            title_en=f"Calligraphy taster {n}",
            category="calligraphy",
            audience="elder",
            capacity=10,
            room="书画室",
            teacher_id=teacher.id,
        )
        session = add_session(
            activity,
            from_local(datetime.combine(today, time(18 + n % 6))),
            from_local(datetime.combine(today, time(18 + n % 6, 50))),
        )
        elder = s.scalar(select(Person).where(Person.name == "陈美华"))
        # Booked before it starts, whatever the hour the suite runs: the roll of a
        # session later today, or one already over today, can be taken all day.
        booked_at = min(moment, session.starts_at - timedelta(hours=1))
        book(
            elder, Target.of(activity, session), by=elder.user, channel=Channel.DESK, now=booked_at
        )
        titles = {"zh-CN": activity.title, "en": activity.title_en}
    return titles


def test_teacher_marks_the_roll_and_adds_a_walk_in(page, language, javascript, todays_session):
    words = TEXT[language]
    folder = f"teacher-{language}-{'js' if javascript else 'nojs'}"
    login(page, CALLIGRAPHY_TEACHER)
    page.get_by_role("link", name=words["today"]).first.click()
    screenshot(page, folder, "1-today")
    if javascript:
        check_accessibility(page, "teacher today")
    page.get_by_role("link", name=todays_session[language]).click()
    screenshot(page, folder, "2-roll")
    if javascript:
        check_accessibility(page, "roll")

    booked = page.locator(".roll-line").filter(has_text="陈美华")
    booked.get_by_role("button", name=f"{words['present']} 陈美华").click()
    page.locator(".roll-line").filter(has_text="陈美华").locator('[aria-pressed="true"]').wait_for()

    page.locator("#q").fill("王建国")
    page.get_by_role("button", name=words["search"], exact=True).click()
    screenshot(page, folder, "3-search")
    if javascript:
        check_accessibility(page, "walk-in search")
    page.locator(".person").filter(has_text="王建国").get_by_role(
        "button", name=words["add"]
    ).click()
    walk_in = page.locator(".roll-line").filter(has_text="王建国")
    walk_in.get_by_text(words["walk_in"]).wait_for()
    assert walk_in.locator('[aria-pressed="true"]').inner_text().startswith(words["present"])
    assert words["tally"] in page.locator(".roll-tally").inner_text()
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    screenshot(page, folder, "4-marked")
    if javascript:
        check_accessibility(page, "roll after marking")
