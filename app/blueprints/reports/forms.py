"""The period a report covers, chosen by a GET form: a month, a quarter, a year,
or two dates. Four small forms on the page send `kind` and their own fields; the
links to the charts, downloads and printout carry the same parameters."""

from __future__ import annotations

import re
from datetime import datetime

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import IntegerField, SelectField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import Optional

from app.forms import FIRST_YEAR, LAST_YEAR, DateField, MonthField
from app.inputs import fold
from app.services.refusals import BadPeriod
from app.services.reports import period as periods
from app.timeutil import local_date

QUARTER = re.compile(r"([0-9]{4})-Q([1-4])")
NEEDED = _l("Please fill this in to see the report.")
YEARS = _l("Please give a year between 1900 and 2100.")


def quarter_choices(now: datetime, count: int = 8) -> list[SelectChoice]:
    """The last `count` quarters, newest first, as "2026-Q4" with a label."""
    today = local_date(now)
    year, quarter = today.year, (today.month - 1) // 3 + 1
    choices = []
    for _ in range(count):
        choices.append(
            SelectChoice(f"{year}-Q{quarter}", _l("Q%(q)s %(year)s", q=quarter, year=year))
        )
        year, quarter = (year - 1, 4) if quarter == 1 else (year, quarter - 1)
    return choices


class PeriodForm(FlaskForm):
    """A GET form: nothing to protect."""

    class Meta:
        csrf = False

    kind = SelectField(
        _l("Period"),
        choices=[
            SelectChoice(periods.MONTH, _l("A month")),
            SelectChoice(periods.QUARTER, _l("A quarter")),
            SelectChoice(periods.YEAR, _l("A year")),
            SelectChoice(periods.RANGE, _l("From a date to a date")),
        ],
    )
    month = MonthField(_l("Month"), validators=[Optional()])
    # Any "YYYY-Qn" is accepted; the choices offer the last eight quarters.
    quarter = SelectField(_l("Quarter"), choices=[], validators=[Optional()], validate_choice=False)
    year = IntegerField(_l("Year"), validators=[Optional()])
    first = DateField(_l("From"), validators=[Optional()])
    last = DateField(_l("Until"), validators=[Optional()])

    def period(self) -> periods.Period | None:
        """The period the form names, or None with a message on the field at fault.
        Call `validate()` first."""
        kind = self.kind.data
        try:
            if kind == periods.MONTH:
                return self._month()
            if kind == periods.QUARTER:
                return self._quarter()
            if kind == periods.YEAR:
                return self._year()
            return self._range()
        except BadPeriod as refusal:
            self.last.errors = [*self.last.errors, str(refusal)]
        return None

    def _needed(self, field) -> bool:
        if field.data is None and not field.errors:
            field.errors = [NEEDED]
        return not field.errors

    def _in_years(self, field, year: int) -> bool:
        if FIRST_YEAR <= year <= LAST_YEAR:
            return True
        field.errors = [YEARS]
        return False

    def _month(self):
        if self._needed(self.month) and self._in_years(self.month, self.month.data.year):
            return periods.month_period(self.month.data.year, self.month.data.month)
        return None

    def _quarter(self):
        found = QUARTER.fullmatch(fold(self.quarter.data))
        if found is None:
            self.quarter.errors = [NEEDED]
            return None
        year = int(found.group(1))
        if self._in_years(self.quarter, year):
            return periods.quarter_period(year, int(found.group(2)))
        return None

    def _year(self):
        if self._needed(self.year) and self._in_years(self.year, self.year.data):
            return periods.year_period(self.year.data)
        return None

    def _range(self):
        if self._needed(self.first) & self._needed(self.last):
            return periods.range_period(self.first.data, self.last.data)
        return None

    def show(self, period: periods.Period, now: datetime) -> None:
        """Fills each of the four forms with the period shown (or its nearest kind)."""
        self.kind.data = period.kind
        self.month.data = period.first.replace(day=1)
        self.quarter.data = f"{period.first.year}-Q{period.quarter}"
        self.year.data = period.first.year
        self.first.data, self.last.data = period.first, period.last
        self.quarter.choices = quarter_choices(now)
