from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import IntegerField, SelectMultipleField, StringField, ValidationError
from wtforms.validators import DataRequired, Length, NumberRange, Optional


class CheckInForm(FlaskForm):
    """One child (a single button) or the whole ticked group (batch)."""

    person_id = SelectMultipleField(coerce=int, choices=[], validate_choice=False)

    def validate_person_id(self, field):
        if not field.data:
            raise ValidationError(_l("Please tick the children who are here."))


class CheckOutForm(FlaskForm):
    person_id = IntegerField(validators=[DataRequired(), NumberRange(min=1)])
    pickup_person_id = IntegerField(
        _l("Who is collecting"), validators=[Optional(), NumberRange(min=1)]
    )
    # Not required: an empty or wrong code is still an attempt, refused and logged.
    code = StringField(_l("Pickup code"), validators=[Optional(), Length(max=10)])


class LiftLockForm(FlaskForm):
    reason = StringField(
        _l("Why (who is at the door, how you checked)"),
        validators=[DataRequired(_l("Please say why the lock is lifted.")), Length(max=300)],
    )
