"""Journey 2: a parent on a phone (360×740) books two children onto holiday
childcare days (the demo's 寒托班). One day has a single seat left, so one child
gets it and the other is put on the waiting list; the result page says so plainly."""

from __future__ import annotations

import time
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
        "full": "已满",
        "tick": "请至少给一个孩子勾选一天。",
    },
    "en": {
        "title": "Winter holiday childcare",
        "childcare": "Childcare",
        "submit": "Book the ticked days",
        "result": "Your booking result",
        "booked": "Booked",
        "waitlisted": "On the waiting list, number 1",
        "full": "Full",
        "tick": "Please tick at least one day for a child.",
    },
}


CLUB = {
    "zh-CN": {
        "title": "四点半课堂",
        "childcare": "托管",
        "cancel": "取消预约",
        "leave": "来不了？（请假）",
        "enrolled": "已报名",
    },
    "en": {
        "title": "After-school club",
        "childcare": "Childcare",
        "cancel": "Cancel booking",
        "leave": "Can't come? (leave)",
        "enrolled": "Enrolled",
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
        day = s.scalar(select(ProgrammeSlot.day).where(ProgrammeSlot.session_id == second.id))
        result = ([c.id for c in children], first.id, second.id, programme.id, day.isoformat())
    return result


def test_parent_books_two_children_and_one_is_waitlisted(page, language, javascript, two_days):
    words = TEXT[language]
    (older, younger), first, second, programme, second_day = two_days
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
    # Where the parent is looking: the whole result inside the 360×740 screen, and
    # focused, so a screen reader reads it out.
    assert_in_viewport(page, results)
    assert page.evaluate("document.activeElement.id") == "results"
    lines = results.locator("li.booking")
    assert lines.count() == 4
    assert results.locator(".result-confirmed").count() == 3
    waitlisted = results.locator(".result-waitlisted")
    assert waitlisted.count() == 1
    assert words["waitlisted"] in waitlisted.inner_text()
    # The calendar below shows the new state: no box left to tick for those days,
    # and the last seat is gone.
    for child in (older, younger):
        for day in (first, second):
            assert page.locator(f'input[name="pick"][value="{child}-{day}"]').count() == 0
    full = page.locator(f'section[aria-labelledby="day-{second_day}"] .seats')
    assert words["full"] in full.first.inner_text()
    screenshot(page, folder, "3-result")
    if javascript:
        check_accessibility(page, "booking result")
    # A second tap on the button (nothing ticked now): its answer comes in the same
    # place, and no booked day reads as a failure.
    page.get_by_role("button", name=words["submit"]).click()
    page.locator("#results[role=alert]").wait_for()
    assert_in_viewport(page, page.locator("#results"))
    assert words["tick"] in page.locator("#results").inner_text()


def assert_in_viewport(page, locator, wait_s: float = 3.0) -> None:
    """The element is inside the screen, within `wait_s`: htmx swaps the answer in,
    then settles it and only then scrolls to it (`show:`), so the first look may
    come between the two."""
    size = page.viewport_size
    deadline = time.monotonic() + wait_s
    while True:
        box = locator.bounding_box()
        assert box is not None
        inside = (
            box["y"] >= 0
            and box["y"] + box["height"] <= size["height"]
            and box["x"] >= 0
            and box["x"] + box["width"] <= size["width"]
        )
        if inside or time.monotonic() > deadline:
            break
        page.wait_for_timeout(50)
    assert inside, (box, size)


def test_the_after_school_club_shows_enrolled_children_as_enrolled(
    page, language, javascript, live_app
):
    """The demo family's children are enrolled in 四点半课堂: the page says so, with
    their cancel and leave buttons, and offers no box to enrol them again."""
    words = CLUB[language]
    login(page, PARENT)
    page.get_by_role("link", name=words["childcare"]).first.click()
    page.get_by_role("link", name=words["title"]).first.click()
    enrolled = page.locator(".enrolments li.booking")
    assert enrolled.count() == 2
    for name in ("林小雨", "林小乐"):
        row = enrolled.filter(has_text=name)
        assert row.get_by_role("button", name=words["cancel"]).count() == 1
        assert row.get_by_text(words["leave"]).count() == 1
    assert page.locator('input[name="pick"]').count() == 0
    calendar = page.locator(".programme-form")
    assert calendar.get_by_text(words["enrolled"]).count() == 2
    screenshot(page, f"club-{language}-{'js' if javascript else 'nojs'}", "1-enrolled")
    if javascript:
        check_accessibility(page, "after-school club, enrolled")
