"""Journey 2: a parent on a phone (360×740) books two children onto holiday
childcare days (the demo's 寒托班). One day has a single seat left, so one child
gets it and the other is put on the waiting list; the result page says so plainly."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from tests.browser.conftest import check_accessibility, screenshot
from tests.browser.helpers import PARENT, in_app, login

TEXT = {
    "zh-CN": {
        "title": "寒托班",
        "childcare": "托管",
        "submit": "预约勾选的日期",
        "result": "您的预约结果",
        "booked": "已预约",
        "waitlisted": "候补第 1 位",
    },
    "en": {
        "title": "Winter holiday childcare",
        "childcare": "Childcare",
        "submit": "Book the ticked days",
        "result": "Your booking result",
        "booked": "Booked",
        "waitlisted": "On the waiting list, number 1",
    },
}


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
def two_days(live_app):
    """Opens 寒托班 for booking now and picks two full days the family has not
    booked yet; the second has one seat left. Gives (children, first, second)."""
    from app.models import Activity, Booking, Person, Programme, ProgrammeSlot, SlotKind
    from app.timeutil import utcnow

    with in_app(live_app) as s:
        programme = s.scalar(
            select(Programme)
            .join(Activity, Programme.activity_id == Activity.id)
            .where(Activity.title == "寒托班")
        )
        programme.activity.opens_at = utcnow() - timedelta(hours=1)
        children = [
            s.scalar(select(Person).where(Person.name == name)) for name in ("林小雨", "林小乐")
        ]
        booked = set(
            s.scalars(
                select(Booking.session_id).where(Booking.household_id == children[0].household_id)
            )
        )
        slots = s.scalars(
            select(ProgrammeSlot)
            .where(ProgrammeSlot.programme_id == programme.id, ProgrammeSlot.kind == SlotKind.FULL)
            .order_by(ProgrammeSlot.day)
        ).all()
        free = [
            slot.session
            for slot in slots
            if slot.session_id not in booked and slot.session.status == "scheduled"
        ]
        first, second = free[0], free[1]
        second.capacity = second.taken + 1
        result = ([c.id for c in children], first.id, second.id, programme.id)
    return result


def test_parent_books_two_children_and_one_is_waitlisted(page, language, javascript, two_days):
    words = TEXT[language]
    (older, younger), first, second, programme = two_days
    folder = f"childcare-{language}-{'js' if javascript else 'nojs'}"
    login(page, PARENT)
    page.get_by_role("link", name=words["childcare"]).first.click()
    screenshot(page, folder, "1-programmes")
    if javascript:
        check_accessibility(page, "programme list")
    page.get_by_role("link", name=words["title"]).first.click()
    assert page.url.endswith(f"/programmes/{programme}")
    screenshot(page, folder, "2-calendar")
    if javascript:
        check_accessibility(page, "programme calendar")
    for child in (older, younger):
        for day in (first, second):
            page.locator(f'input[name="pick"][value="{child}-{day}"]').check()
    page.get_by_role("button", name=words["submit"]).click()
    results = page.locator("#results")
    results.get_by_role("heading", name=words["result"]).wait_for()
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    lines = results.locator("li.booking")
    assert lines.count() == 4
    assert results.locator(".result-confirmed").count() == 3
    waitlisted = results.locator(".result-waitlisted")
    assert waitlisted.count() == 1
    assert words["waitlisted"] in waitlisted.inner_text()
    screenshot(page, folder, "3-result")
    if javascript:
        check_accessibility(page, "booking result")
