"""What a submission answers for each (child, slot) it named."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from app.models import Booking, Person, Session
from app.services.refusals import Refusal


@dataclass
class Outcome:
    """What happened to one (child, slot) of a submission."""

    person: Person
    session: Session | None
    status: str  # confirmed / waitlisted / applied / refused
    position: int | None = None
    message: str | None = None
    booking: Booking | None = None
    refusal: Refusal | None = None

    @property
    def sort_key(self):
        start = self.session.starts_at if self.session is not None else datetime.min
        return (start, self.person.id)


def refused_outcome(person: Person, session: Session | None, refusal: Refusal) -> Outcome:
    """A refused pair: the message for people and the refusal itself (which
    `book_day` raises again for the one-pair callers)."""
    return Outcome(person, session, "refused", message=str(refusal), refusal=refusal)
