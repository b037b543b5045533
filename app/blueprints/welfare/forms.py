from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import TextAreaField
from wtforms.validators import Length, Optional

from app.forms import DateField


class DayForm(FlaskForm):
    class Meta:
        csrf = False

    day = DateField(_l("Date"), validators=[Optional()])


class CallDoneForm(FlaskForm):
    note = TextAreaField(_l("Note"), validators=[Optional(), Length(max=300)])


class LiftForm(FlaskForm):
    reason = TextAreaField(_l("Reason"), validators=[Optional(), Length(max=300)])
