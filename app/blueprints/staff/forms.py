"""Forms of the staff desk: one per screen. Forms check shape; services decide."""

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    HiddenField,
    IntegerField,
    PasswordField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
    TimeField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import (
    AnyOf,
    DataRequired,
    InputRequired,
    Length,
    NumberRange,
    Optional,
    Regexp,
    ValidationError,
)
from wtforms.widgets import CheckboxInput, ListWidget

from app.audit_texts import action_label
from app.blueprints.auth.validators import PhoneNumber, Pin
from app.blueprints.public.forms import AUDIENCE_LABELS, CATEGORY_LABELS, WEEKDAY_LABELS
from app.formatting import when
from app.forms import (
    DateField,
    DateTimeLocalField,
    IdField,
    MonthField,
    check_date,
    form_id,
    optional_form_id,
    within_span,
)
from app.inputs import fold, parse_id
from app.models import CATEGORIES, HOUSEHOLD_TAGS, User
from app.services.booking.targets import Target

# Typed in full-width digits, a PIN is kept in ASCII, as the kiosk keypad types it.
PIN_RULE = Pin(_l("A PIN is 6 digits."))


class MultiCheckboxField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class ActivityForm(FlaskForm):
    title = StringField(_l("Title"), validators=[DataRequired(), Length(max=120)])
    title_en = StringField(_l("Title in English"), validators=[Optional(), Length(max=120)])
    description = TextAreaField(_l("Description"), validators=[Optional(), Length(max=4000)])
    category = SelectField(
        _l("Kind of class"), choices=[SelectChoice(c, CATEGORY_LABELS[c]) for c in CATEGORIES]
    )
    audience = SelectField(
        _l("For"),
        choices=[SelectChoice("all", _l("Everyone"))]
        + [SelectChoice(k, v) for k, v in AUDIENCE_LABELS.items()],
    )
    min_age = IntegerField(_l("Youngest age"), validators=[Optional(), NumberRange(0, 120)])
    max_age = IntegerField(_l("Oldest age"), validators=[Optional(), NumberRange(0, 120)])
    teacher_id = SelectField(_l("Teacher"), coerce=optional_form_id, validators=[Optional()])
    room = StringField(_l("Room"), validators=[Optional(), Length(max=60)])
    capacity = IntegerField(_l("Seats"), validators=[InputRequired(), NumberRange(0, 2000)])
    enrolment_unit = SelectField(
        _l("Booked"),
        choices=[
            SelectChoice("session", _l("Per session")),
            SelectChoice("series", _l("For the whole term")),
        ],
    )
    capacity_unit = SelectField(
        _l("A seat is"),
        choices=[
            SelectChoice("person", _l("One person")),
            SelectChoice("household", _l("One family")),
        ],
    )
    allocation = SelectField(
        _l("Places given"),
        choices=[
            SelectChoice("fcfs", _l("First come, first served")),
            SelectChoice("lottery", _l("By lottery")),
        ],
    )
    waitlist_enabled = BooleanField(_l("Waiting list when full"), default=True)
    waitlist_policy = SelectField(
        _l("When a seat comes free"),
        choices=[
            SelectChoice("auto", _l("Book the next person at once")),
            SelectChoice("offer", _l("Offer it to the next person until a deadline")),
        ],
    )
    opens_at = DateTimeLocalField(_l("Booking opens"), validators=[Optional()])
    closes_at = DateTimeLocalField(_l("Booking closes"), validators=[Optional()])
    cancel_hours = IntegerField(
        _l("Free cancellation until (hours before)"),
        default=2,
        validators=[InputRequired(), NumberRange(0, 720)],
    )

    def validate_max_age(self, field):
        low = self.min_age.data
        if field.data is not None and low is not None and field.data < low:
            raise ValidationError(_l("The oldest age must not be below the youngest."))


class StatusForm(FlaskForm):
    status = StringField(validators=[AnyOf(["published", "archived", "draft"])])


def parse_days(values) -> list:
    """Dates written like 2027-04-05 (full-width digits folded), each 1900..2100.
    Raises ValidationError."""
    from datetime import date

    days = []
    for value in values:
        for line in fold(value).split():
            try:
                day = date.fromisoformat(line.strip())
            except ValueError:
                raise ValidationError(_l("Write each date like 2027-04-05.")) from None
            days.append(check_date(day))
    return days


