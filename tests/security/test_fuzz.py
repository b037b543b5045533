"""Whatever a person (or a script) sends, the answer is never a server error, and
a refused request changes nothing.

Every URL of the app is tried as every role: every `<int:…>` in a URL with
numbers outside 1..MAX_ID (2^31−1, PostgreSQL's INTEGER) and with things that are not numbers; every POST with
field sets built from the form classes its view uses (huge and negative numbers,
extreme dates, full-width and Arabic-Indic digits, NUL, RTL marks, 10,000
characters, fields missing or sent twice); every GET with the same in its query.
"""

from __future__ import annotations

import importlib
import inspect
import os
import pkgutil
import re
from urllib.parse import quote

import pytest
from flask_wtf import FlaskForm
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from werkzeug.datastructures import MultiDict
from wtforms import (
    BooleanField,
    DateField,
    DateTimeLocalField,
    IntegerField,
    PasswordField,
    RadioField,
    SelectField,
    SelectMultipleField,
    TimeField,
)
from wtforms.fields.core import UnboundField

import app.blueprints
from app.inputs import MAX_ID
from tests.security.conftest import ROLES, log_in

# Requests a role sends per endpoint (the whole file stays under ~2 minutes).
POST_EXAMPLES = int(os.environ.get("FUZZ_POST_EXAMPLES", "5"))
GET_EXAMPLES = int(os.environ.get("FUZZ_GET_EXAMPLES", "2"))

FUZZ = settings(
    max_examples=POST_EXAMPLES,
    deadline=None,
    database=None,
    suppress_health_check=list(HealthCheck),
)

NASTY = [
    "0",
    "-1",
    "-9223372036854775809",
    str(2**31 - 1),
    str(2**31),
    str(2**63 - 1),
    str(2**63),
    str(2**64),
    "9" * 40,
    "１２３",  # full-width
    "١٢٣",  # Arabic-Indic
    "߁",  # NKo digit one
    "1e3",
    " 7 ",
    "1_000",
    "0001-01-01",
    "9999-12-31",
    "1899-12-31",
    "2101-01-01",
    "2026-02-30",
    "２０２６-１２-０１",
    "0001-01-01T00:00",
    "9999-12-31T23:59",
    "24:00",
    "９:３０",
    "\x00",
    "12\x003",
    "\u202eabc\u202c",
    "\u200f",
    "x" * 10_000,
    "中" * 10_000,
    "",
    " ",
    "None",
    "=1+1",
    "1-2-3",
]

# An id in a ticked "child-slot" box: mostly one of the world's, sometimes one at
# the edge of (or past) what an INTEGER column holds, which must answer 4xx.
EDGE_IDS = [MAX_ID, MAX_ID + 1, 10**17, 10**18 - 1, 10**18, 2**63 - 1, 2**63, 2**64]
PICK_ID = st.one_of(st.integers(1, 12), st.integers(1, 12), st.sampled_from(EDGE_IDS))

# Writes a refused request is meant to make: a failed login or a wrong pickup code
# is counted and logged.
REFUSALS_THAT_COUNT = {"auth.login", "kiosk.login", "door.check_out"}


# --- what each view reads -------------------------------------------------------


def _form_classes() -> dict[str, type[FlaskForm]]:
    found = {}
    for module_info in pkgutil.iter_modules(app.blueprints.__path__):
        try:
            module = importlib.import_module(f"app.blueprints.{module_info.name}.forms")
        except ModuleNotFoundError:
            continue
        for name, value in vars(module).items():
            if inspect.isclass(value) and issubclass(value, FlaskForm):
                found.setdefault(name, value)
    return found


FORMS = _form_classes()
FORM_CALL = re.compile(r"\b([A-Z]\w*Form)\b")
HELPER_CALL = re.compile(r"\b(_\w+)\(")


def _unbound_fields(form_class) -> dict[str, UnboundField]:
    return {
        name: value
        for klass in reversed(form_class.__mro__)
        for name, value in vars(klass).items()
        if isinstance(value, UnboundField)
    }


def fields_of_view(view) -> dict[str, UnboundField]:
    """The fields of every form the view (or a helper of its module it calls) builds."""
    view = inspect.unwrap(view)
    sources = [inspect.getsource(view)]
    for helper in set(HELPER_CALL.findall(sources[0])):
        target = view.__globals__.get(helper)
        if inspect.isfunction(target):
            sources.append(inspect.getsource(inspect.unwrap(target)))
    fields: dict[str, UnboundField] = {}
    for source in sources:
        for name in FORM_CALL.findall(source):
            if name in FORMS:
                fields.update(_unbound_fields(FORMS[name]))
    return fields


