"""Choosing the language: ?lang= → the user's saved choice → the lang cookie →
the browser's Accept-Language → Chinese.

`?lang=` (a link, a test) chooses the language of that answer and keeps it in the
cookie; it writes nothing to the database, as no GET does. The language switch in
the page header posts the choice (public.choose_language, kiosk.choose_language),
which sets the cookie and saves it to the user's account, for their other devices.
At the kiosk the choice lasts for the visit only: a cookie without an expiry, and
the end of a visit (完成, the idle limit, an idle start screen) forgets it, so the
next visitor starts in the kiosk browser's language, else Chinese: the centre's
default (app/sessions.py `forget`, `forget_language`)."""

from __future__ import annotations

from functools import lru_cache

from babel import Locale, support
from flask import current_app, g, request
from flask_babel import get_locale
from flask_login import current_user
from flask_wtf.i18n import messages_path

LANG_COOKIE = "lang"


def supported(value: str | None) -> str | None:
    """The configured language `value` names ("en-GB" → "en"), or None."""
    if not value:
        return None
    value = value.replace("-", "_")
    for code in current_app.config["LANGUAGES"]:
        if (
            value.lower() == code.lower()
            or value.lower().split("_")[0] == code.lower().split("_")[0]
        ):
            return code
    return None


@lru_cache(maxsize=8)
def _parsed(code: str) -> Locale:
    return Locale.parse(code)


def select_locale() -> Locale:
    """The request's locale, as a parsed `Locale`: parsing one checks Babel's whole
    list of identifiers, so each is parsed once per process."""
    return _parsed(_choose_locale())


def _choose_locale() -> str:
    if not request:
        return current_app.config["BABEL_DEFAULT_LOCALE"]
    chosen = supported(request.args.get("lang"))
    if chosen:
        keep_choice(chosen)
        return chosen
    if current_user and getattr(current_user, "is_authenticated", False) and current_user.locale:
        return current_user.locale
    from_cookie = None if g.get("forget_locale") else supported(request.cookies.get(LANG_COOKIE))
    if from_cookie:
        return from_cookie
    return new_visitor_locale()


def new_visitor_locale() -> str:
    """The language a visitor gets before choosing one: the browser's, else Chinese."""
    best = request.accept_languages.best_match(["zh", "zh_CN", "zh-CN", "en"])
    return supported(best) or current_app.config["BABEL_DEFAULT_LOCALE"]


def keep_choice(code: str, *, for_visit: bool = False) -> None:
    """The language chosen in this request, set in the cookie of its answer; for a
    year, or (`for_visit`, at the kiosk) until the browser closes at the latest."""
    g.chosen_lang = code
    g.lang_for_visit = for_visit


def remember_locale(response):
    """The after_request part: the lang cookie follows this request's choice, or is
    deleted when a kiosk visit ended. Never the database: see the module."""
    if g.pop("forget_locale", False):
        # A kiosk visit ended: the next visitor starts in the default language.
        g.pop("chosen_lang", None)
        response.delete_cookie(LANG_COOKIE, samesite="Lax")
        return response
    chosen = g.pop("chosen_lang", None)
    if chosen:
        max_age = None if g.pop("lang_for_visit", False) else 365 * 24 * 3600
        response.set_cookie(LANG_COOKIE, chosen, max_age=max_age, samesite="Lax")
    return response


@lru_cache(maxsize=8)
def _wtforms_catalog(locale: str):
    return support.Translations.load(messages_path(), [locale], domain="wtforms")


def preload_wtforms_translations() -> None:
    """Flask-WTF reads WTForms' catalog from disk on every request; hand it the one
    already read for this language (it looks on `request` first)."""
    request.wtforms_translations = _wtforms_catalog(str(get_locale()))


def install_template_gettext(app) -> None:
    """Templates' `_()`, `ngettext()`: Flask-Babel's, through the request's catalogue
    (`formatting.current_translations`)."""
    from app.formatting import current_translations

    app.jinja_env.install_gettext_callables(
        gettext=lambda s: current_translations().ugettext(s),
        ngettext=lambda s, p, n: current_translations().ungettext(s, p, n),
        pgettext=lambda c, s: current_translations().upgettext(c, s),
        npgettext=lambda c, s, p, n: current_translations().unpgettext(c, s, p, n),
        newstyle=True,
    )
