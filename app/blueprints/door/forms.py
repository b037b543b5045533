from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SelectMultipleField, StringField, ValidationError
from wtforms.validators import DataRequired, Length, Optional

from app.forms import IdField, form_id


class CheckInForm(FlaskForm):
    """One child (a single button) or the whole ticked group (batch)."""

    person_id = SelectMultipleField(coerce=form_id, choices=[], validate_choice=False)

    def validate_person_id(self, field):
        if not field.data:
            raise ValidationError(_l("Please tick the children who are here."))


class CheckOutForm(FlaskForm):
    person_id = IdField(validators=[DataRequired()])
    pickup_person_id = IdField(_l("Who is collecting"), validators=[Optional()])
    # Not required: an empty or wrong code is still an attempt, refused and logged.
    code = StringField(_l("Pickup code"), validators=[Optional(), Length(max=10)])


class LiftLockForm(FlaskForm):
    reason = StringField(
        _l("Why (who is at the door, how you checked)"),
        validators=[DataRequired(_l("Please say why the lock is lifted.")), Length(max=300)],
    )
