"""The desk's residents: finding them, registering a household and its members, a
person's page (bookings, PIN, login locks, member card) and the links that let
someone of another household book for them (代办, with consent)."""

from __future__ import annotations

from flask import abort, current_app, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from markupsafe import Markup

from app.access_log import seen
from app.actions import Done, answer, attempt, refused
from app.blueprints.staff import bp
from app.blueprints.staff.consent_panel import consent_context
from app.blueprints.staff.forms import (
    BirthDateForm,
    BookForPersonForm,
    LinkConfirmForm,
    LinkRequestForm,
    LunarBirthdayForm,
    MemberForm,
    PinForm,
    RegisterForm,
    SearchForm,
    TagsForm,
    target_choices,
)
from app.blueprints.staff.pages import Page, back_or, invalid, on_page
from app.extensions import db, htmx
from app.forms import EmptyForm
from app.inputs import parse_id
from app.loaders import person_for
from app.models import Booking, Household, HouseholdLink, Person
from app.services.attendance import leave as attendance_leave
from app.services.booking import history, lists
from app.services.people import links, residents
from app.services.people.login import find_user_by_phone, login_lock_state, unlock_login
from app.services.people.sessions import log_out_everywhere
from app.services.privacy.access import Page as AccessPage
from app.services.refusals import LoginRefused
from app.timeutil import now

# Staff only (routes.py): a person is loaded with app/loaders.py (staff may act for
# everyone); households and links by id alone, the role authorising.


@bp.get("/residents")
def find_residents():
    form = SearchForm(request.args)
    people = residents.search_residents(form.q.data) if form.validate() else []
    template = (
        "staff/_results.html" if htmx and htmx.target == "results" else "staff/residents.html"
    )
    return render_template(template, form=form, people=people, searched=bool(form.q.data))


def _register_member(household: Household, form) -> Person:
    return residents.register_member(
        household,
        form.name.data.strip(),
        by=current_user,
        now=now(),
        hash_method=current_app.config["PASSWORD_HASH_METHOD"],
        birth_date=form.birth_date.data,
        phone=form.phone.data or None,
        pin=form.pin.data or None,
        care_notes=form.care_notes.data or None,
        email=form.email.data or None,
    )


def _to_person(outcome) -> str:
    """After registering someone: their page."""
    return url_for("staff.show_person", person_id=outcome.result.id)


@bp.route("/households/new", methods=["GET", "POST"])
def new_household():
    form = RegisterForm()

    def page(_outcome=None):
        return render_template("staff/household_form.html", form=form)

    if request.method == "GET":
        return page()
    if not form.validate():
        return invalid(page)

    def register() -> Person:
        household = residents.register_household(
            form.household_name.data.strip(),
            by=current_user,
            now=now(),
            address=form.address.data,
            tags=form.tags.data or [],
        )
        return _register_member(household, form)

    outcome = attempt(register, _("The household is registered."))
    return answer(outcome, **on_page(page, _to_person))


def person_page(person: Person, **forms) -> str:
    """A person's page: household, bookings and leave, links, and the desk's forms
    (each one given again with its errors, or empty)."""
    household = person.household
    book_form = forms.get("book_form") or BookForPersonForm(formdata=None)
    book_form.target.choices = target_choices(lists.bookable_targets(now()))
    rows = lists.person_bookings(person, now())
    seen([person], AccessPage.PERSON)
    return render_template(
        "staff/person.html",
        person=person,
        household=household,
        members=household.members,
        rows=rows,
        leave_dates=attendance_leave.leave_choices([r.booking for r in rows], now()),
        links=links.links_of_person(person),
        tags_form=forms.get("tags_form") or TagsForm(formdata=None, tags=household.tag_names),
        member_form=forms.get("member_form") or MemberForm(formdata=None),
        pin_form=forms.get("pin_form") or PinForm(formdata=None),
        birth_form=forms.get("birth_form")
        or BirthDateForm(formdata=None, birth_date=person.birth_date),
        book_form=book_form,
        link_form=forms.get("link_form") or LinkRequestForm(formdata=None),
        confirm_form=LinkConfirmForm(formdata=None),
        form=EmptyForm(),
        lunar_form=LunarBirthdayForm(formdata=None),
        age=person.age_at(now()),
        login_lock=(
            login_lock_state(person.user.phone, now=now(), settings=current_app.config)
            if person.user is not None
            else None
        ),
        **consent_context(person, **forms),
    )


def person_again(person: Person, **forms) -> Page:
    """The person's page shown again (with `forms`, errors and all) after a refusal."""
    return lambda _outcome: person_page(person, **forms)


def on_person(person: Person, **forms) -> dict:
    """How an action on a person's page is answered: that page again (with `forms`)
    after a refusal, the page after success."""
    return on_page(person_again(person, **forms), url_for("staff.show_person", person_id=person.id))


def _back_person(default: Person) -> Person:
    """The person whose page the form was on (`person_id`), else `default`."""
    person_id = parse_id(request.form.get("person_id"))
    found = db.session.get(Person, person_id) if person_id is not None else None
    return found if found is not None else default


@bp.get("/people/<int:person_id>")
def show_person(person_id: int):
    return person_page(person_for(current_user, person_id))


@bp.get("/people/<int:person_id>/earlier")
def earlier_bookings(person_id: int):
    """The person's past bookings, newest first, twenty a page (`?before=`, as
    "My bookings" pages them)."""
    person = person_for(current_user, person_id)
    before = history.Cursor.parse(request.args.get("before"))
    page = history.earlier(Booking.person_id == person.id, {}, now(), before)
    older = page.older and url_for(
        "staff.earlier_bookings", person_id=person.id, before=page.older.token
    )
    return render_template(
        "staff/person_earlier.html",
        person=person,
        page=page,
        older=older,
        first=before is not None and url_for("staff.earlier_bookings", person_id=person.id),
    )


