"""The rate limits of every login form (the site's and the kiosk's).

They count per client address (`request.remote_addr`: the real client when
PROXY_HOPS is set) and per phone number, in RATELIMIT_STORAGE_URI (Redis when
REDIS_URL is set, so all workers and instances count together). The numbers are
settings (LOGIN_LIMITS_PER_ADDRESS, LOGIN_FAILURE_LIMITS_PER_ADDRESS,
LOGIN_LIMITS_PER_PHONE; see config.py for why). They come before the lockout in
the database (app/services/people/login.py), which is what stops guessing a PIN; these
limits only cut a flood off before it costs hashing.
"""

from __future__ import annotations

from flask import current_app, g, request
from flask_limiter.util import get_remote_address

from app.extensions import limiter
from app.services.people.login import normalise_phone


def _setting(name: str):
    return lambda: current_app.config[name]


def _typed_phone() -> str:
    """The number being logged in to, as typed on either form ('who' at the kiosk
    may be a member card number: it has its own count, and the lockout in the
    database is on the account's number anyway)."""
    raw = request.form.get("phone") or request.form.get("who") or ""
    return "phone:" + normalise_phone(raw[:40]).upper()


def _refused(response) -> bool:
    # The kiosk answers a refused login with a redirect to its login page (so Back
    # never meets a resubmission prompt); it says so with `refused_login()`.
    return response.status_code >= 400 or bool(g.get("login_refused"))


def refused_login() -> None:
    """Counts this request's answer as a refused login, whatever its status."""
    g.login_refused = True


def login_limits(view):
    """Applies the three login limits to a view (POST only). They are shared: the
    site's and the kiosk's login forms count together."""
    view = limiter.shared_limit(
        _setting("LOGIN_LIMITS_PER_PHONE"),
        scope="login-phone",
        key_func=_typed_phone,
        methods=["POST"],
    )(view)
    view = limiter.shared_limit(
        _setting("LOGIN_FAILURE_LIMITS_PER_ADDRESS"),
        scope="login-failures",
        key_func=get_remote_address,
        methods=["POST"],
        deduct_when=_refused,
    )(view)
    return limiter.shared_limit(
        _setting("LOGIN_LIMITS_PER_ADDRESS"),
        scope="login-address",
        key_func=get_remote_address,
        methods=["POST"],
    )(view)
