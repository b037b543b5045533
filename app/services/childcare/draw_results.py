"""What a lottery draw gave each child on each day: counted per slot for the
draw's report, and told to each household in one notice listing every child and
day."""

from __future__ import annotations

from collections import Counter, defaultdict
from datetime import datetime

from app.models import Activity, Booking, BookingStatus, LotteryApplication
from app.services.booking.waitlist import waitlist_position
from app.services.messaging.notices import notify_household_of


class DrawResults:
    """The draw's outcomes as they are decided, application by application."""

    def __init__(self) -> None:
        self.lines: dict[int, list[dict]] = defaultdict(list)
        self.counts: Counter = Counter()

    def add(self, application: LotteryApplication, booking: Booking | None = None) -> None:
        """Notes the application's outcome (its status once decided), with the
        place on the waiting list of a waitlisted booking."""
        self.counts[(application.session_id, application.status)] += 1
        line = {
            "person": application.person.name,
            "starts_at": application.session.starts_at.isoformat(),
            "result": str(application.status),
        }
        if booking is not None and booking.status == BookingStatus.WAITLISTED:
            line["position"] = waitlist_position(booking)
        self.lines[application.household_id].append(line)

    def count(self, slot_id: int, status: str) -> int:
        return self.counts[(slot_id, status)]

    def notify(self, activity: Activity, now: datetime) -> None:
        """One notice per household for the whole draw, every child and day in it."""
        for household_id, lines in sorted(self.lines.items()):
            lines.sort(key=lambda line: (line["starts_at"], line["person"]))
            params = {
                "title": activity.title,
                "title_en": activity.title_en,
                "activity_id": activity.id,
                "lines": lines,
            }
            notify_household_of("lottery_drawn", household_id, params, now)
