"""The kiosk visitor: whom they may act for, and when an idle kiosk ends the visit."""

from __future__ import annotations

from datetime import datetime, timedelta

from app.models import Person, Role, User

# The browser asks "still there?" after IDLE_PROMPT and logs out IDLE_ANSWER later;
# the server refuses a kiosk login idle for longer than both, JavaScript or not.
IDLE_PROMPT = timedelta(seconds=90)


IDLE_ANSWER = timedelta(seconds=20)


IDLE_LIMIT = IDLE_PROMPT + IDLE_ANSWER


def idle_settings() -> dict:
    """The browser's idle prompt, in seconds (kiosk pages, error pages included)."""
    return {
        "prompt": int(IDLE_PROMPT.total_seconds()),
        "answer": int(IDLE_ANSWER.total_seconds()),
        "limit": int(IDLE_LIMIT.total_seconds()),
    }


class KioskActor:
    """The kiosk user as services see them: a resident acting for their own
    household, whatever their account's role. Staff and teachers get no desk rights
    at a shared screen (no booking after the window or for a lottery, no lifting of
    a suspension, no acting for other households)."""

    role = Role.RESIDENT
    is_staff = False

    def __init__(self, user: User):
        self.user = user
        self.id = user.id
        self.person = user.person
        self.person_id = user.person_id
        self.household_id = user.household_id

    def may_act_for(self, person: Person, *, household_only: bool = True) -> bool:
        """`User.may_act_for` with `household_only` always on: a shared screen
        confines everyone to their household (links and staff rights included)."""
        return self.user.may_act_for(person, household_only=True)


def is_idle_too_long(last_seen: datetime | None, now: datetime) -> bool:
    return last_seen is not None and now - last_seen > IDLE_LIMIT
