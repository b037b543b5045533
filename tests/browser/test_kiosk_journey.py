"""Journey 1: an elder at the lobby kiosk logs in on the number pad, books 书法班,
finds it under "my bookings", and is logged out after the "still there?" prompt.

Without JavaScript the number pad and the prompt do not exist: the elder types
into the fields, and the page's <noscript> timed refresh together with the
server's own idle check end the login instead."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from app.services.people import kiosk_visitor
from tests.browser.conftest import check_accessibility, screenshot
from tests.browser.helpers import ELDER_KIOSK, PIN, in_app, in_next_week_if_over

TEXT = {
    "zh-CN": {
        "book_class": "预约课程",
        "book": "预约",
        "booked": "预约成功！",
        "mine": "我的预约",
        "title": "书法班",
        "still": "还在吗？",
        "next": "下一步",
        "welcome": "欢迎！请先登录。",
        "logged_out": "已为您自动退出",
    },
    "en": {
        "book_class": "Book a class",
        "book": "Book",
        "booked": "You are booked!",
        "mine": "My bookings",
        "title": "Calligraphy",
        "still": "Still there?",
        "next": "Next",
        "welcome": "Welcome! Please log in.",
        "logged_out": "nobody touched the screen",
    },
}


@pytest.fixture
def browser_context_args(browser_context_args, language, javascript):
    return {
        **browser_context_args,
        "locale": language,
        "java_script_enabled": javascript,
        "viewport": {"width": 1920, "height": 1080},
        "has_touch": True,
    }


@pytest.fixture
def undo_calligraphy(live_app):
    """The live server is shared: cancel what the journey booked."""
    yield
    from app.models import Activity, Booking, BookingStatus, Person
    from app.services.booking.cancel import cancel_booking
    from app.timeutil import utcnow

    with in_app(live_app) as s:
        elder = s.scalar(select(Person).where(Person.phone == ELDER_KIOSK))
        for booking in s.scalars(
            select(Booking)
            .join(Activity, Booking.activity_id == Activity.id)
            .where(
                Booking.person_id == elder.id,
                Activity.title == "书法班",
                Booking.status.in_([BookingStatus.CONFIRMED, BookingStatus.WAITLISTED]),
            )
        ):
            cancel_booking(booking, by=elder.user, now=utcnow())


def tap_digits(page, digits: str) -> int:
    for digit in digits:
        page.locator(f'.keypad [data-key="{digit}"]').click()
    return len(digits)


def test_elder_books_calligraphy_at_the_kiosk_and_is_logged_out_when_idle(
    page, language, javascript, undo_calligraphy, monkeypatch
):
    words = TEXT[language]
    folder = f"kiosk-{language}-{'js' if javascript else 'nojs'}"
    if javascript:
        page.clock.install()
    page.goto("/kiosk/")
    screenshot(page, folder, "1-start")
    if javascript:
        check_accessibility(page, "kiosk start")
    page.goto("/kiosk/login")
    page.get_by_role("heading", name=words["welcome"]).wait_for()
    if javascript:
        # Only the big number pad: 11 digits, 6 digits, then "Next".
        taps = tap_digits(page, ELDER_KIOSK) + tap_digits(page, PIN)
        assert taps == 17
        assert page.locator("#who").input_value() == ELDER_KIOSK
        assert page.locator("#pin").input_value() == PIN
        check_accessibility(page, "kiosk login")
    else:
        assert page.locator(".keypad").is_hidden()
        page.locator("#who").fill(ELDER_KIOSK)
        page.locator("#pin").fill(PIN)
    screenshot(page, folder, "2-login")
    page.get_by_role("button", name=words["next"]).click()
    page.wait_for_url("**/kiosk/me")
    screenshot(page, folder, "3-home")
    if javascript:
        check_accessibility(page, "kiosk home")

    # Booking after login: tap 1 "Book a class", tap 2 "Book" on 书法班.
    page.get_by_role("link", name=words["book_class"]).click()
    screenshot(page, folder, "4-classes")
    if javascript:
        check_accessibility(page, "kiosk classes")
    entries = page.locator(".kiosk-entry").filter(has_text=words["title"])
    in_next_week_if_over(page, entries, "/kiosk/classes")
    entries.first.get_by_role("button", name=words["book"]).click()
    page.get_by_role("heading", name=words["booked"]).wait_for()
    assert words["title"] in page.locator(".slip, main").first.inner_text()
    screenshot(page, folder, "5-booked")
    if javascript:
        check_accessibility(page, "kiosk booked")

    page.goto("/kiosk/me")
    page.get_by_role("link", name=words["mine"]).click()
    mine = page.locator(".kiosk-entry").filter(has_text=words["title"])
    assert mine.count() >= 1
    screenshot(page, folder, "6-my-bookings")

    if javascript:
        check_accessibility(page, "kiosk my bookings")
        # The page's idle timer started when it loaded; the accessibility check
        # above took real seconds on a busy machine, so leave a wide margin.
        page.clock.run_for(60_000)
        assert page.locator("#idle-dialog").is_hidden()
        page.clock.run_for(31_000)
        prompt = page.get_by_role("dialog")
        prompt.get_by_role("heading", name=words["still"]).wait_for()
        screenshot(page, folder, "7-still-there")
        check_accessibility(page, "kiosk idle prompt")
        page.clock.run_for(21_000)
    else:
        refresh = page.locator('meta[http-equiv="refresh"]')
        assert refresh.get_attribute("content").endswith(";url=/kiosk/timeout")
        # Shorten the limit so the page's own timed refresh fires during the test.
        monkeypatch.setattr(kiosk_visitor, "IDLE_PROMPT", timedelta(seconds=1))
        monkeypatch.setattr(kiosk_visitor, "IDLE_ANSWER", timedelta(seconds=1))
        monkeypatch.setattr(kiosk_visitor, "IDLE_LIMIT", timedelta(seconds=2))
        page.reload()
    page.wait_for_url("**/kiosk/", timeout=15_000)
    page.get_by_text(words["logged_out"]).first.wait_for()
    screenshot(page, folder, "8-logged-out")
    # Nothing of the elder's session is left for the next person.
    page.goto("/kiosk/bookings")
    assert page.url.endswith("/kiosk/login")
