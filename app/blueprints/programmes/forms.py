import re
from datetime import date

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    IntegerField,
    PasswordField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
    TimeField,
    ValidationError,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional, Regexp
from wtforms.widgets import CheckboxInput, ListWidget

from app.forms import DateField, DateTimeLocalField, check_date, optional_form_id, within_span
from app.inputs import fold, parse_id
from app.models import Allocation, ProgrammeKind
from app.timeutil import from_local

PICK = re.compile(r"^[0-9]+-[0-9]+$")


class PickField(SelectMultipleField):
    """Ticked (child, slot) boxes, sent as "child_id-session_id". Only the shape is
    checked here (else 422). The ids are read by `app.inputs.parse_id` like every
    other id: one outside 1..MAX_ID becomes None, which names nothing, so the
    submission answers 404 exactly as for an id no row has."""

    def pre_validate(self, form):
        if not self.data:
            raise ValidationError(_l("Please tick at least one day for a child."))
        if any(not PICK.match(value) for value in self.data):
            raise ValidationError(
                _l("Something in the form was not right. Please check and try again.")
            )

    @property
    def pairs(self) -> list[tuple[int | None, int | None]]:
        return [tuple(parse_id(x) for x in value.split("-")) for value in self.data]


class BookDaysForm(FlaskForm):
    pick = PickField(choices=[], validate_choice=False)
    together = BooleanField(
        _l("Keep brothers and sisters together (both get a place, or both wait)")
    )


class PickupPersonForm(FlaskForm):
    name = StringField(
        _l("Name"), validators=[DataRequired(_l("Please enter a name.")), Length(max=60)]
    )
    phone = StringField(
        _l("Phone"),
        filters=[fold],  # full-width digits from a Chinese keyboard are digits
        validators=[
            DataRequired(_l("Please enter a phone number.")),
            Regexp(r"^[0-9+\- ]{5,20}$", message=_l("Please enter a phone number.")),
        ],
    )
    relation = StringField(
        _l("Relation to the child"),
        validators=[DataRequired(_l("Please say who this is, e.g. grandmother.")), Length(max=30)],
    )
    # Empty: every day. A date: on that day only ("grandpa picks up today").
    valid_on = DateField(_l("Only on this day"), validators=[Optional()])


class ConfirmItsYouForm(FlaskForm):
    """The PIN or password again, before the pickup list changes."""

    secret = PasswordField(
        _l("Your PIN or password"),
        validators=[DataRequired(_l("Please enter your PIN or password.")), Length(max=128)],
        render_kw={"autocomplete": "current-password"},
    )


class MultiCheckboxField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


WEEKDAY_CHOICES = [
    SelectChoice("1", _l("Monday")),
    SelectChoice("2", _l("Tuesday")),
    SelectChoice("3", _l("Wednesday")),
    SelectChoice("4", _l("Thursday")),
    SelectChoice("5", _l("Friday")),
    SelectChoice("6", _l("Saturday")),
    SelectChoice("7", _l("Sunday")),
]