@bp.post("/households/<int:household_id>/tags")
def set_tags(household_id: int):
    household = db.get_or_404(Household, household_id)
    person = household.members[0] if household.members else None
    form = TagsForm()
    if not form.validate() or person is None:
        abort(422)
    outcome = attempt(
        lambda: residents.set_household_tags(
            household, form.tags.data or [], by=current_user, now=now()
        ),
        _("Saved."),
    )
    back = url_for("staff.show_person", person_id=_back_person(person).id)
    return answer(outcome, **on_page(person_again(person), back))


@bp.post("/households/<int:household_id>/members")
def add_member(household_id: int):
    household = db.get_or_404(Household, household_id)
    form = MemberForm()
    anchor = household.members[0] if household.members else None
    if anchor is None:
        abort(404)
    page = person_again(anchor, member_form=form)
    if not form.validate():
        return invalid(page)
    outcome = attempt(
        lambda: _register_member(household, form),
        lambda person: _("%(name)s is added to the household.", name=person.name),
    )
    return answer(outcome, **on_page(page, _to_person))


@bp.post("/people/<int:person_id>/birth-date")
def set_birth_date(person_id: int):
    """Add or correct a date of birth (age-limited classes need one)."""
    person = person_for(current_user, person_id)
    form = BirthDateForm()
    if not form.validate():
        return invalid(person_again(person, birth_form=form))
    outcome = attempt(
        lambda: residents.set_birth_date(person, form.birth_date.data, by=current_user, now=now()),
        _("Saved."),
    )
    return answer(outcome, **on_person(person, birth_form=form))


def _account_of(person_id: int) -> Person:
    """The person, if they have an account (a login); otherwise 404."""
    person = person_for(current_user, person_id)
    if person.user is None:
        abort(404)
    return person


@bp.post("/people/<int:person_id>/pin")
def reset_pin(person_id: int):
    person = _account_of(person_id)
    form = PinForm()
    if not form.validate():
        return invalid(person_again(person, pin_form=form))
    outcome = attempt(
        lambda: residents.reset_pin(
            person.user,
            form.pin.data,
            by=current_user,
            now=now(),
            hash_method=current_app.config["PASSWORD_HASH_METHOD"],
        ),
        _("The new PIN is set."),
    )
    return answer(outcome, **on_person(person))


@bp.post("/people/<int:person_id>/unlock-login")
def unlock_person_login(person_id: int):
    """Ends every lock on the person's login (after staff spoke with them)."""
    person = _account_of(person_id)
    if not EmptyForm().validate():
        abort(422)
    outcome = attempt(
        lambda: unlock_login(person.user, by=current_user, now=now(), settings=current_app.config),
        _("%(name)s can log in again.", name=person.name),
    )
    back = back_or(url_for("staff.show_person", person_id=person.id))
    return answer(outcome, fragment=None, page=None, then=back)


@bp.post("/people/<int:person_id>/sessions/end")
def end_sessions(person_id: int):
    """Log out everywhere: a lost phone, a computer left logged in."""
    person = _account_of(person_id)
    if not EmptyForm().validate():
        abort(400)
    outcome = attempt(
        lambda: log_out_everywhere(person.user, by=current_user, now=now()),
        _("%(name)s is now logged out on every device.", name=person.name),
    )
    back = url_for("staff.show_person", person_id=person.id)
    return answer(outcome, fragment=None, page=None, then=back)


@bp.get("/people/<int:person_id>/card")
def member_card(person_id: int):
    import segno

    person = person_for(current_user, person_id)
    if not person.member_no:
        abort(404)
    qr = Markup(segno.make(person.member_no, micro=False).svg_inline(scale=6))
    return render_template("staff/card.html", person=person, qr=qr)


# --- links between households (代办 with consent) ------------------------------------------


@bp.post("/people/<int:person_id>/links")
def request_link(person_id: int):
    person = person_for(current_user, person_id)
    form = LinkRequestForm()
    where = on_person(person, link_form=form)
    if not form.validate():
        return invalid(person_again(person, link_form=form))
    helper = find_user_by_phone(form.helper_phone.data)
    if helper is None:
        return answer(refused(_("No account has this phone number."), 404), **where)
    outcome = attempt(
        lambda: links.request_link(helper, person, by=current_user, now=now()),
        Done(_("Now %(name)s types their PIN below to agree.", name=person.name), "info"),
    )
    return answer(outcome, **where)


@bp.post("/links/<int:link_id>/confirm")
def confirm_link(link_id: int):
    link = db.get_or_404(HouseholdLink, link_id)
    person = link.person
    form = LinkConfirmForm()
    if not form.validate():
        return invalid(person_again(person))
    outcome = attempt(
        lambda: links.confirm_link(
            link,
            form.pin.data,
            by=current_user,
            now=now(),
            settings=current_app.config,
            address=request.remote_addr,
        ),
        lambda _result: _(
            "%(helper)s may now book for %(name)s.", helper=link.user.person.name, name=person.name
        ),
        # A wrong PIN is counted (like a failed login): keep that count.
        keep=(LoginRefused,),
    )
    return answer(outcome, **on_person(person))


@bp.post("/links/<int:link_id>/revoke")
def revoke_link(link_id: int):
    link = db.get_or_404(HouseholdLink, link_id)
    if not EmptyForm().validate():
        abort(422)
    outcome = attempt(
        lambda: links.revoke_link(link, by=current_user, now=now()), _("The link is ended.")
    )
    back = url_for("staff.show_person", person_id=_back_person(link.person).id)
    return answer(outcome, fragment=None, page=None, then=back)
