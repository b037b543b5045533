"""Beyond the next seven days: a resident finds 写春联 (12 days after this week's
Monday in the demo) week by week on the class list and on "coming events", books it
and gives it back; at the kiosk an elder pages to next week and back with the big
buttons. In both languages, with and without JavaScript."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import check_accessibility, screenshot
from tests.browser.helpers import ELDER_KIOSK, ELDER_PHONE, PIN
from tests.browser.test_kiosk_journey import tap_digits

TEXT = {
    "zh-CN": {
        "event": "写春联",
        "events": "即将举办的活动",
        "this_week": "本周课程",
        "login": "登录",
        "book": "预约",
        "booked": "已预约",
        "mine": "我的预约",
        "cancel": "取消预约",
        "book_class": "预约课程",
        "next": "下一步",
    },
    "en": {
        "event": "Writing spring couplets",
        "events": "Coming events",
        "this_week": "This week's classes",
        "login": "Log in",
        "book": "Book",
        "booked": "Booked",
        "mine": "My bookings",
        "cancel": "Cancel booking",
        "book_class": "Book a class",
        "next": "Next",
    },
}


@pytest.fixture
def browser_context_args(browser_context_args, language, javascript):
    return {
        **browser_context_args,
        "locale": language,
        "java_script_enabled": javascript,
        "viewport": {"width": 360, "height": 740},
    }


def test_a_resident_finds_an_event_weeks_ahead_and_books_it(page, language, javascript):
    words = TEXT[language]
    folder = f"horizon-{language}-{'js' if javascript else 'nojs'}"
    page.goto("/classes")
    page.get_by_role("heading", name=words["this_week"]).wait_for()
    # 写春联 is 5 to 12 days away whatever the weekday: in this week or the next two.
    event = page.locator("#entries a.entry-link").filter(has_text=words["event"])
    for _ in range(2):
        if event.count():
            break
        page.locator(".week-next").click()
        page.wait_for_load_state()
    expect(event.first).to_be_visible()
    screenshot(page, folder, "1-week-ahead")
    if javascript:
        check_accessibility(page, "class list, a week ahead")
    if page.locator(".week-prev").count():
        page.locator(".week-prev").click()
        expect(page.locator(".week-days")).to_be_visible()
    page.goto("/classes")
    page.get_by_role("link", name=words["events"]).click()
    page.get_by_role("heading", name=words["events"]).wait_for()
    screenshot(page, folder, "2-coming-events")
    if javascript:
        check_accessibility(page, "coming events")
    page.locator("a.entry-link").filter(has_text=words["event"]).first.click()
    page.get_by_role("link", name=words["login"]).first.click()
    page.locator("#phone").fill(ELDER_PHONE)
    page.locator("#secret").fill(PIN)
    page.locator("main form button[type=submit]").click()
    page.get_by_role("button", name=words["book"]).first.click()
    page.locator(".card").first.get_by_text(words["booked"], exact=True).wait_for()
    screenshot(page, folder, "3-booked")
    # Leave the shared demo as it was.
    page.get_by_role("link", name=words["mine"]).click()
    booked = (
        page.locator("li.booking")
        .filter(has_text=words["event"])
        .filter(has=page.locator(".status-ok"))
    )
    booked.get_by_role("button", name=words["cancel"]).click()
    expect(booked).to_have_count(0)


def test_the_kiosk_pages_to_next_week_and_back(page, language, javascript):
    words = TEXT[language]
    folder = f"horizon-kiosk-{language}-{'js' if javascript else 'nojs'}"
    page.set_viewport_size({"width": 1920, "height": 1080})
    page.goto("/kiosk/login")
    if javascript:
        tap_digits(page, ELDER_KIOSK)
        tap_digits(page, PIN)
    else:
        page.locator("#who").fill(ELDER_KIOSK)
        page.locator("#pin").fill(PIN)
    page.get_by_role("button", name=words["next"]).click()
    page.wait_for_url("**/kiosk/me")
    page.get_by_role("link", name=words["book_class"]).click()
    first_week = page.locator(".week-days").inner_text()
    assert page.locator(".week-prev").count() == 0
    next_button = page.locator(".week-next")
    assert next_button.bounding_box()["height"] >= 64  # a large target for elders
    next_button.click()
    page.wait_for_url("**/kiosk/classes?week=1")
    assert page.locator(".week-days").inner_text() != first_week
    assert page.locator(".kiosk-entry").count() > 0  # the term classes of next week
    screenshot(page, folder, "1-next-week")
    if javascript:
        check_accessibility(page, "kiosk classes next week")
    page.locator(".week-prev").click()
    page.wait_for_url("**/kiosk/classes")
    assert page.locator(".week-days").inner_text() == first_week
    page.context.clear_cookies()