class ProgrammeForm(FlaskForm):
    title = StringField(_l("Title"), validators=[DataRequired(), Length(max=120)])
    title_en = StringField(_l("Title in English"), validators=[Optional(), Length(max=120)])
    description = TextAreaField(_l("Description"), validators=[Optional(), Length(max=2000)])
    kind = SelectField(
        _l("Kind"),
        choices=[
            SelectChoice(
                ProgrammeKind.HOLIDAY, _l("Holiday childcare: each day booked on its own")
            ),
            SelectChoice(
                ProgrammeKind.AFTERSCHOOL, _l("After-school club: one term enrolment per child")
            ),
        ],
    )
    room = StringField(_l("Room"), validators=[DataRequired(), Length(max=60)])
    teacher_id = SelectField(_l("Teacher"), coerce=optional_form_id, validators=[Optional()])
    first_day = DateField(_l("First day"), validators=[InputRequired()])
    last_day = DateField(_l("Last day"), validators=[InputRequired(), within_span("first_day")])
    weekdays = MultiCheckboxField(
        _l("Days of the week"), choices=WEEKDAY_CHOICES, coerce=int, default=[1, 2, 3, 4, 5]
    )
    closed_days = TextAreaField(
        _l("Closed days (one date a line, e.g. 2027-01-28)"),
        validators=[Optional(), Length(max=2000)],
    )
    full_start = TimeField(_l("Full day from"), validators=[Optional()])
    full_end = TimeField(_l("Full day until"), validators=[Optional()])
    morning_start = TimeField(_l("Morning from"), validators=[Optional()])
    morning_end = TimeField(_l("Morning until"), validators=[Optional()])
    afternoon_start = TimeField(_l("Afternoon from"), validators=[Optional()])
    afternoon_end = TimeField(_l("Afternoon until"), validators=[Optional()])
    capacity = IntegerField(
        _l("Places per slot"), validators=[InputRequired(), NumberRange(1, 500)]
    )
    min_age = IntegerField(_l("Youngest age"), validators=[Optional(), NumberRange(0, 17)])
    max_age = IntegerField(_l("Oldest age"), validators=[Optional(), NumberRange(0, 17)])
    min_grade = IntegerField(_l("Lowest school grade"), validators=[Optional(), NumberRange(1, 12)])
    max_grade = IntegerField(
        _l("Highest school grade"), validators=[Optional(), NumberRange(1, 12)]
    )
    opens_at = DateTimeLocalField(
        _l("Registration opens"), format="%Y-%m-%dT%H:%M", validators=[Optional()]
    )
    closes_at = DateTimeLocalField(
        _l("Registration closes"), format="%Y-%m-%dT%H:%M", validators=[Optional()]
    )
    allocation = SelectField(
        _l("How places are given"),
        choices=[
            SelectChoice(Allocation.FCFS, _l("First come, first served")),
            SelectChoice(Allocation.LOTTERY, _l("Lottery after registration closes")),
        ],
    )
    per_child_limit = IntegerField(
        _l("Most days per child"), validators=[Optional(), NumberRange(1, 366)]
    )
    weekly_blocks = BooleanField(_l("Book whole weeks only (Monday to Friday together)"))
    newcomer_share = IntegerField(
        _l("Share of places for children new to the centre (%)"),
        default=0,
        validators=[Optional(), NumberRange(0, 100)],
    )

    def programme_fields(self) -> dict:
        """What `childcare.programmes.create_programme` takes, from the form."""
        return {
            "title": self.title.data,
            "title_en": self.title_en.data or None,
            "description": self.description.data or "",
            "kind": self.kind.data,
            "room": self.room.data,
            "teacher_id": self.teacher_id.data or None,
            "first_day": self.first_day.data,
            "last_day": self.last_day.data,
            "weekdays": self.weekdays.data,
            "closed_days": self.closed_dates(),
            "slot_times": self.slot_times(),
            "capacity": self.capacity.data,
            "min_age": self.min_age.data,
            "max_age": self.max_age.data,
            "min_grade": self.min_grade.data,
            "max_grade": self.max_grade.data,
            "opens_at": from_local(self.opens_at.data) if self.opens_at.data else None,
            "closes_at": from_local(self.closes_at.data) if self.closes_at.data else None,
            "allocation": self.allocation.data,
            "per_child_limit": self.per_child_limit.data,
            "weekly_blocks": self.weekly_blocks.data,
            "newcomer_share": self.newcomer_share.data or 0,
        }

    def slot_times(self) -> dict:
        times = {}
        for kind in ("full", "morning", "afternoon"):
            start, end = getattr(self, f"{kind}_start").data, getattr(self, f"{kind}_end").data
            if start and end:
                times[kind] = (start, end)
        return times

    def closed_dates(self) -> list[date]:
        text = self.closed_days.data or ""
        return [
            check_date(date.fromisoformat(part))
            for part in re.split(r"[\s,]+", text.strip())
            if part
        ]

    def validate(self, extra_validators=None) -> bool:
        if not super().validate(extra_validators):
            return False
        ok = True
        if self.last_day.data < self.first_day.data:
            self.last_day.errors.append(_l("The last day must not be before the first day."))
            ok = False
        if not self.weekdays.data:
            self.weekdays.errors.append(_l("Please choose at least one day of the week."))
            ok = False
        times = self.slot_times()
        if not times:
            self.full_start.errors.append(_l("Please give the times of at least one slot."))
            ok = False
        for kind, (start, end) in times.items():
            if end <= start:
                getattr(self, f"{kind}_end").errors.append(_l("The end must be after the start."))
                ok = False
        try:
            self.closed_dates()
        except ValidationError as error:  # a date, but out of range
            self.closed_days.errors.append(error.args[0])
            ok = False
        except ValueError:
            self.closed_days.errors.append(_l("Please write dates like 2027-01-28."))
            ok = False
        if self.opens_at.data and self.closes_at.data and self.closes_at.data <= self.opens_at.data:
            self.closes_at.errors.append(_l("Registration must close after it opens."))
            ok = False
        return ok


class CloseDayForm(FlaskForm):
    day = DateField(_l("Day to close"), validators=[InputRequired()])


class DrawForm(FlaskForm):
    """Runs the draw. No seed field: the seed is drawn by the app when applications
    close, and its SHA-256 was published before the draw."""