class ScheduleForm(FlaskForm):
    weekdays = MultiCheckboxField(
        _l("Days of the week"),
        choices=[SelectChoice(str(n), label) for n, label in WEEKDAY_LABELS],
        validators=[DataRequired(_l("Choose at least one day."))],
    )
    first_day = DateField(_l("From"), validators=[InputRequired()])
    last_day = DateField(_l("Until"), validators=[InputRequired(), within_span("first_day")])
    start = TimeField(_l("Starts at"), validators=[InputRequired()])
    end = TimeField(_l("Ends at"), validators=[InputRequired()])
    # The holidays and shifted working days proposed for the range (ticked or not);
    # `proposed` names the range and days they were proposed for.
    skip_proposed = MultiCheckboxField(_l("Holidays: no class"), choices=[], validate_choice=False)
    extra_proposed = MultiCheckboxField(
        _l("Weekend working days (调休): add a class"), choices=[], validate_choice=False
    )
    proposed = HiddenField(validators=[Optional(), Length(max=60)])
    skip = TextAreaField(
        _l("Other days to skip (one date a line, like 2027-04-05)"),
        validators=[Optional(), Length(max=2000)],
    )
    extra = TextAreaField(
        _l("Other days to add (one date a line, like 2027-04-10)"),
        validators=[Optional(), Length(max=2000)],
    )
    capacity = IntegerField(
        _l("Seats (empty: as the class)"), validators=[Optional(), NumberRange(0, 2000)]
    )

    def validate_last_day(self, field):
        if self.first_day.data and field.data and field.data < self.first_day.data:
            raise ValidationError(_l("The last day must not be before the first."))

    def validate(self, extra_validators=None) -> bool:
        """The fields, then the days to skip and to add (typed and ticked), which
        become `skip_days` and `extra_days`."""
        valid = super().validate(extra_validators)
        self.skip_days, self.extra_days = [], []
        try:
            self.skip_days = parse_days([self.skip.data or "", *(self.skip_proposed.data or [])])
        except ValidationError as error:
            self.skip.errors = [*self.skip.errors, str(error)]
            valid = False
        try:
            self.extra_days = self._extra_days()
        except ValidationError as error:
            self.extra.errors = [*self.extra.errors, str(error)]
            valid = False
        return valid

    def _extra_days(self) -> list:
        days = parse_days([self.extra.data or "", *(self.extra_proposed.data or [])])
        first, last = self.first_day.data, self.last_day.data
        if first and last and any(not first <= day <= last for day in days):
            raise ValidationError(_l("Days to add must be within the date range."))
        return days

    def pattern_key(self) -> str:
        """The range and weekdays, as `proposed` records them."""
        weekdays = "".join(sorted(self.weekdays.data or []))
        return f"{self.first_day.data}/{self.last_day.data}/{weekdays}"


class BirthdayMonthForm(FlaskForm):
    """The birthday page's choice (a GET): the month, and the party's session."""

    class Meta:
        csrf = False

    month = MonthField(_l("Month"), validators=[Optional()])
    session_id = IdField(validators=[Optional()])


class InviteForm(FlaskForm):
    month = MonthField(_l("Month"), validators=[InputRequired()])
    session_id = SelectField(_l("The party"), coerce=form_id, validate_choice=False)
    person_ids = MultiCheckboxField(_l("Invite"), choices=[], validate_choice=False)
    # The "invite all" button: everyone of the month's list, ticked or not, on any page.
    everyone = BooleanField()

    def chosen_ids(self) -> set[int]:
        """The ticked people's ids (anything else is ignored)."""
        return {n for n in (parse_id(v) for v in self.person_ids.data or []) if n is not None}


class LunarBirthdayForm(FlaskForm):
    keeps = BooleanField(_l("Keeps the lunar birthday (农历生日)"))


class CapacityForm(FlaskForm):
    capacity = IntegerField(_l("Seats"), validators=[InputRequired(), NumberRange(0, 2000)])


class MoveSessionForm(FlaskForm):
    day = DateField(_l("New date"), validators=[InputRequired()])
    start = TimeField(_l("Starts at"), validators=[InputRequired()])
    end = TimeField(_l("Ends at"), validators=[InputRequired()])
    room = StringField(_l("Room"), validators=[Optional(), Length(max=60)])


class ReasonForm(FlaskForm):
    reason = StringField(_l("Reason"), validators=[Optional(), Length(max=300)])


class MoveForm(ReasonForm):
    direction = StringField(validators=[AnyOf(["up", "down"])])


