"""Keyboard only: the kiosk login and a booking with Tab and Enter; form errors are
tied to their fields (aria-invalid, aria-describedby) and announced (role=alert)."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from tests.browser.conftest import check_accessibility, screenshot
from tests.browser.helpers import (
    GRANDMOTHER,
    PARENT,
    PIN,
    in_app,
    in_next_week_if_over,
    login,
    person_id,
)


@pytest.fixture
def browser_context_args(browser_context_args):
    return {**browser_context_args, "locale": "en", "viewport": {"width": 1920, "height": 1080}}


@pytest.fixture
def undo_calligraphy(live_app):
    yield
    from app.models import Activity, Booking, BookingStatus, Person
    from app.services.booking.cancel import cancel_booking
    from app.timeutil import utcnow

    with in_app(live_app) as s:
        person = s.scalar(select(Person).where(Person.phone == GRANDMOTHER))
        for booking in s.scalars(
            select(Booking)
            .join(Activity, Booking.activity_id == Activity.id)
            .where(
                Booking.person_id == person.id,
                Activity.title == "书法班",
                Booking.status == BookingStatus.CONFIRMED,
            )
        ):
            cancel_booking(booking, by=person.user, now=utcnow())


def tab_to(page, selector: str, limit: int = 80) -> None:
    """Presses Tab until the focused element matches `selector`."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        if page.evaluate("(s) => document.activeElement.matches(s)", selector):
            return
    raise AssertionError(f"Tab never reached {selector}")


def assert_error_tied(page, field_id: str) -> None:
    field = page.locator(f"#{field_id}")
    assert field.get_attribute("aria-invalid") == "true"
    described = (field.get_attribute("aria-describedby") or "").split()
    assert f"{field_id}-error" in described
    error = page.locator(f"#{field_id}-error")
    assert error.get_attribute("role") == "alert"
    assert error.inner_text().strip()


def test_kiosk_login_and_booking_with_the_keyboard_only(page, undo_calligraphy):
    page.goto("/kiosk/login")
    # Enter on an empty form: the errors sit on their fields and are announced.
    tab_to(page, "#who")
    page.keyboard.press("Enter")
    page.wait_for_load_state()
    assert_error_tied(page, "who")
    assert_error_tied(page, "pin")
    screenshot(page, "keyboard", "1-kiosk-errors")
    check_accessibility(page, "kiosk login with errors")

    tab_to(page, "#who")
    page.keyboard.type(GRANDMOTHER)
    tab_to(page, "#pin")
    page.keyboard.type(PIN)
    page.keyboard.press("Enter")
    page.wait_for_url("**/kiosk/me")

    tab_to(page, 'a[href$="/kiosk/classes"]')
    page.keyboard.press("Enter")
    page.wait_for_url("**/kiosk/classes")
    entries = page.locator(".kiosk-entry").filter(has_text="Calligraphy")
    in_next_week_if_over(page, entries, "/kiosk/classes")
    entry = entries.first
    button_id = "keyboard-target"
    entry.locator("button[type=submit]").evaluate(f"(b) => b.id = '{button_id}'")
    tab_to(page, f"#{button_id}")
    page.keyboard.press("Enter")
    page.get_by_role("heading", name="You are booked!").wait_for()
    screenshot(page, "keyboard", "2-kiosk-booked")


def test_errors_on_the_login_and_pickup_forms_are_tied_to_their_fields(page, live_app):
    page.goto("/login")
    page.locator("#phone").fill("abc")
    page.locator("main form button[type=submit]").click()
    assert_error_tied(page, "phone")
    assert_error_tied(page, "secret")
    assert page.locator("#phone").get_attribute("aria-describedby").startswith("phone-hint")
    check_accessibility(page, "login with errors")

    login(page, PARENT)
    page.goto(f"/programmes/children/{person_id(live_app, '林小雨')}/pickup")
    page.locator("#phone").fill("not a phone")
    page.locator("main form.form-narrow button[type=submit]").click()
    assert_error_tied(page, "name")
    assert_error_tied(page, "phone")
    screenshot(page, "keyboard", "3-pickup-errors")
    check_accessibility(page, "pickup form with errors")
