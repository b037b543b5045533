"""A holiday submission decided in one pass, under the locks `submit_days` took.

Each child's suspension and bookings around the submission are read for all of
them at once (`read_children`, under the children's locks), and what does not
depend on the seats is checked then (`Decider`, before the slots are locked). Each
slot's free seats and waiting list are read once (`seats.seat_counts`, after
`lock_sessions` locked the rows in id order). Each unit is then decided
in memory by exactly the rules `place_booking` applies one pair at a time (actor,
suspension, bookable, window, age, already booked, busy then, a seat or the
waiting list, `Full` without one), with the unit's rules on top: all its pairs
confirmed or all waitlisted, and a pair refused inside a unit leaves the others
to be decided again without it. Then one UPDATE claims the seats
(`seats.claim_seats`) and one INSERT writes the rows; the new waiters' places
follow from the waiting lists read with the seats. The statements do not grow
with the number of pairs, and neither does the time the write lock is held."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from app.models import BookingStatus, Person, Programme, Session, User
from app.services.booking import eligibility
from app.services.booking.place import (
    booking_values,
    clash_refusal,
    insert_bookings,
    live_bookings_around,
    same_and_clash,
)
from app.services.booking.seats import SeatCount, claim_seats
from app.services.booking.targets import Target
from app.services.childcare.outcomes import Outcome, refused_outcome
from app.services.privacy.consent import consents_in_force, needs_consent
from app.services.refusals import AlreadyBooked, Full, Refusal

Pair = tuple[Person, Session]


@dataclass(frozen=True)
class Children:
    """What the rules read about the submission's children, for all of them at once:
    each one's suspension in force (or None), their live bookings around the
    submission's slots as (booking, session) pairs, and the consents in force of
    those who need one."""

    suspensions: dict[int, object]
    around: dict[int, list]
    consents: dict[int, set]


def read_children(
    pairs: list[Pair], now: datetime, *, also: Iterable[Person] = (), shown: Iterable[Session] = ()
) -> Children:
    """Three statements for every child of the submission. The first locks the
    children on a database server (as `lock_people`: nobody else books them
    meanwhile), and all come before the slots' locks (`lock_sessions`), so the locks
    everyone queues for at the rush are held for the seats and the writes only. The live bookings are read for the children `also`
    named too (the household's others) and over the sessions `shown` as well (the
    programme's coming slots), for the answer's calendar (`Seen`)."""
    people = {p.id: p for p, _ in pairs}
    spans = [*(s for _, s in pairs), *shown]
    if not spans:
        return Children({}, {}, {})
    suspensions = eligibility.suspensions_in_force(people, now, lock=True)
    around = live_bookings_around(
        {*people, *(p.id for p in also)},
        min(s.starts_at for s in spans),
        max(s.ends_at for s in spans),
    )
    consents = consents_in_force(p.id for p in people.values() if needs_consent(p, now))
    return Children({pid: suspensions.get(pid) for pid in people}, around, consents)


def _first_refusal(*checks) -> Refusal | None:
    for check in checks:
        try:
            check()
        except Refusal as refusal:
            return refusal
    return None


class Decider:
    """A holiday submission's units, decided in order (`decide`) once the slots are
    locked and their seats read. Built before the lock: what does not depend on
    the seats (each pair's checks of person, slot and window, `refused_before`) is
    worked out while nobody waits for it. While deciding it keeps the seats still
    free and each child's slots taken so far (confirmed or waiting)."""

    def __init__(
        self,
        programme: Programme,
        units: list[list[Pair]],
        *,
        children: Children,
        by: User,
        now: datetime,
    ):
        self.programme, self.units, self.by, self.now = programme, units, by, now
        self.activity = programme.activity
        self.free: dict[int, int] = {}
        self.mine: dict[int, list[Session]] = defaultdict(list)
        pairs = [pair for unit in units for pair in unit]
        self.refused_before: dict[tuple[int, int], Refusal | None] = {}
        if not pairs:
            return
        people = {p.id: p for p, _ in pairs}
        sessions = {s.id: s for _, s in pairs}
        suspensions, self.around = children.suspensions, children.around
        # What depends on the person, the slot, or neither, checked once each, in
        # place_booking's order: actor, suspension; bookable; window; age.
        window = _first_refusal(
            lambda: eligibility.check_window(self._target(pairs[0][1]), by, now)
        )
        person_says = {
            pid: _first_refusal(
                lambda p=p: eligibility.check_actor(by, p),
                lambda p=p: eligibility.check_not_suspended(p, by, now, suspensions[p.id]),
            )
            for pid, p in people.items()
        }
        slot_says = {
            sid: _first_refusal(lambda s=s: eligibility.check_bookable(self._target(s), now))
            for sid, s in sessions.items()
        }
        consents = children.consents
        for person, session in pairs:
            self.refused_before[(person.id, session.id)] = (
                person_says[person.id]
                or slot_says[session.id]
                or window
                or _first_refusal(
                    lambda p=person, s=session: eligibility.check_person(
                        p, self._target(s), now, consents=consents
                    )
                )
            )

    def _target(self, session: Session) -> Target:
        return Target(self.activity, session)

    def refusal(self, person: Person, session: Session, tried: list) -> Refusal | None:
        """Why the pair cannot be booked now, or None: the checks that do not change
        (`refused_before`), then booked already or busy then, counting the child's
        bookings in the database, of units decided before, and of this try."""
        refusal = self.refused_before[(person.id, session.id)]
        if refusal is not None:
            return refusal
        target = self._target(session)
        same, clash = same_and_clash(
            self.around[person.id], target, [(session.starts_at, session.ends_at)]
        )
        mine = self.mine[person.id] + [s for p, s, _ in tried if p is person]
        if same is not None or any(s.id == session.id for s in mine):
            return AlreadyBooked()
        if clash is not None:
            return clash_refusal(person, clash.activity)
        if any(s.starts_at < session.ends_at and s.ends_at > session.starts_at for s in mine):
            return clash_refusal(person, self.activity)
        return None

    def _decide(self, unit: list[Pair]) -> tuple[list[Outcome], list[tuple[Person, Session, bool]]]:
        """`_decide_unit` of submissions.py, in memory: (refused outcomes, the pairs
        booked as (person, session, with a seat))."""
        refused: list[Outcome] = []
        pending = list(unit)
        waitlist_only = False
        while pending:
            taken: Counter[int] = Counter()
            tried: list[tuple[Person, Session, bool]] = []
            refusal = None
            for person, session in pending:
                refusal = self.refusal(person, session, tried)
                if refusal is None:
                    seat = not waitlist_only and self.free[session.id] > taken[session.id]
                    if seat:
                        taken[session.id] += 1
                    elif not self.activity.waitlist_enabled:
                        refusal = Full()
                if refusal is not None:
                    break
                tried.append((person, session, seat))
            if refusal is not None:
                # One pair said no: the others are decided again without it.
                refused.append(refused_outcome(person, session, refusal))
                pending.remove((person, session))
                continue
            if not waitlist_only and len({seat for *_, seat in tried}) > 1:
                waitlist_only = True  # some would wait: they all wait together
                continue
            for session_id, n in taken.items():
                self.free[session_id] -= n
            for person, session, _ in tried:
                self.mine[person.id].append(session)
            return refused, tried
        return refused, []

    def decide(self, *, seats: dict[int, SeatCount], channel: str) -> list[Outcome]:
        """Decides the units in order and writes what they booked. `seats`: each
        slot's seats free and waiting list, read under the lock (`seat_counts`).
        Raises AlreadyBooked only when a row made at the same moment by a way of
        booking that does not lock the children slips past the checks (the whole
        submission rolls back)."""
        self.free = {session_id: count.free for session_id, count in seats.items()}
        # In the order `_decide_unit` gives them: each unit's refusals, then its
        # bookings (an int: the pair's place in `booked`, whose row is not written yet).
        answers: list[Outcome | int] = []
        booked: list[tuple[Person, Session, bool]] = []
        for unit in self.units:
            refused, decided = self._decide(unit)
            answers.extend(refused)
            answers.extend(range(len(booked), len(booked) + len(decided)))
            booked.extend(decided)
        if not booked:
            return answers
        claim_seats(Counter(session for _, session, seat in booked if seat))
        bookings = insert_bookings(
            [
                booking_values(
                    person,
                    self._target(session),
                    confirmed=seat,
                    channel=channel,
                    by=self.by,
                    now=self.now,
                )
                for person, session, seat in booked
            ]
        )
        # Everyone queued on the slot up to now is ahead of this submission's waiters,
        # who queue in the order they were decided (their ids rise with it).
        queued = {session_id: count.waiting for session_id, count in seats.items()}
        made = []
        for (person, session, _), booking in zip(booked, bookings, strict=True):
            position = None
            if booking.status == BookingStatus.WAITLISTED:
                queued[session.id] += 1
                position = queued[session.id]
            made.append(Outcome(person, session, booking.status, position, booking=booking))
        return [made[a] if isinstance(a, int) else a for a in answers]
