from __future__ import annotations

from flask import current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import login_required

from app import sessions
from app.actions import attempt
from app.blueprints.auth import bp
from app.blueprints.auth.forms import LoginForm
from app.blueprints.auth.limits import login_limits
from app.redirects import safe_next
from app.services.people.login import log_in
from app.services.refusals import LoginRefused
from app.timeutil import now


@bp.route("/login", methods=["GET", "POST"])
@login_limits
def login():
    form = LoginForm(next=request.args.get("next"))
    if request.method == "GET":
        return render_template("auth/login.html", form=form)
    if not form.validate():
        return render_template("auth/login.html", form=form), 422
    outcome = attempt(
        lambda: log_in(
            form.phone.data,
            form.secret.data,
            now=now(),
            settings=current_app.config,
            address=request.remote_addr,
        ),
        keep=(LoginRefused,),  # a wrong PIN or password counts toward the lock
    )
    if not outcome.ok:
        form.secret.errors.append(outcome.message)
        return render_template("auth/login.html", form=form), outcome.status
    user = outcome.result
    # A fresh session per login: nothing of a previous visitor (a kiosk!) carries over.
    sessions.start(user, remember=form.remember.data)
    # Said after the session starts: in the user's own language.
    flash(_("Welcome, %(name)s.", name=user.person.name), "success")
    return redirect(safe_next(form.next.data) or url_for("public.list_activities"))


@bp.post("/logout")
@login_required
def logout():
    # Every session of the user ends, so a copy of this cookie opens nothing.
    sessions.log_out()
    flash(_("You have logged out."), "info")
    return redirect(url_for("public.list_activities"))
