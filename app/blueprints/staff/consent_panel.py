"""The person page's privacy part: a child's consents (given, withdrawn, by whom),
the forms to record them, and "Add a child". people.py's `person_page` adds
`consent_context` to its page; compliance.py holds the views the forms post to."""

from __future__ import annotations

from app.blueprints.staff.privacy_forms import (
    CHANNEL_LABELS,
    CONSENT_LABELS,
    ChildForm,
    ConsentForm,
    WithdrawConsentForm,
    guardian_choices,
)
from app.models import Person
from app.services.privacy import consent
from app.timeutil import local_date, now


def household_adults(person: Person) -> list[Person]:
    day = local_date(now())
    return [m for m in person.household.members if m.id != person.id and m.is_adult_on(day)]


def consent_context(person: Person, **forms) -> dict:
    """What the person page shows of consents: the status when the person is a child
    under 14, the forms (given again with their errors), and the child form."""
    adults = household_adults(person)
    choices = guardian_choices(adults)
    consent_form = forms.get("consent_form") or ConsentForm(formdata=None)
    withdraw_form = forms.get("withdraw_form") or WithdrawConsentForm(formdata=None)
    child_form = forms.get("child_form") or ChildForm(formdata=None)
    members = [m for m in person.household.members if m.is_adult_on(local_date(now()))]
    for form in (consent_form, withdraw_form):
        form.guardian.choices = choices
    child_form.agreed_by.choices = guardian_choices(members)
    needs = consent.needs_consent(person, now())
    return {
        "needs_consent": needs,
        "consent": consent.consent_status([person])[person.id] if needs else None,
        "consent_form": consent_form,
        "withdraw_form": withdraw_form,
        "child_form": child_form,
        "consent_labels": CONSENT_LABELS,
        "channel_labels": CHANNEL_LABELS,
    }
