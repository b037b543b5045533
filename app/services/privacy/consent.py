"""A guardian's consents for a child under 14 (PIPL): (a) booking and attendance
records, (b) care notes. Each is its own row, kept as history: who gave it, when,
at the desk or online, under which version of the privacy notice; withdrawing
stamps the row. `check_consent` is the one check every way of booking a child
passes through (`booking.eligibility.check_person`)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import select, update

from app.extensions import db
from app.models import Consent, ConsentChannel, ConsentKind, Person, User
from app.models.people import consent_age_clause
from app.services import audit
from app.services.refusals import DeskRefused, NoConsent, NotAllowed
from app.timeutil import local_date


def needs_consent(person: Person, now: datetime) -> bool:
    """The child is under 14 on the centre's date now (`needs_guardian_consent_on`)."""
    return person.needs_guardian_consent_on(local_date(now))


def consents_in_force(person_ids: Iterable[int]) -> dict[int, set[str]]:
    """For each person (by id), the kinds of consent in force, in one statement."""
    ids = list(set(person_ids))
    found: dict[int, set[str]] = {pid: set() for pid in ids}
    if not ids:
        return found
    rows = db.session.execute(
        select(Consent.person_id, Consent.kind).where(
            Consent.person_id.in_(ids), Consent.withdrawn_at.is_(None)
        )
    )
    for person_id, kind in rows:
        found[person_id].add(kind)
    return found


def has_consent(person: Person, kind: str) -> bool:
    return kind in consents_in_force([person.id])[person.id]


def check_consent(
    person: Person, now: datetime, *, in_force: dict[int, set[str]] | None = None
) -> None:
    """Raises NoConsent when `person` is a child under 14 whose guardian has not
    agreed to booking records (or withdrew). Adults and older children pass without
    a statement; `in_force` (`consents_in_force` of many children, read once by a
    caller deciding many pairs) spares one statement per child."""
    if not needs_consent(person, now):
        return
    if in_force is not None and person.id in in_force:
        kinds = in_force[person.id]
    else:
        kinds = consents_in_force([person.id])[person.id]
    if ConsentKind.BOOKING not in kinds:
        raise NoConsent(
            _l(
                "%(name)s is under 14: a parent or guardian first needs to agree to "
                "keeping %(name)s's booking records. They can agree on the “My family” "
                "page or at the front desk.",
                name=person.name,
            )
        )


def _check_guardian(child: Person, guardian: Person, by: User, now: datetime) -> None:
    """The guardian is an adult of the child's household; the recording account is
    staff, or that guardian's own. Raises NotAllowed or DeskRefused."""
    if not by.is_staff and by.person_id != guardian.id:
        raise NotAllowed()
    if guardian.household_id != child.household_id or guardian.id == child.id:
        raise NotAllowed()
    if not guardian.is_adult_on(local_date(now)):
        raise DeskRefused(_l("Consent is given by an adult of the child's household."))
    if not needs_consent(child, now):
        raise DeskRefused(_l("Only children under 14 need a guardian's consent."))


@dataclass(frozen=True)
class ConsentStatus:
    """What a page shows of one child's consents: the rows in force by kind, and
    the history (newest first)."""

    child: Person
    in_force: dict[str, Consent]
    history: list[Consent]

    @property
    def booking(self) -> Consent | None:
        return self.in_force.get(ConsentKind.BOOKING)

    @property
    def care_notes(self) -> Consent | None:
        return self.in_force.get(ConsentKind.CARE_NOTES)


def consent_status(children: Iterable[Person]) -> dict[int, ConsentStatus]:
    """For each child (by id), their consents in force and their history."""
    children = list(children)
    rows: dict[int, list[Consent]] = {c.id: [] for c in children}
    if children:
        for row in db.session.scalars(
            select(Consent)
            .where(Consent.person_id.in_(rows))
            .order_by(Consent.given_at.desc(), Consent.id.desc())
        ):
            rows[row.person_id].append(row)
    return {
        c.id: ConsentStatus(
            c, {r.kind: r for r in rows[c.id] if r.withdrawn_at is None}, rows[c.id]
        )
        for c in children
    }