def baseline(name: str, unbound: UnboundField | None):
    """A value the field would accept, so that fuzzing one field reaches the view."""
    kind = unbound.field_class if unbound else None
    choices = unbound.kwargs.get("choices") if unbound else None
    if name == "pick":
        return st.builds(lambda a, b: f"{a}-{b}", PICK_ID, PICK_ID)
    if kind and issubclass(kind, (SelectField, SelectMultipleField, RadioField)) and choices:
        values = [c[0] if isinstance(c, tuple) else c.value for c in choices]
        return st.sampled_from([str(v) for v in values])
    if name.endswith("_id") or name in ("target", "actor"):
        return st.integers(1, 12).map(str)
    if kind and issubclass(kind, DateTimeLocalField):
        return st.sampled_from(["2026-12-01T09:00", "2027-01-20T08:00"])
    if kind and issubclass(kind, DateField):
        return st.sampled_from(["2026-12-01", "2027-01-20", "2026-11-23"])
    if kind and issubclass(kind, TimeField):
        return st.sampled_from(["09:00", "10:30", "16:30"])
    if kind and issubclass(kind, IntegerField):
        return st.sampled_from(["1", "5", "12"])
    if kind and issubclass(kind, BooleanField):
        return st.just("y")
    if kind and issubclass(kind, PasswordField) or name in ("pin", "secret"):
        return st.just("123456")
    if "phone" in name or name == "who":
        return st.just("13000000000")  # nobody's: fuzzing never locks a real account
    if name == "code":
        return st.just("1234")
    return st.sampled_from(["abc", "张三"])


ODD_VALUE = st.one_of(st.sampled_from(NASTY), st.text(max_size=12), st.integers().map(str))


@st.composite
def field_set(draw, fields: dict[str, UnboundField]):
    """(name, value) pairs: every field as a page would send it, except a few that
    are odd, missing or sent twice (so each example reaches the view's checks)."""
    names = list(fields)
    odd = set(draw(st.lists(st.sampled_from(names), max_size=3, unique=True))) if names else set()
    pairs = []
    for name, unbound in fields.items():
        if name not in odd:
            pairs.append((name, draw(baseline(name, unbound))))
            continue
        how = draw(st.sampled_from(["odd", "odd", "odd", "missing", "twice"]))
        if how == "odd":
            pairs.append((name, draw(ODD_VALUE)))
        elif how == "twice":
            pairs += [(name, draw(ODD_VALUE)), (name, draw(baseline(name, unbound)))]
    if draw(st.booleans()):
        pairs.append(("next", draw(st.sampled_from(["/me/", "//evil.example", "x" * 3000]))))
    return pairs


QUERY_NOISE = {
    "page": ["2", "0", "-3", str(2**64), "１", "x"],
    "_scheme": ["x"],
    "_external": ["", "1"],
    "_method": ["POST"],
    "_anchor": ["\x00"],
    "lang": ["en", "xx", "\x00"],
}


@st.composite
def query(draw, fields):
    pairs = draw(field_set(fields))
    for name, choices in QUERY_NOISE.items():
        if draw(st.booleans()):
            pairs.append((name, draw(st.sampled_from(choices))))
    return pairs


# --- the URLs ---------------------------------------------------------------------

# <name>, <int:name>, and <any(a, b):name> (a chart's or a table's name, not an id).
CONVERTER = re.compile(r"<(?:(\w+(?:\([^)]*\))?):)?(\w+)>")


def rules(app):
    return sorted(
        (r for r in app.url_map.iter_rules() if r.endpoint != "static"), key=lambda r: r.rule
    )


def example_values(rule) -> dict:
    """1 for every id in the rule, and the first name an `any(...)` part allows."""
    values = dict.fromkeys(rule.arguments, 1)
    for converter, name in CONVERTER.findall(rule.rule):
        if converter.startswith("any("):
            values[name] = converter[4:-1].split(",")[0].strip()
    return values


def build(rule, values: dict) -> str:
    return CONVERTER.sub(lambda m: quote(str(values[m.group(2)]), safe=""), rule.rule)


def checked(client, snapshot, method, url, role, endpoint, **kwargs):
    before = snapshot()
    response = client.open(url, method=method, **kwargs)
    status = response.status_code
    assert status < 500, f"{role}: {method} {url} {kwargs.get('data')!r:.300} → {status}"
    if 400 <= status < 500 and endpoint not in REFUSALS_THAT_COUNT:
        after = snapshot()
        changed = {t: (before[t], after[t]) for t in before if before[t] != after[t]}
        assert not changed, f"{role}: {method} {url} refused {status} yet wrote {changed}"
    return response


def _failure_of(run) -> list[str]:
    """Run one endpoint's fuzz; its (shrunk) failure, so every endpoint is tried."""
    try:
        run()
    except AssertionError as failure:
        return [str(failure).splitlines()[0]]
    return []


# --- the tests ---


