"""The language switch: a small form in every page's header (and the kiosk's)."""

from __future__ import annotations

from flask import abort, url_for
from flask_login import current_user

from app.actions import answer, attempt
from app.blueprints.public import bp
from app.blueprints.public.forms import LanguageForm
from app.i18n import keep_choice, supported
from app.redirects import safe_next
from app.services.people.residents import save_locale


def switch_language(*, under: str, fallback: str, for_visit: bool = False):
    """Sets the lang cookie (`for_visit`: the kiosk's, for the visit only) and, for
    a logged-in user, saves the choice to their account; then back to the page the
    switch was on (a path under `under`)."""
    form = LanguageForm()
    chosen = supported(form.lang.data) if form.validate() else None
    if chosen is None:
        abort(400)
    keep_choice(chosen, for_visit=for_visit)
    user = current_user if current_user.is_authenticated else None
    outcome = attempt(lambda: save_locale(user, chosen) if user is not None else None)
    back = safe_next(form.next.data, under=under)
    return answer(outcome, then=back or fallback)


@bp.post("/language")
def choose_language():
    return switch_language(under="/", fallback=url_for("public.list_activities"))
