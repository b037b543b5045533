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


@dataclass(frozen=True)
class Seen:
    """What a holiday submission's transaction read and wrote about the programme's
    coming slots, enough to draw the family's calendar after the commit without
    reading again: each slot's waiting list (`queues`, session id -> people waiting)
    and what each of the household's children holds there (`held`, session id ->
    {person id: booking status}). Lottery applications are not in it."""

    queues: dict[int, int]
    held: dict[int, dict[int, str]]


@dataclass
class Submitted:
    """A submission's outcomes, sorted, and (holiday programmes decided in one pass)
    what its transaction saw, for the answer's calendar; `applications`: the
    household's lottery applications, when read in the same transaction."""

    outcomes: list[Outcome]
    seen: Seen | None = None
    applications: list | None = None


def refused_outcome(person: Person, session: Session | None, refusal: Refusal) -> Outcome:
    """A refused pair: the message for people and the refusal itself (which
    `book_day` raises again for the one-pair callers)."""
    return Outcome(person, session, "refused", message=str(refusal), refusal=refusal)
