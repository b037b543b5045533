from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, HiddenField, SelectField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, Optional

from app.models import CATEGORIES

CATEGORY_LABELS = {
    "dance": _l("Dance"),
    "calligraphy": _l("Calligraphy"),
    "smartphone": _l("Smartphone"),
    "choir": _l("Choir"),
    "opera": _l("Yue opera"),
    "crafts": _l("Crafts"),
    "music": _l("Music"),
    "fitness": _l("Fitness"),
    "health": _l("Health"),
    "childcare": _l("Holiday childcare"),
    "afterschool": _l("After-school club"),
    "event": _l("Events"),
}

AUDIENCE_LABELS = {
    "elder": _l("Elders"),
    "child": _l("Children"),
    "family": _l("Families"),
}

WEEKDAY_LABELS = [
    (1, _l("Monday")),
    (2, _l("Tuesday")),
    (3, _l("Wednesday")),
    (4, _l("Thursday")),
    (5, _l("Friday")),
    (6, _l("Saturday")),
    (7, _l("Sunday")),
]


def _optional_int(value):
    return int(value) if value not in (None, "", "None") else None


class CatalogueFilterForm(FlaskForm):
    """The filters above the class list (a GET form: nothing to protect)."""

    class Meta:
        csrf = False

    category = SelectField(
        _l("Kind of class"),
        choices=[SelectChoice("", _l("All kinds"))]
        + [SelectChoice(c, CATEGORY_LABELS[c]) for c in CATEGORIES],
        default="",
    )
    audience = SelectField(
        _l("For"),
        choices=[SelectChoice("", _l("Everyone"))]
        + [SelectChoice(k, v) for k, v in AUDIENCE_LABELS.items()],
        default="",
    )
    weekday = SelectField(
        _l("Day"),
        choices=[SelectChoice("", _l("Any day"))]
        + [SelectChoice(str(n), label) for n, label in WEEKDAY_LABELS],
        coerce=_optional_int,
        default=None,
    )
    free = BooleanField(_l("Only classes with free seats"))


class LanguageForm(FlaskForm):
    """The language switch: the language (its button's value) and the page it was on."""

    lang = HiddenField(validators=[DataRequired(), Length(max=16)])
    next = HiddenField(validators=[Optional(), Length(max=2000)])
