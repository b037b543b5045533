"""The month's birthdays (集体生日会): the elders who celebrate in a month (solar or
lunar birthday), their household tags (独居: a volunteer brings them), and the
invitation that offers them the party's session before it opens to everyone.

A district's month is 2,000 elders: the list shows them PAGE_SIZE at a time, with
how many there are in all; "invite the ticked people" covers the page's ticks, and
"invite all" everyone of the month's list."""

from __future__ import annotations

from datetime import date
from math import ceil

from flask import abort, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from app.actions import answer, attempt, refused
from app.blueprints.staff import bp
from app.blueprints.staff.forms import (
    BirthdayMonthForm,
    InviteForm,
    LunarBirthdayForm,
)
from app.blueprints.staff.pages import back_or, invalid, notice, on_page
from app.extensions import db
from app.formatting import when
from app.inputs import page_number
from app.loaders import person_for
from app.models import Session
from app.row_urls import row_url
from app.services.booking import eligibility, invitations
from app.services.people import birthdays
from app.timeutil import local_date, now

# Staff only (routes.py: every desk page): the role authorises.

# Rows a page of the month's list shows.
PAGE_SIZE = 100


def _session_label(session: Session) -> str:
    return f"{session.activity.title} · {when(session.starts_at)}"


def birthday_page(
    month: date, session: Session | None, form: InviteForm | None = None, page: int = 1
) -> str:
    """A page of the month's list (the last one when `page` is past it), the sessions
    one may invite to, and for the chosen one who is invited or booked and when it
    opens to everyone."""
    moment = now()
    everyone = birthdays.month_celebrants(month.year, month.month)
    pages = max(1, ceil(len(everyone) / PAGE_SIZE))
    page = min(page, pages)
    first = (page - 1) * PAGE_SIZE
    rows = birthdays.birthday_rows(everyone[first : first + PAGE_SIZE])
    sessions = invitations.invitable_sessions(moment)
    if session is not None and session not in sessions:
        sessions.insert(0, session)
    form = form or InviteForm(formdata=None, month=month)
    form.session_id.choices = [(s.id, _session_label(s)) for s in sessions]
    if session is not None:
        form.session_id.data = session.id
    states = invitations.invitation_states(session, [r.person.id for r in rows]) if session else {}
    window = eligibility.window_state(session.activity, moment) if session else None
    page_url = row_url(
        "staff.list_birthdays",
        "page",
        month=month.strftime("%Y-%m"),
        session_id=session.id if session else None,
    )
    return render_template(
        "staff/birthdays.html",
        month=month,
        rows=rows,
        total=len(everyone),
        page=page,
        pages=pages,
        first_shown=first + 1,
        page_url=page_url,
        form=form,
        session=session,
        states=states,
        window=window,
    )


def _invited_message(new: int, asked: int) -> str:
    said = _(
        "%(num)d people invited. Families with an account here got a message; "
        "please phone the others.",
        num=new,
    )
    if new == asked:
        return said
    already = _("%(num)d were invited already and were not told again.", num=asked - new)
    return f"{said} {already}"


def _this_month() -> date:
    return local_date(now()).replace(day=1)


@bp.get("/birthdays")
def list_birthdays():
    choice = BirthdayMonthForm(request.args)
    if not choice.validate():
        choice = BirthdayMonthForm(formdata=None)
    session = db.session.get(Session, choice.session_id.data) if choice.session_id.data else None
    return birthday_page(
        choice.month.data or _this_month(), session, page=page_number(request.args.get("page"))
    )


@bp.post("/birthdays/invite")
def invite_birthdays():
    form = InviteForm()
    shown = page_number(request.form.get("page"))
    if not form.validate():
        form.session_id.choices = []
        return invalid(
            lambda _o: birthday_page(form.month.data or _this_month(), None, form, shown)
        )
    session = db.get_or_404(Session, form.session_id.data)
    month = form.month.data
    everyone = birthdays.month_celebrants(month.year, month.month)
    if not form.everyone.data:
        chosen = form.chosen_ids()
        everyone = [c for c in everyone if c.person_id in chosen]
    people = [row.person for row in birthdays.birthday_rows(everyone)]
    page = lambda _o: birthday_page(month, session, form, shown)  # noqa: E731
    if not people:
        return answer(refused(_("Please tick the people to invite.")), fragment=notice, page=page)
    outcome = attempt(
        lambda: invitations.invite(session, people, by=current_user, now=now()),
        lambda new: _invited_message(len(new), len(people)),
    )
    then = url_for(
        "staff.list_birthdays", month=month.strftime("%Y-%m"), session_id=session.id, page=shown
    )
    return answer(outcome, **on_page(page, then))


@bp.post("/people/<int:person_id>/lunar-birthday")
def set_lunar_birthday(person_id: int):
    person = person_for(current_user, person_id)
    form = LunarBirthdayForm()
    if not form.validate():
        abort(422)
    outcome = attempt(
        lambda: birthdays.set_lunar_birthday(
            person, bool(form.keeps.data), by=current_user, now=now()
        ),
        _("Saved."),
    )
    back = back_or(url_for("staff.show_person", person_id=person.id))
    return answer(outcome, fragment=notice, then=back)