class SearchForm(FlaskForm):
    class Meta:
        csrf = False

    q = StringField(_l("Phone, name or member number"), validators=[Optional(), Length(max=60)])


class HouseholdForm(FlaskForm):
    household_name = StringField(_l("Household name"), validators=[DataRequired(), Length(max=80)])
    address = StringField(_l("Address"), validators=[Optional(), Length(max=200)])
    tags = MultiCheckboxField(_l("Tags"), choices=[SelectChoice(t, t) for t in HOUSEHOLD_TAGS])


class BirthDateForm(FlaskForm):
    birth_date = DateField(_l("Date of birth"), validators=[InputRequired()])


class MemberForm(FlaskForm):
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=60)])
    birth_date = DateField(_l("Date of birth"), validators=[Optional()])
    phone = StringField(
        _l("Phone number"),
        validators=[
            Optional(),
            Length(max=32),
            PhoneNumber(_l("Please enter a phone number using digits.")),
        ],
    )
    pin = PasswordField(
        _l("PIN for logging in (6 digits, optional)"), validators=[Optional(), PIN_RULE]
    )
    email = StringField(
        _l("Email (optional)"),
        validators=[
            Optional(),
            Regexp(
                r"^[^@\s]+@[^@\s]+\.[^@\s]+$", message=_l("This email address does not look right.")
            ),
            Length(max=120),
        ],
    )
    care_notes = StringField(_l("Care notes (children)"), validators=[Optional(), Length(max=500)])


class RegisterForm(HouseholdForm, MemberForm):
    """A new household and its first member, on one screen."""


class TagsForm(FlaskForm):
    tags = MultiCheckboxField(_l("Tags"), choices=[SelectChoice(t, t) for t in HOUSEHOLD_TAGS])


class PinForm(FlaskForm):
    pin = PasswordField(_l("New PIN (6 digits)"), validators=[DataRequired(), PIN_RULE])


class BookForPersonForm(FlaskForm):
    # Any key is accepted here: `app.loaders.target_for` reads it (422 or 404).
    target = SelectField(
        _l("Class"), validators=[DataRequired()], choices=[], validate_choice=False
    )
    channel = SelectField(
        _l("How they asked"),
        choices=[SelectChoice("desk", _l("At the desk")), SelectChoice("phone", _l("By phone"))],
    )


def target_choices(targets: list[Target]) -> list[SelectChoice]:
    """The classes the desk can book, as "title · when · seats", each keyed as
    `app.loaders.target_for` reads it: "s<id>" one session, "a<id>" a whole term."""
    choices = []
    for t in targets:
        moment = when(t.session.starts_at) if t.session is not None else _("whole term")
        seats = _("full") if t.seats_left() <= 0 else _("%(num)d free", num=t.seats_left())
        key = f"s{t.session.id}" if t.session is not None else f"a{t.activity.id}"
        choices.append(SelectChoice(key, f"{t.activity.title} · {moment} · {seats}"))
    return choices


def user_choices(blank: str, users: list[User]) -> list[SelectChoice]:
    """A choice of staff by name, first `blank` (no one, or everyone)."""
    return [SelectChoice("", blank)] + [SelectChoice(u.id, u.person.name) for u in users]


class LinkRequestForm(FlaskForm):
    helper_phone = StringField(
        _l("Phone number of the helper (their account)"),
        validators=[DataRequired(), Length(max=20)],
    )


class LinkConfirmForm(FlaskForm):
    pin = PasswordField(_l("PIN of the person being helped"), validators=[DataRequired(), PIN_RULE])


class CallDoneForm(FlaskForm):
    note = StringField(_l("What was said"), validators=[Optional(), Length(max=300)])


class AuditFilterForm(FlaskForm):
    class Meta:
        csrf = False

    action = SelectField(_l("Action"), validators=[Optional()], validate_choice=False)
    actor = SelectField(_l("Who"), coerce=optional_form_id, validators=[Optional()])
    since = DateField(_l("From"), validators=[Optional()])
    until = DateField(_l("Until"), validators=[Optional()])

    def fill_choices(self, actions: list[str], staff: list[User]) -> None:
        """The actions the log holds and the staff who act, each after "all"."""
        self.action.choices = [SelectChoice("", _("All actions"))] + [
            SelectChoice(a, action_label(a)) for a in actions
        ]
        self.actor.choices = user_choices(_("Everyone"), staff)
