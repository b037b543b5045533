from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import HiddenField, IntegerField
from wtforms.validators import AnyOf, DataRequired, NumberRange, Optional


class BookForm(FlaskForm):
    person_id = IntegerField(
        _l("Who is coming"),
        validators=[DataRequired(_l("Please choose who is coming.")), NumberRange(min=1)],
    )
    activity_id = IntegerField(validators=[DataRequired(), NumberRange(min=1)])
    session_id = IntegerField(validators=[Optional(), NumberRange(min=1)])


class CancelForm(FlaskForm):
    # Which fragment an htmx request wants back: the class card or the booking row.
    view = HiddenField(default="row", validators=[Optional(), AnyOf(["row", "card"])])


class EmptyForm(FlaskForm):
    """A POST button that still carries the CSRF token."""


class LeaveForm(FlaskForm):
    """请假 for one session of a booking."""

    session_id = IntegerField(validators=[DataRequired(), NumberRange(min=1)])
