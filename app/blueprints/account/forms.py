from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    HiddenField,
    RadioField,
    SelectField,
    SelectMultipleField,
    StringField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import AnyOf, DataRequired, Optional
from wtforms.widgets import CheckboxInput, ListWidget

from app.forms import IdField
from app.models import RATING_COMMENT_MAX
from app.services.feedback.ratings import RATING_LABELS


class BookForm(FlaskForm):
    person_id = IdField(
        _l("Who is coming"), validators=[DataRequired(_l("Please choose who is coming."))]
    )
    activity_id = IdField(validators=[DataRequired()])
    session_id = IdField(validators=[Optional()])


class CancelForm(FlaskForm):
    # Which fragment an htmx request wants back: the class card or the booking row.
    view = HiddenField(default="row", validators=[Optional(), AnyOf(["row", "card"])])
    # Sent from the step that says what cancelling will do (a term, a seat someone
    # waits for); without it such a cancellation shows that step first.
    confirmed = BooleanField()


class LeaveForm(FlaskForm):
    """请假 for one session of a booking, sent from its confirmation step
    (`confirmed`); without it the step is shown first."""

    session_id = IdField(validators=[DataRequired()])
    confirmed = BooleanField()


class RateForm(FlaskForm):
    """One face (好 / 一般 / 不好: the button tapped) for a session a person came to,
    with an optional remark; on "My bookings" and at the kiosk."""

    person_id = IdField(validators=[DataRequired()])
    session_id = IdField(validators=[DataRequired()])
    value = RadioField(
        choices=[SelectChoice(value, label) for value, label in RATING_LABELS.items()],
        validators=[DataRequired()],
    )
    comment = StringField(
        _l("Anything to add? (optional)"),
        # The service says the limit in a sentence (BadRating) if a browser let more through.
        validators=[Optional()],
        render_kw={"maxlength": RATING_COMMENT_MAX},
    )


class DeletionRequestForm(FlaskForm):
    """Asking the centre to delete the household's records: the box is the
    confirmation step (it works without JavaScript)."""

    understood = BooleanField(
        _l(
            "I understand: once staff confirm it, our names, phone numbers and notes are deleted and cannot be brought back."
        ),
        validators=[DataRequired(_l("Please tick the box to say you understand."))],
    )


CONSENT_CHOICES = [
    SelectChoice("booking", _l("Keeping booking and attendance records")),
    SelectChoice("care_notes", _l("Keeping care notes (allergies, medicines)")),
]


class GuardianConsentForm(FlaskForm):
    """A guardian agrees online, for one child, to what they tick."""

    consents = SelectMultipleField(
        _l("I agree to"),
        choices=CONSENT_CHOICES,
        validators=[DataRequired(_l("Please tick what you agree to."))],
        widget=ListWidget(prefix_label=False),
        option_widget=CheckboxInput(),
    )


class GuardianWithdrawForm(FlaskForm):
    kind = SelectField(choices=CONSENT_CHOICES)
