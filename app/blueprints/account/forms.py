from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import HiddenField
from wtforms.validators import AnyOf, DataRequired, Optional

from app.forms import IdField


class BookForm(FlaskForm):
    person_id = IdField(
        _l("Who is coming"), validators=[DataRequired(_l("Please choose who is coming."))]
    )
    activity_id = IdField(validators=[DataRequired()])
    session_id = IdField(validators=[Optional()])


class CancelForm(FlaskForm):
    # Which fragment an htmx request wants back: the class card or the booking row.
    view = HiddenField(default="row", validators=[Optional(), AnyOf(["row", "card"])])


class LeaveForm(FlaskForm):
    """请假 for one session of a booking."""

    session_id = IdField(validators=[DataRequired()])
