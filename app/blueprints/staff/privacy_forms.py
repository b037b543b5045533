"""The desk's privacy forms (issue 14): holds, deletion requests, a child's consents,
access-record filters, the yearly workbook and breaches."""

from __future__ import annotations

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    IntegerField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import (
    DataRequired,
    InputRequired,
    Length,
    NumberRange,
    Optional,
)

from app.blueprints.staff.forms import MultiCheckboxField, user_choices
from app.forms import (
    DateField,
    IdField,
    optional_form_id,
)

# --- privacy (issue 14) ------------------------------------------------------------


class HoldForm(FlaskForm):
    """Keep a person out of the retention job: who, and why (the audit keeps it)."""

    person_id = IdField(validators=[DataRequired()])
    reason = StringField(
        _l("Why the record must be kept"),
        validators=[DataRequired(_l("Please write why.")), Length(max=300)],
    )


class DeclineForm(FlaskForm):
    reason = StringField(
        _l("Why"), validators=[DataRequired(_l("Please write why.")), Length(max=300)]
    )


class DeskRequestForm(FlaskForm):
    """A guardian at the desk asks for their household's deletion (no login needed)."""

    household_id = IdField(
        _l("Household number"), validators=[DataRequired(_l("Please type the household number."))]
    )


# --- children's privacy (consent, access records, breaches, yearly export) -----

CONSENT_LABELS = {
    "booking": _l("Booking and attendance records"),
    "care_notes": _l("Care notes (allergies, medicines)"),
}

CHANNEL_LABELS = {"desk": _l("at the desk"), "online": _l("online, on My family")}


def guardian_choices(guardians) -> list[SelectChoice]:
    """The household's adults, one of whom gives (or withdraws) a consent."""
    return [SelectChoice("", _("Choose the parent or guardian"))] + [
        SelectChoice(str(p.id), p.name) for p in guardians
    ]


class ChildForm(FlaskForm):
    """A child added at the desk: what the centre keeps of a child, nothing more
    (no phone, no ID number, no photo: guardians' phones are the adults' own), and
    the guardian's consents given there and then."""

    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=60)])
    birth_date = DateField(_l("Date of birth"), validators=[DataRequired()])
    care_notes = StringField(
        _l("Care notes (allergies, medicines)"), validators=[Optional(), Length(max=500)]
    )
    agreed_by = SelectField(_l("Parent or guardian who agrees"), coerce=optional_form_id)
    agreed_to = MultiCheckboxField(
        _l("They agree to"), choices=[SelectChoice(k, v) for k, v in CONSENT_LABELS.items()]
    )


class ConsentForm(FlaskForm):
    guardian = SelectField(
        _l("Parent or guardian"), coerce=optional_form_id, validators=[DataRequired()]
    )
    consents = MultiCheckboxField(
        _l("They agree to"),
        choices=[SelectChoice(k, v) for k, v in CONSENT_LABELS.items()],
        validators=[DataRequired(_l("Please tick what they agree to."))],
    )


class WithdrawConsentForm(FlaskForm):
    guardian = SelectField(
        _l("Parent or guardian"), coerce=optional_form_id, validators=[DataRequired()]
    )
    kind = SelectField(choices=[SelectChoice(k, v) for k, v in CONSENT_LABELS.items()])


class AccessFilterForm(FlaskForm):
    class Meta:
        csrf = False

    child = SelectField(_l("Child"), coerce=optional_form_id, validators=[Optional()])
    viewer = SelectField(_l("Who"), coerce=optional_form_id, validators=[Optional()])
    since = DateField(_l("From"), validators=[Optional()])
    until = DateField(_l("Until"), validators=[Optional()])

    def fill_choices(self, children, viewers) -> None:
        self.child.choices = [SelectChoice("", _("Every child"))] + [
            SelectChoice(str(p.id), f"{p.name} ({p.member_no})") for p in children
        ]
        self.viewer.choices = user_choices(_("Everyone"), viewers)


class YearForm(FlaskForm):
    class Meta:
        csrf = False

    year = IntegerField(_l("Year"), validators=[InputRequired(), NumberRange(2000, 2100)])


class BreachForm(FlaskForm):
    happened_on = DateField(_l("When it happened"), validators=[DataRequired()])
    what = TextAreaField(_l("What happened"), validators=[DataRequired(), Length(max=1000)])
    who_was_told = TextAreaField(
        _l("Who was told (families, the authority), and when"),
        validators=[DataRequired(), Length(max=500)],
    )