def children_needing_consent(household_id: int, now: datetime) -> list[Person]:
    """The household's children under 14, oldest first."""
    return list(
        db.session.scalars(
            select(Person)
            .where(Person.household_id == household_id, consent_age_clause(local_date(now)))
            .order_by(Person.birth_date, Person.id)
        )
    )


def give_consent(
    child: Person,
    kinds: Iterable[str],
    *,
    guardian: Person,
    by: User,
    channel: str,
    now: datetime,
) -> list[Consent]:
    """Records `guardian`'s consent of each kind for `child` (those already in force
    are left as they are). Raises NotAllowed, DeskRefused."""
    _check_guardian(child, guardian, by, now)
    held = consents_in_force([child.id])[child.id]
    given = []
    for kind in dict.fromkeys(ConsentKind(k) for k in kinds):
        if kind in held:
            continue
        row = Consent(
            person_id=child.id,
            kind=kind,
            guardian_id=guardian.id,
            given_by_id=by.id,
            given_at=now,
            channel=channel,
            notice_version=current_app.config["PRIVACY_NOTICE_VERSION"],
        )
        db.session.add(row)
        given.append(row)
    db.session.flush()
    if given:
        audit.record(
            by,
            "consent.give",
            child,
            now,
            after={"kinds": [r.kind for r in given], "channel": channel},
        )
    return given


def withdraw_consent(
    child: Person, kind: str, *, guardian: Person, by: User, channel: str, now: datetime
) -> bool:
    """Withdraws the consent of `kind` in force: the row is stamped, not deleted.
    Withdrawing (b) erases the child's care notes at once; without (a) the child
    can be booked for nothing new (their bookings already made stay). Returns
    whether a consent was in force. Raises NotAllowed, DeskRefused."""
    _check_guardian(child, guardian, by, now)
    kind = ConsentKind(kind)
    stamped = db.session.execute(
        update(Consent)
        .where(Consent.person_id == child.id, Consent.kind == kind, Consent.withdrawn_at.is_(None))
        .values(withdrawn_at=now, withdrawn_by_id=by.id, withdrawn_channel=channel)
        .execution_options(synchronize_session=False)
    ).rowcount
    if kind == ConsentKind.CARE_NOTES:
        child.care_notes = None
    db.session.flush()
    if stamped:
        audit.record(by, "consent.withdraw", child, now, after={"kind": kind, "channel": channel})
    return bool(stamped)


def channel_of(by: User) -> str:
    """Staff record a consent given at the desk; a guardian gives it online."""
    return ConsentChannel.DESK if by.is_staff else ConsentChannel.ONLINE


def record_for_children(people: Iterable[Person], *, now: datetime, by: User | None = None) -> int:
    """Both consents for each child under 14 who has none, given by the household's
    first adult at the desk: for the demo centre and the tests' factory, whose
    children stand for families who agreed. Returns how many rows were written."""
    written = 0
    for child in people:
        if not needs_consent(child, now):
            continue
        held = consents_in_force([child.id])[child.id]
        guardian = next(
            (
                p
                for p in child.household.members
                if p.id != child.id and p.is_adult_on(local_date(now))
            ),
            None,
        )
        for kind in ConsentKind:
            if kind in held:
                continue
            db.session.add(
                Consent(
                    person_id=child.id,
                    kind=kind,
                    guardian_id=guardian.id if guardian else None,
                    given_by_id=by.id if by else None,
                    given_at=now,
                    channel=ConsentChannel.DESK,
                    notice_version=current_app.config["PRIVACY_NOTICE_VERSION"],
                )
            )
            written += 1
    db.session.flush()
    return written
