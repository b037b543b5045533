"""Form fields every screen shares, so that no value a person (or a script) sends
can reach the database or the calendar in a shape they cannot hold.

- Ids: digits naming 1..MAX_ID (the database's id columns), else a field message.
- Dates, date-times: between 1900 and 2100, else a field message (the calendar's
  arithmetic overflows near the years 1 and 9999).
- NUL characters are refused for the whole request before any form sees them
  (`app.inputs.has_nul`, checked in the app factory).
"""

from __future__ import annotations

from datetime import date

import wtforms
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms.validators import ValidationError

from app.inputs import fold, parse_id
from app.services.schedule.sessions import MAX_SPAN_DAYS, span_too_long

FIRST_YEAR = 1900
LAST_YEAR = 2100

NOT_AN_ID = _l("Something in the form was not right. Please check and try again.")
DATE_OUT_OF_RANGE = _l("Please give a date between the years 1900 and 2100.")


def form_id(value):
    """`coerce` for choice fields that carry ids: raises ValueError (a field
    message) for anything but 1..MAX_ID."""
    number = parse_id(value)
    if number is None:
        raise ValueError(NOT_AN_ID)
    return number


def optional_form_id(value):
    """`coerce` for a choice of id or nothing ("", "None" → None)."""
    if value in (None, "", "None"):
        return None
    return form_id(value)


class IdField(wtforms.IntegerField):
    """An id sent by a page (hidden or chosen): 1..MAX_ID, full-width digits folded."""

    def process_formdata(self, valuelist):
        if not valuelist:
            return
        raw = valuelist[0]
        if raw in (None, ""):
            self.data = None
            return
        self.data = parse_id(raw)
        if self.data is None:
            raise ValueError(NOT_AN_ID)


def date_in_range(day: date | None) -> bool:
    return day is None or FIRST_YEAR <= day.year <= LAST_YEAR


def check_date(day: date) -> date:
    """For dates parsed by hand (lists of holidays): raises ValidationError."""
    if not date_in_range(day):
        raise ValidationError(DATE_OUT_OF_RANGE)
    return day


class _InRange:
    """Refuses a parsed date or date-time outside FIRST_YEAR..LAST_YEAR."""

    def process_formdata(self, valuelist):
        super().process_formdata([fold(v) for v in valuelist])
        if self.data is not None and not date_in_range(self.data):
            self.data = None
            raise ValueError(DATE_OUT_OF_RANGE)


class DateField(_InRange, wtforms.DateField):
    pass


class DateTimeLocalField(_InRange, wtforms.DateTimeLocalField):
    pass


class MonthField(_InRange, wtforms.MonthField):
    pass


def within_span(first_field: str):
    """Validator of a last-day field: at most `schedule.MAX_SPAN_DAYS` after the
    form's `first_field` (the schedule and programme forms; the service checks the
    same rule for every other caller)."""

    def check(form, field):
        first = form[first_field].data
        if first and field.data and (field.data - first).days > MAX_SPAN_DAYS:
            raise ValidationError(span_too_long())

    return check


class EmptyForm(FlaskForm):
    """A POST button that still carries the CSRF token."""
