"""Adding a child at the desk, keeping only what the centre needs (name, birth
date, care notes with consent, household: no phone, ID number or photo; the
guardians' phones are the household adults' own), with the guardian's consents."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime

from flask_babel import lazy_gettext as _l

from app.models import ConsentKind, Household, Person, User
from app.services import audit
from app.services.people.residents import add_person
from app.services.privacy.consent import channel_of, give_consent
from app.services.refusals import DeskRefused, NoConsent
from app.timeutil import local_date


def add_child(
    household: Household,
    name: str,
    *,
    birth_date: date,
    by: User,
    now: datetime,
    care_notes: str | None = None,
    guardian: Person | None = None,
    consents: Iterable[str] = (),
) -> Person:
    """Staff add a child to `household`; the guardian present agrees to `consents`.
    Care notes are kept only with consent to care notes. Raises DeskRefused (not a
    child, no guardian named), NoConsent, NotAllowed."""
    consents = list(consents)
    child = Person(birth_date=birth_date, household_id=household.id, name=name)
    if not child.is_child_on(local_date(now)):
        raise DeskRefused(_l("This person is not a child: please add them as a member."))
    if consents and guardian is None:
        raise DeskRefused(_l("Please choose the parent or guardian who agrees."))
    if (
        care_notes
        and ConsentKind.CARE_NOTES not in consents
        and child.needs_guardian_consent_on(local_date(now))
    ):
        raise NoConsent(
            _l(
                "Care notes for a child under 14 are kept only when a parent or "
                "guardian agrees. Please tick their agreement to care notes."
            )
        )
    person = add_person(household, name, now=now, birth_date=birth_date)
    if consents:
        give_consent(person, consents, guardian=guardian, by=by, channel=channel_of(by), now=now)
    person.care_notes = care_notes or None
    audit.record(
        by,
        "person.create",
        person,
        now,
        after={"name": name, "household": household.name, "child": True, "consents": consents},
    )
    return person
