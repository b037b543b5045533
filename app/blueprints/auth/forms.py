from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, HiddenField, PasswordField, StringField
from wtforms.validators import DataRequired, Length

from app.blueprints.auth.validators import DigitsAreAscii, PhoneNumber

PIN_DIGITS_MESSAGE = _l("Please type the PIN with the digits 0 to 9.")


class LoginForm(FlaskForm):
    phone = StringField(
        _l("Phone number"),
        validators=[
            DataRequired(_l("Please enter your phone number.")),
            Length(max=32, message=_l("Please enter a phone number using digits.")),
            PhoneNumber(_l("Please enter a phone number using digits.")),
        ],
        render_kw={"inputmode": "tel", "autocomplete": "tel"},
    )
    secret = PasswordField(
        _l("PIN (6 digits) or password"),
        validators=[
            DataRequired(_l("Please enter your PIN or password.")),
            Length(max=128),
            DigitsAreAscii(PIN_DIGITS_MESSAGE),
        ],
        render_kw={"autocomplete": "current-password"},
    )
    # Residents only, on their own phone or computer (app/sessions.py).
    remember = BooleanField(_l("Stay logged in on this device"))
    next = HiddenField()
