from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import RadioField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, Optional, Regexp

from app.forms import IdField
from app.models import AttendanceStatus

STATUS_LABELS = {
    AttendanceStatus.PRESENT: _l("Present"),
    AttendanceStatus.LATE: _l("Late"),
    AttendanceStatus.ABSENT: _l("Absent"),
    AttendanceStatus.EXCUSED: _l("Excused"),
}


class MarkForm(FlaskForm):
    status = RadioField(
        _l("Attendance"),
        choices=[SelectChoice(value, label) for value, label in STATUS_LABELS.items()],
        validators=[DataRequired(_l("Please choose present, late, absent or excused."))],
    )


class WalkInSearchForm(FlaskForm):
    class Meta:
        csrf = False

    q = StringField(
        _l("Phone number or name"),
        validators=[Optional(), Length(min=2, max=40)],
        render_kw={"autocomplete": "off"},
    )


class WalkInForm(FlaskForm):
    person_id = IdField(validators=[DataRequired()])


class NewWalkInForm(FlaskForm):
    name = StringField(
        _l("Name"),
        validators=[DataRequired(_l("Please enter a name.")), Length(max=60)],
    )
    phone = StringField(
        _l("Phone number"),
        validators=[
            Optional(),
            Regexp(r"^[\d\s\-+()]{5,20}$", message=_l("Please enter a phone number using digits.")),
        ],
        render_kw={"inputmode": "tel"},
    )


class HelperForm(FlaskForm):
    phone = StringField(
        _l("Helper's phone number"),
        validators=[
            DataRequired(_l("Please enter a phone number.")),
            Regexp(r"^[\d\s\-+()]{5,20}$", message=_l("Please enter a phone number using digits.")),
        ],
        render_kw={"inputmode": "tel"},
    )
