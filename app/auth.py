"""Login wiring and the coarse access decorators."""

from __future__ import annotations

from functools import wraps

from flask import abort, request
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from flask_login.config import EXEMPT_METHODS
from sqlalchemy import bindparam, select
from sqlalchemy.orm import joinedload

from app.extensions import db


def configure_login(login_manager) -> None:
    from app.models import User

    login_manager.login_view = "auth.login"
    login_manager.login_message = _l("Please log in first.")
    login_manager.login_message_category = "info"
    # Not "strong": Flask-Login hashes the raw, client-chosen X-Forwarded-For and the
    # User-Agent, so a phone changing networks is logged out while a stolen cookie
    # passes with forged headers. Sessions are ended on the server instead: the
    # loader below accepts a cookie only with the user's current session_version.
    login_manager.session_protection = None

    # Every page needs the person (name, household): load both at once. Built
    # once: it runs on every request. A session or remember cookie holds
    # "id:session_version" (User.get_id); an older version is a logged-out session.
    load = (
        select(User)
        .options(joinedload(User.person))
        .where(User.id == bindparam("id"), User.session_version == bindparam("version"))
    )

    @login_manager.user_loader
    def _load_user(user_id: str):
        # Signed by the app, but a cookie from before versions (a bare id) or
        # anything else odd is simply not a session.
        user_part, _, version_part = user_id.partition(":")
        if not (user_part.isascii() and user_part.isdigit() and version_part.isascii()):
            return None
        if not version_part.isdigit():
            return None
        params = {"id": int(user_part), "version": int(version_part)}
        return db.session.execute(load, params).scalar_one_or_none()


def role_required(*roles: str):
    """Logged in, and holding one of `roles` (admin passes every staff check)."""

    def decorator(view):
        @wraps(view)
        @login_required
        def wrapped(*args, **kwargs):
            if request.method in EXEMPT_METHODS:
                # As login_required: an OPTIONS request is answered by Flask with the
                # allowed methods and never reaches a view, so there is no user to check.
                return view(*args, **kwargs)
            allowed = set(roles)
            if "staff" in allowed:
                allowed.add("admin")
            if current_user.role not in allowed:
                abort(403)
            return view(*args, **kwargs)

        return wrapped

    return decorator
