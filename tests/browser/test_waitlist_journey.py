"""Journey 4: at the desk, staff give a waitlisted resident a free seat ahead of
the queue, with a reason; the resident then finds the good news in their messages."""

from __future__ import annotations

import itertools
from datetime import datetime, time, timedelta

import pytest
from sqlalchemy import select

from tests.browser.conftest import check_accessibility, screenshot
from tests.browser.helpers import GRANDMOTHER, STAFF, in_app, login

TEXT = {
    "zh-CN": {
        "desk": "服务台",
        "give": "给名额",
        "done": "陈美华 现在有名额了。",
        "messages": "消息",
        "news": "好消息：有人空出了名额，陈美华 已成功预约",
    },
    "en": {
        "desk": "Front desk",
        "give": "Give a seat",
        "done": "陈美华 now has a place.",
        "messages": "Messages",
        "news": "Good news: a place came free and 陈美华 is now booked on",
    },
}
COUNTER = itertools.count(1)
REASON = "行动不便，需要优先 / needs priority"


@pytest.fixture
def browser_context_args(browser_context_args, language, javascript):
    return {**browser_context_args, "locale": language, "java_script_enabled": javascript}


@pytest.fixture
def waiting(live_app):
    """A one-seat class tomorrow: 张桂兰 has the seat, 王建国 and then 陈美华 wait.
    A second seat has just come free (the desk will decide who gets it)."""
    from app.models import Channel, Person, User
    from app.services.booking.book import book
    from app.services.booking.targets import Target
    from app.services.schedule.activities import create_activity
    from app.services.schedule.sessions import add_session
    from app.timeutil import from_local, local_date, utcnow

    n = next(COUNTER)
    with in_app(live_app) as s:
        moment = utcnow()
        day = local_date(moment) + timedelta(days=1)
        activity = create_activity(
            now=moment,
            title=f"八段锦{n}",
            title_en=f"Baduanjin {n}",
            category="fitness",
            audience="elder",
            capacity=1,
            room="中心广场",
        )
        session = add_session(
            activity,
            from_local(datetime.combine(day, time(17 + n % 6))),
            from_local(datetime.combine(day, time(17 + n % 6, 45))),
        )
        target = Target.of(activity, session)
        people = {
            name: s.scalar(select(Person).where(Person.name == name))
            for name in ("张桂兰", "王建国", "陈美华")
        }
        desk = s.scalar(select(User).where(User.phone == STAFF))
        for person in people.values():
            book(person, target, by=desk, channel=Channel.DESK, now=moment)
        # The freed seat, before anyone is moved up.
        session.capacity = 2
        return {
            "title": activity.title,
            "zh-CN": activity.title,
            "en": activity.title_en,
            "session": session.id,
        }


def test_staff_give_a_seat_with_a_reason_and_the_resident_is_told(
    page, language, javascript, waiting, live_app
):
    words = TEXT[language]
    folder = f"waitlist-{language}-{'js' if javascript else 'nojs'}"
    login(page, STAFF)
    page.get_by_role("link", name=words["desk"]).first.click()
    screenshot(page, folder, "1-desk")
    if javascript:
        check_accessibility(page, "front desk")
    page.goto("/staff/activities")
    page.get_by_role("link", name=waiting["title"]).click()
    page.locator(f'a[href="/staff/sessions/{waiting["session"]}"]').click()
    screenshot(page, folder, "2-session")
    if javascript:
        check_accessibility(page, "desk session")

    queue = page.locator("#bookings ol .desk-row")
    assert queue.count() == 2
    second = queue.filter(has_text="陈美华")
    second.get_by_role("textbox").first.fill(REASON)
    second.get_by_role("button", name=words["give"]).click()
    page.get_by_text(words["done"]).wait_for()
    assert page.locator("#bookings ol .desk-row").count() == 1
    screenshot(page, folder, "3-given")
    if javascript:
        check_accessibility(page, "desk after promotion")

    with in_app(live_app) as s:
        from app.models import AuditEntry

        entry = s.scalars(
            select(AuditEntry)
            .where(AuditEntry.action == "waitlist.promote")
            .order_by(AuditEntry.id.desc())
        ).first()
        assert entry.reason == REASON

    page.context.clear_cookies()
    login(page, GRANDMOTHER)
    page.get_by_role("link", name=words["messages"]).first.click()
    notice = page.locator("main").get_by_text(words["news"]).first
    notice.wait_for()
    assert waiting[language] in page.locator("main").inner_text()
    screenshot(page, folder, "4-resident-inbox")
    if javascript:
        check_accessibility(page, "resident inbox")
