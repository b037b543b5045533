"""My bookings' "earlier" page (issue 18): the household's past bookings, newest
first, twenty a page, each page after the last one's (session start, booking id)
(`?before=`); "My bookings" itself lists only what is coming."""

from __future__ import annotations

from flask import render_template, request, url_for
from flask_login import current_user, login_required

from app.blueprints.account import bp
from app.services.booking import history
from app.services.booking.catalogue import household_owner
from app.timeutil import now


@bp.get("/bookings/earlier")
@login_required
def earlier_bookings():
    """The past of everyone the user books for as a resident, as "My bookings" lists
    them (their household, confirmed 代办 links): never anyone else's, whatever
    `before` says (a position in the list, not whose list)."""
    before = history.Cursor.parse(request.args.get("before"))
    page = history.earlier(household_owner(), current_user.actor_params(), now(), before)
    return render_template(
        "account/earlier.html",
        page=page,
        older=page.older and url_for("account.earlier_bookings", before=page.older.token),
        first=before is not None and url_for("account.earlier_bookings"),
    )
