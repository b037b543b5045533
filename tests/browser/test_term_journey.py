"""Journey: an elder at the lobby kiosk books a term class that is half over. The
class meets twice a week but is one entry, "整学期 · 每周… · 共 12 次", with one
button; the answer and the printed slip name the next class as the 5th of 12, not
"the first of the term" (issue 12, items 6 and 7). In both languages, with and
without JavaScript."""

from __future__ import annotations

from datetime import datetime, time, timedelta

import pytest
from sqlalchemy import select

from tests.browser.conftest import check_accessibility, screenshot
from tests.browser.helpers import ELDER_KIOSK, PIN, in_app

TITLE = "五禽戏"  # not 八段锦: the demo has a 八段锦 class of its own (app/demo_now.py)
TEXT = {
    "zh-CN": {
        "title": TITLE,
        "term": "整学期 · 每",
        "count": "共 12 次",
        "book": "预约整学期",
        "booked": "预约成功！",
        "number": "第 5 次课，共 12 次",
        "next": "下一步",
        "book_class": "预约课程",
    },
    "en": {
        "title": "Wuqinxi",
        "term": "The whole term · every",
        "count": "12 sessions",
        "book": "Book the whole term",
        "booked": "You are booked!",
        "number": "session 5 of 12",
        "next": "Next",
        "book_class": "Book a class",
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
def half_over_term(live_app):
    """五禽戏, twice a week at 10:00 for six weeks: four sessions are over, the
    next (tomorrow) is the 5th of 12. Unpublished again afterwards, its bookings
    cancelled: the live server is shared."""
    from app.models import Activity, ActivityStatus, Audience, Booking, EnrolmentUnit
    from app.services.schedule.activities import create_activity
    from app.services.schedule.sessions import add_session
    from app.timeutil import from_local, local_date, utcnow

    moment = utcnow()
    with in_app(live_app) as s:
        tomorrow = local_date(moment) + timedelta(days=1)
        activity = create_activity(
            now=moment,
            title=TITLE,
            title_en="Wuqinxi",
            category="fitness",
            audience=Audience.ALL,
            capacity=10,
            room="中心广场",
            enrolment_unit=EnrolmentUnit.SERIES,
            status=ActivityStatus.PUBLISHED,
        )
        for week in range(-2, 4):
            for day in (0, 2):
                start = datetime.combine(tomorrow + timedelta(weeks=week, days=day), time(10))
                add_session(activity, from_local(start), from_local(start) + timedelta(hours=1))
        activity_id = activity.id
    yield activity_id
    from app.services.booking.cancel import cancel_booking

    with in_app(live_app) as s:
        activity = s.get(Activity, activity_id)
        for booking in s.scalars(select(Booking).where(Booking.activity_id == activity_id)):
            if booking.is_live:
                cancel_booking(booking, by=booking.person.user, now=utcnow())
        activity.status = ActivityStatus.DRAFT


def tap_digits(page, digits: str) -> None:
    for digit in digits:
        page.locator(f'.keypad [data-key="{digit}"]').click()


def test_a_half_over_term_is_one_entry_and_its_slip_names_the_5th_of_12(
    page, language, javascript, half_over_term
):
    words = TEXT[language]
    folder = f"term-{language}-{'js' if javascript else 'nojs'}"
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
    page.wait_for_url("**/kiosk/classes")

    # Twice this week, yet one entry with one button for the whole term.
    entries = page.locator(".kiosk-entry").filter(has_text=words["title"])
    assert entries.count() == 1
    line = entries.locator(".term-line").inner_text()
    assert line.startswith(words["term"]) and line.endswith(words["count"])
    assert entries.get_by_role("button").count() == 1
    screenshot(page, folder, "1-term-entry")
    if javascript:
        check_accessibility(page, "kiosk classes with a term")

    entries.get_by_role("button", name=words["book"]).click()
    page.get_by_role("heading", name=words["booked"]).wait_for()
    slip = page.locator(".slip")
    assert words["number"] in slip.inner_text()
    screenshot(page, folder, "2-booked")
    if javascript:
        check_accessibility(page, "kiosk booked a term")

    page.locator(".kiosk-menu a").first.click()  # "Print a slip"
    page.wait_for_url("**/slip")
    printed = page.locator(".slip").inner_text()
    assert words["number"] in printed
    assert "第一次" not in printed and "first of the term" not in printed
    screenshot(page, folder, "3-slip")
