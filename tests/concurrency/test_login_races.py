"""Wrong PINs typed at the same moment all count towards the lock."""

from __future__ import annotations

import pytest

from app.extensions import db
from app.models import LoginAttempt
from app.services.auth import UNKNOWN_ADDRESS, LoginLocked, LoginRefused, log_in
from tests.conftest import PIN


def test_six_wrong_pins_at_once_lock_the_number(app, make, fire, now):
    resident = make.resident()
    make.commit()
    phone, settings = resident.phone, dict(app.config)

    def wrong_pin():
        def call():
            try:
                log_in(phone, "000000", now=now, settings=settings)
            except LoginRefused as refusal:
                db.session.commit()  # as the login page does: the failure is kept
                return type(refusal)
            return "logged in"

        return call

    results = fire([wrong_pin() for _ in range(settings["LOGIN_LOCK_AFTER"])])
    assert results == [LoginRefused] * settings["LOGIN_LOCK_AFTER"]
    attempt = db.session.get(LoginAttempt, (phone, UNKNOWN_ADDRESS))
    db.session.refresh(attempt)
    assert attempt.locked_until is not None  # none of the six failures was lost
    with pytest.raises(LoginLocked):
        log_in(phone, PIN, now=now, settings=settings)  # the right PIN waits too
