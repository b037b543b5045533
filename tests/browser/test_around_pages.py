"""The pages of issue 17 through axe, in both languages: the birthday list, the
year's holidays, the schedule generator with holidays proposed (staff), and the
calendar page (a parent, on a 360 px phone)."""

from __future__ import annotations

import pytest

from tests.browser.conftest import check_accessibility
from tests.browser.helpers import PARENT, STAFF, activity_id, login


def _sweep(page, paths, *, phone_width=False):
    """Each page: no server error, its language, axe, and no sideways scrolling on a
    phone (as test_page_sweep.py checks the others)."""
    for path in paths:
        response = page.goto(path)
        assert response is not None and response.status < 500, path
        check_accessibility(page, path)
        if phone_width:
            assert page.evaluate("document.documentElement.scrollWidth") <= 360, path


@pytest.fixture
def browser_context_args(browser_context_args, language):
    return {**browser_context_args, "locale": language, "viewport": {"width": 360, "height": 740}}


def test_staff_pages_of_birthdays_and_holidays(page, live_app, language):
    page.set_viewport_size({"width": 1280, "height": 800})
    login(page, STAFF)
    activity = activity_id(live_app, "书法班")
    _sweep(
        page,
        ["/staff/birthdays", "/staff/birthdays?month=2026-12", "/staff/holidays?year=2026"],
    )
    page.goto(f"/staff/activities/{activity}/schedule")
    for day in ("1", "2", "3", "4", "5"):
        page.locator(f"input[name=weekdays][value='{day}']").check()
    page.locator("#first_day").fill("2026-09-28")
    page.locator("#last_day").fill("2026-10-11")
    page.locator("#start").fill("16:30")
    page.locator("#end").fill("18:00")
    page.locator("main form button[type=submit]").click()
    assert page.locator("input[name=skip_proposed][value='2026-10-01']").is_checked()
    assert page.locator("input[name=extra_proposed][value='2026-10-10']").is_checked()
    check_accessibility(page, "schedule with holidays proposed")


def test_the_calendar_page_on_a_phone(page, language):  # noqa: ARG001 - both languages
    login(page, PARENT)
    _sweep(page, ["/me/calendar"], phone_width=True)
    page.locator("main form button[type=submit]").first.click()
    assert "/me/calendar.ics?key=" in page.locator("#feed-url").input_value()
    check_accessibility(page, "/me/calendar with its address")
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
