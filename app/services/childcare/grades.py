"""School grades and the grade range a programme admits."""

from __future__ import annotations

from datetime import date

from flask_babel import lazy_gettext as _l

from app.models import (
    Person,
    Programme,
    SlotKind,
)
from app.services.refusals import NotEligible

SLOT_LABELS = {
    SlotKind.FULL: _l("Full day"),
    SlotKind.MORNING: _l("Morning"),
    SlotKind.AFTERNOON: _l("Afternoon"),
}


def school_grade(birth_date: date | None, day: date) -> int | None:
    """The school grade (1 = first year of primary) a child is in on `day`.

    Children start school in the September after they turn 6 (cut-off 31 August);
    the summer holiday still counts as the school year just finished.
    """
    if birth_date is None:
        return None
    school_year = day.year if day.month >= 9 else day.year - 1
    age_at_cutoff = school_year - birth_date.year - ((birth_date.month, birth_date.day) > (8, 31))
    return age_at_cutoff - 5


def grade_label(programme: Programme) -> str:
    low, high = programme.min_grade, programme.max_grade
    if low is not None and high is not None:
        return f"{low}–{high}"
    if low is not None:
        return f"{low}+"
    if high is not None:
        return f"1–{high}"
    return ""


def check_grade(programme: Programme, person: Person, day: date) -> None:
    """Raises NotEligible when the child's school grade is outside the programme's."""
    if programme.min_grade is None and programme.max_grade is None:
        return
    grade = school_grade(person.birth_date, day)
    if grade is None:
        raise NotEligible(
            _l(
                "We need %(name)s's date of birth first. Please ask at the front desk.",
                name=person.name,
            )
        )
    if (programme.min_grade is not None and grade < programme.min_grade) or (
        programme.max_grade is not None and grade > programme.max_grade
    ):
        raise NotEligible(
            _l(
                "%(name)s's school grade does not fit: this is for grades %(range)s.",
                name=person.name,
                range=grade_label(programme),
            )
        )
