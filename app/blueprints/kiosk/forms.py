from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, PasswordField, StringField
from wtforms.validators import DataRequired, Length, Optional, Regexp

from app.blueprints.auth.forms import PIN_DIGITS_MESSAGE
from app.blueprints.auth.validators import DigitsAreAscii
from app.forms import IdField
from app.inputs import fold


class KioskLoginForm(FlaskForm):
    who = StringField(
        _l("Phone number or member number"),
        validators=[
            DataRequired(_l("Please enter your phone number or the number on your card.")),
            Regexp(
                r"^[A-Za-z0-9\s\-+()]{1,20}$",
                message=_l("Please enter your phone number or the number on your card."),
            ),
        ],
        # Full-width digits from a phone keyboard are the same number.
        filters=[fold],
        render_kw={"autocomplete": "off", "inputmode": "numeric"},
    )
    pin = PasswordField(
        _l("PIN (6 digits)"),
        validators=[
            DataRequired(_l("Please enter your PIN.")),
            Length(max=128),
            DigitsAreAscii(PIN_DIGITS_MESSAGE),
        ],
        render_kw={"inputmode": "numeric", "autocomplete": "off"},
    )


class KioskBookForm(FlaskForm):
    activity_id = IdField(validators=[DataRequired()])
    session_id = IdField(validators=[Optional()])


class PersonForm(FlaskForm):
    person_id = IdField(validators=[DataRequired()])


class LeaveForm(PersonForm):
    """请假 at the kiosk: sent from the confirmation step (`confirmed`); without it the
    visitor is shown that step first."""

    confirmed = BooleanField()
