from __future__ import annotations

from flask import current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import login_required

from app import sessions
from app.blueprints.auth import bp
from app.blueprints.auth.forms import LoginForm
from app.blueprints.auth.limits import login_limits
from app.extensions import db
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
    try:
        user = log_in(
            form.phone.data,
            form.secret.data,
            now=now(),
            settings=current_app.config,
            address=request.remote_addr,
        )
    except LoginRefused as refusal:
        db.session.commit()  # keep the failure count
        form.secret.errors.append(str(refusal))
        return render_template("auth/login.html", form=form), refusal.http_status
    db.session.commit()
    # A fresh session per login: nothing of a previous visitor (a kiosk!) carries over.
    sessions.start(user, remember=form.remember.data)
    flash(_("Welcome, %(name)s.", name=user.person.name), "success")
    return redirect(safe_next(form.next.data) or url_for("public.list_activities"))


@bp.post("/logout")
@login_required
def logout():
    # Every session of the user ends, so a copy of this cookie opens nothing.
    sessions.log_out()
    flash(_("You have logged out."), "info")
    return redirect(url_for("public.list_activities"))