def _fuzz_one(examples, strategies, send):
    """A Hypothesis run of `send(**drawn)`; its shrunk failure, if any, as a line,
    so that every endpoint is tried and all failures are listed together."""

    @settings(FUZZ, max_examples=examples)
    @given(**strategies)
    def run(**drawn):
        send(**drawn)

    try:
        run()
    except Exception as failure:  # noqa: BLE001 - one line per endpoint, then go on
        while isinstance(failure, BaseExceptionGroup):
            failure = failure.exceptions[0]
        return [f"{type(failure).__name__}: {str(failure).splitlines()[0]}"]
    return []


def _ids(rule):
    return st.fixed_dictionaries({name: st.integers(1, 8) for name in rule.arguments})


@pytest.mark.parametrize("role", ROLES)
def test_no_form_post_gets_a_server_error_or_writes_when_refused(
    role, app, client, world, snapshot
):
    failures = []
    for rule in rules(app):
        if "POST" not in rule.methods:
            continue
        fields = fields_of_view(app.view_functions[rule.endpoint])
        if not fields:
            fields = {name: None for name in ("person_id", "code", "reason", "next")}

        def send(url_ids, pairs, htmx, rule=rule):
            log_in(client, world, role)
            url = build(rule, url_ids)
            headers = {"HX-Request": "true"} if htmx else {}
            data = MultiDict(pairs)
            checked(client, snapshot, "POST", url, role, rule.endpoint, data=data, headers=headers)

        strategies = {"url_ids": _ids(rule), "pairs": field_set(fields), "htmx": st.booleans()}
        failures += _fuzz_one(POST_EXAMPLES, strategies, send)
    assert not failures, "\n".join(failures)


@pytest.mark.parametrize("role", ROLES)
def test_no_query_gets_a_server_error(role, app, client, world, snapshot):
    failures = []
    for rule in rules(app):
        if "GET" not in rule.methods:
            continue
        fields = fields_of_view(app.view_functions[rule.endpoint])

        def send(url_ids, pairs, rule=rule):
            log_in(client, world, role)
            url = build(rule, url_ids)
            checked(
                client, snapshot, "GET", url, role, rule.endpoint, query_string=MultiDict(pairs)
            )

        failures += _fuzz_one(GET_EXAMPLES, {"url_ids": _ids(rule), "pairs": query(fields)}, send)
    assert not failures, "\n".join(failures)


OUT_OF_RANGE = [0, -1, MAX_ID + 1, 2**63, 2**64, 10**30]
NOT_NUMBERS = ["１２", "١٢", "abc", "1.5", "\x00", "\u202e1"]
BAD_IDS = st.one_of(
    st.sampled_from(OUT_OF_RANGE + NOT_NUMBERS),
    st.integers(max_value=0),
    st.integers(min_value=MAX_ID + 1),
    st.text(min_size=1, max_size=8),
)


@pytest.mark.parametrize("role", ROLES)
def test_ids_outside_the_range_in_urls_are_not_found(role, app, client, world, snapshot):
    failures = []
    for rule in rules(app):
        if not rule.arguments:
            continue
        for method in sorted(rule.methods - {"HEAD"}):

            def send(bad, which, rule=rule, method=method):
                log_in(client, world, role)
                values = dict.fromkeys(rule.arguments, 1)
                values[which] = bad
                url = build(rule, values)
                response = checked(client, snapshot, method, url, role, None)
                if isinstance(bad, int) and method != "OPTIONS" and role != "kiosk":
                    assert response.status_code == 404, (
                        f"{role}: {method} {url} → {response.status_code}"
                    )

            which = st.sampled_from(sorted(rule.arguments))
            failures += _fuzz_one(2, {"bad": BAD_IDS, "which": which}, send)
    assert not failures, "\n".join(failures)


@pytest.mark.parametrize("role", ROLES)
def test_a_post_without_its_csrf_token_is_refused_and_writes_nothing(
    role, app, client, world, snapshot
):
    log_in(client, world, role)
    app.config["WTF_CSRF_ENABLED"] = True
    refused = []
    for rule in rules(app):
        if "POST" not in rule.methods:
            continue
        before = snapshot()
        response = client.post(build(rule, dict.fromkeys(rule.arguments, 1)), data={"x": "1"})
        if response.status_code != 400 or snapshot() != before:
            refused.append(f"{role}: POST {rule.rule} → {response.status_code}")
    assert not refused, "\n".join(refused)


@pytest.mark.parametrize("role", ROLES)
def test_options_on_every_url_is_answered(role, app, client, world, snapshot):
    log_in(client, world, role)
    before = snapshot()
    answers = {}
    for rule in rules(app):
        response = client.options(build(rule, example_values(rule)))
        answers[rule.rule] = response.status_code
    assert {url: status for url, status in answers.items() if status >= 400} == {}
    assert snapshot() == before
