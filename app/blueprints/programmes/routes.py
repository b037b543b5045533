"""Holiday childcare and the after-school club: the calendar, booking several
children onto several days, lottery applications, the pickup list; and the staff
pages that create programmes, close days and run the draw."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from flask import (
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import format_date
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select
from wtforms.fields.choices import SelectChoice

from app import database, formatting
from app.auth import role_required
from app.blueprints.programmes import bp
from app.blueprints.programmes.forms import (
    BookDaysForm,
    CloseDayForm,
    ConfirmItsYouForm,
    DrawForm,
    PickupPersonForm,
    ProgrammeForm,
)
from app.extensions import db, htmx
from app.forms import EmptyForm
from app.loaders import application_for, people_for
from app.models import (
    ActivityStatus,
    Allocation,
    Person,
    PickupPerson,
    Programme,
    Role,
    User,
)
from app.services import refusals
from app.services.booking.place import channel_for
from app.services.childcare import applications as childcare_applications
from app.services.childcare import calendar as childcare_calendar
from app.services.childcare import draw as childcare_draw
from app.services.childcare import grades as childcare_grades
from app.services.childcare import pickup, programmes, submissions
from app.services.childcare import pickup_list as childcare_pickup_list
from app.services.childcare import seed as childcare_seed
from app.services.people import reauth
from app.services.people.login import household_members
from app.services.refusals import LoginLocked, LoginRefused, Refusal
from app.timeutil import from_local, local_date, now

# --- template helpers ------------------------------------------------------------


@bp.app_template_global("when_day")
def when_day(day: date) -> str:
    """A calendar date (already local) in the reader's language."""
    return format_date(day, formatting.pattern_for("date"))


@bp.app_template_filter("parse_iso")
def parse_iso(value: str) -> datetime:
    return datetime.fromisoformat(value)


@bp.app_template_global("refusal_text")
def refusal_text(attempt) -> str:
    return pickup.refusal_message(attempt)


# --- loading and checking ------------------------------------------------------


def get_programme(programme_id: int, *, published: bool = True) -> Programme:
    """The programme (404 when missing, or unpublished for non-staff)."""
    programme = db.get_or_404(Programme, programme_id)
    if published and programme.activity.status != ActivityStatus.PUBLISHED:
        abort(404)
    return programme


def get_pickup_child(person_id: int) -> Person:
    """A child whose pickup list the current user may see and change: 404 for
    anyone else's id exactly as for a missing one (another household, staff, an
    adult's id)."""
    person = db.get_or_404(Person, person_id)
    if not childcare_pickup_list.may_manage_pickup(current_user, person, now()):
        abort(404)
    return person


def get_pickup_person(pickup_id: int) -> PickupPerson:
    """A listed person on a pickup list the current user may change (else 404)."""
    person = db.get_or_404(PickupPerson, pickup_id)
    child = get_pickup_child(person.child_id)
    # A one-day authorisation whose day has passed is on no list (the job deletes it).
    if person not in childcare_pickup_list.pickup_list(child, now()):
        abort(404)
    return person


def _opening(programme: Programme, moment) -> dict:
    """What the page says about the registration window right now."""
    activity = programme.activity
    before = activity.opens_at is not None and moment < activity.opens_at
    closed = childcare_applications.applications_closed(programme, moment)
    seconds = int((activity.opens_at - moment).total_seconds()) if before else 0
    return {
        "before": before,
        "closed": closed,
        "opens_at": activity.opens_at,
        "closes_at": activity.closes_at,
        "seconds": seconds,
        "lottery": activity.allocation == Allocation.LOTTERY,
    }


def _detail_context(programme: Programme, form: BookDaysForm | None = None) -> dict:
    moment = now()
    members = household_members(current_user) if current_user.is_authenticated else []
    children = childcare_calendar.eligible_children(members, programme, local_date(moment))
    applications = (
        childcare_applications.household_applications(programme, current_user.household_id)
        if current_user.is_authenticated
        else []
    )
    return {
        "programme": programme,
        "activity": programme.activity,
        "days": childcare_calendar.calendar(programme, children, moment),
        "children": children,
        "form": form or BookDaysForm(),
        "opening": _opening(programme, moment),
        "grades": childcare_grades.grade_label(programme),
        "applications": applications,
        "slot_labels": childcare_grades.SLOT_LABELS,
        "empty_form": EmptyForm(),
        "commitment": childcare_draw.commitment(programme),
    }


# --- parents -------------------------------------------------------------------


@bp.get("/")
def list_programmes():
    return render_template(
        "programmes/list.html", programmes=programmes.published_programmes(now())
    )


def _seal_seed(programme: Programme) -> Programme:
    """The first look at a lottery after its applications closed fixes the seed
    (drawn by the app, never typed), so its SHA-256 is public from then on. A GET
    that writes once: the read so far is ended and the write takes the lock first."""
    moment = now()
    if not childcare_seed.seed_due(programme, moment):
        return programme
    programme_id = programme.id
    db.session.rollback()
    with database.write_transactions():
        programme = db.session.get(Programme, programme_id)
        childcare_seed.seal_seed(programme, moment)
        db.session.commit()
    return programme


@bp.get("/<int:programme_id>")
def show_programme(programme_id: int):
    programme = _seal_seed(get_programme(programme_id))
    return render_template("programmes/detail.html", **_detail_context(programme))


def _pairs(programme: Programme, form: BookDaysForm) -> list[tuple[Person, object]]:
    """The ticked (child, slot) pairs as objects. 404 for the whole submission when
    one child is someone the user may not act for (checked first, before anything
    about them is read) or does not exist (an id out of range included), or a slot
    is not the programme's."""
    pairs = form.pick.pairs
    people = people_for(current_user, {p for p, _ in pairs})
    slots = programmes.sessions_by_id(programme, {s for _, s in pairs})
    result = []
    for person_id, session_id in dict.fromkeys(pairs):
        if session_id not in slots:
            abort(404)
        result.append((people[person_id], slots[session_id]))
    return result


def _results(programme: Programme, outcomes, *, applying: bool):
    anything = any(o.status != "refused" for o in outcomes)
    status = 200 if anything else 409
    labels = {slot.session_id: childcare_grades.SLOT_LABELS[slot.kind] for slot in programme.slots}
    context = {
        "programme": programme,
        "outcomes": outcomes,
        "applying": applying,
        "labels": labels,
    }
    template = "programmes/_results.html" if htmx else "programmes/results.html"
    return render_template(template, **context), status


def _submit(programme_id: int, *, applying: bool):
    programme = get_programme(programme_id)
    form = BookDaysForm()
    if not form.validate():
        if htmx:
            return render_template("programmes/_form_errors.html", form=form), 422
        return render_template("programmes/detail.html", **_detail_context(programme, form)), 422
    pairs = _pairs(programme, form)
    moment = now()
    try:
        if applying:
            outcomes = childcare_applications.apply_days(
                programme, pairs, together=form.together.data, by=current_user, now=moment
            )
        else:
            outcomes = submissions.book_days(
                programme,
                pairs,
                together=form.together.data,
                by=current_user,
                channel=channel_for(current_user),
                now=moment,
            )
        db.session.commit()
    except Refusal as refusal:
        db.session.rollback()
        if htmx:
            return render_template(
                "errors/_message.html", message=str(refusal), status=refusal.http_status
            ), refusal.http_status
        flash(str(refusal), "error")
        return render_template(
            "programmes/detail.html", **_detail_context(programme, form)
        ), refusal.http_status
    return _results(programme, outcomes, applying=applying)


@bp.post("/<int:programme_id>/book")
@login_required
def book_days(programme_id: int):
    return _submit(programme_id, applying=False)


@bp.post("/<int:programme_id>/apply")
@login_required
def apply_days(programme_id: int):
    return _submit(programme_id, applying=True)


# --- the pickup list: adult guardians only, each change after "confirm it's you" ---

REAUTH_KEY = "reauth_at"


def _recently_confirmed(moment: datetime) -> bool:
    return reauth.is_fresh(session.get(REAUTH_KEY), now=moment, settings=current_app.config)


def _confirm_it_is_you(child: Person, moment: datetime):
    """None when the user has just confirmed it is them (or does so with this very
    request's `secret`); else the confirm page, which posts the same action again
    with the same fields plus the secret, so it works without JavaScript."""
    if _recently_confirmed(moment):
        return None
    form = ConfirmItsYouForm()
    status = 200
    if "secret" in request.form:
        if form.validate():
            try:
                reauth.confirm_secret(
                    current_user,
                    form.secret.data,
                    now=moment,
                    settings=current_app.config,
                    address=request.remote_addr,
                )
            except LoginLocked as refusal:
                db.session.commit()
                form.secret.errors.append(str(refusal))
                status = refusal.http_status
            except LoginRefused as refusal:
                db.session.commit()  # the wrong secret counts toward the login lock
                form.secret.errors.append(_("That is not your PIN or password. Please try again."))
                status = refusal.http_status
            else:
                session[REAUTH_KEY] = reauth.stamp(moment)
                return None
        else:
            status = 422
    carried = [
        (key, value)
        for key, value in request.form.items(multi=True)
        if key not in ("csrf_token", "secret")
    ]
    # Like every page of a logged-in user, sent with Cache-Control: no-store
    # (app/__init__.py): a shared browser keeps none of it.
    return render_template(
        "programmes/confirm.html",
        child=child,
        form=form,
        carried=carried,
        action=request.path,
    ), status


def _pickup_page(
    child: Person,
    form: PickupPersonForm | None = None,
    status: int = 200,
    issued: PickupPerson | None = None,
):
    """The list; after an add or a new code, that code, shown this once (never
    cached: the no-store of every logged-in page, app/__init__.py)."""
    moment = now()
    return render_template(
        "programmes/pickup.html",
        child=child,
        people=childcare_pickup_list.pickup_page_list(child, moment),
        today=local_date(moment),
        form=form or PickupPersonForm(formdata=None),
        button_form=EmptyForm(),
        issued=issued,
        max_day=local_date(moment) + timedelta(days=childcare_pickup_list.ONE_DAY_AHEAD_DAYS),
    ), status


@bp.get("/children/<int:person_id>/pickup")
@login_required
def pickup_list(person_id: int):
    return _pickup_page(get_pickup_child(person_id))


@bp.post("/children/<int:person_id>/pickup")
@login_required
def add_pickup(person_id: int):
    child = get_pickup_child(person_id)
    moment = now()
    form = PickupPersonForm()
    if not form.validate():
        return _pickup_page(child, form, 422)
    try:
        childcare_pickup_list.check_day(form.valid_on.data, moment)
    except refusals.BadPickupDay as refusal:
        form.valid_on.errors.append(str(refusal))
        return _pickup_page(child, form, refusal.http_status)
    try:
        # The code page is this POST's answer: refreshing it must not add the same
        # person again with a second working code.
        childcare_pickup_list.check_not_listed(
            child, form.name.data, form.phone.data, form.valid_on.data, moment
        )
    except refusals.AlreadyListed as refusal:
        form.phone.errors.append(str(refusal))
        return _pickup_page(child, form, refusal.http_status)
    asked = _confirm_it_is_you(child, moment)
    if asked is not None:
        return asked
    try:
        added = childcare_pickup_list.add_pickup_person(
            child,
            name=form.name.data,
            phone=form.phone.data,
            relation=form.relation.data,
            valid_on=form.valid_on.data,
            by=current_user,
            now=moment,
        )
        db.session.commit()
    except refusals.AlreadyListed as refusal:
        db.session.rollback()
        form.phone.errors.append(str(refusal))
        return _pickup_page(child, form, refusal.http_status)
    except Refusal:
        db.session.rollback()
        abort(404)
    # The code is in this page only: not in a flash message, a cookie or a redirect.
    return _pickup_page(child, issued=added)


def _change_listed_person(person: PickupPerson, change):
    """Runs `change(person, by=, now=)` on a listed person once the user has just
    confirmed it is them; None when done and committed, else the page to show
    (the confirm step). A refusal answers 404, like a person not on the list."""
    if not EmptyForm().validate():
        abort(400)
    moment = now()
    asked = _confirm_it_is_you(person.child, moment)
    if asked is not None:
        return asked
    try:
        change(person, by=current_user, now=moment)
        db.session.commit()
    except Refusal:
        db.session.rollback()
        abort(404)
    return None


@bp.post("/pickup/<int:pickup_id>/new-code")
@login_required
def new_pickup_code(pickup_id: int):
    person = get_pickup_person(pickup_id)
    asked = _change_listed_person(person, childcare_pickup_list.new_pickup_code)
    return asked or _pickup_page(person.child, issued=person)


@bp.post("/pickup/<int:pickup_id>/remove")
@login_required
def remove_pickup(pickup_id: int):
    person = get_pickup_person(pickup_id)
    child, name = person.child, person.name
    asked = _change_listed_person(person, childcare_pickup_list.remove_pickup_person)
    if asked is not None:
        return asked
    flash(_("%(name)s has been taken off the pickup list.", name=name), "success")
    return redirect(url_for("programmes.pickup_list", person_id=child.id), 303)


@bp.post("/applications/<int:application_id>/withdraw")
@login_required
def withdraw_application(application_id: int):
    application = application_for(current_user, application_id)
    if not EmptyForm().validate():
        abort(400)
    try:
        childcare_applications.withdraw_application(application, by=current_user, now=now())
        db.session.commit()
    except Refusal as refusal:
        db.session.rollback()
        flash(str(refusal), "error")
        programme = get_programme(application.programme_id)
        return render_template(
            "programmes/detail.html", **_detail_context(programme)
        ), refusal.http_status
    flash(_("The application is withdrawn."), "success")
    return redirect(
        url_for("programmes.show_programme", programme_id=application.programme_id), 303
    )


# --- staff ---------------------------------------------------------------------


def _teacher_choices() -> list[SelectChoice]:
    teachers = db.session.scalars(
        select(User).where(User.role == Role.TEACHER, User.active.is_(True)).order_by(User.id)
    )
    return [SelectChoice("", "—")] + [SelectChoice(str(t.id), t.person.name) for t in teachers]


@bp.route("/staff/new", methods=["GET", "POST"])
@role_required("staff")
def new_programme():
    form = ProgrammeForm()
    form.teacher_id.choices = _teacher_choices()
    if form.is_submitted() and not form.validate():
        return render_template("programmes/staff_new.html", form=form), 422
    if not form.is_submitted():
        return render_template("programmes/staff_new.html", form=form)
    programme = programmes.create_programme(
        by=current_user,
        now=now(),
        title=form.title.data,
        title_en=form.title_en.data or None,
        description=form.description.data or "",
        kind=form.kind.data,
        room=form.room.data,
        teacher_id=form.teacher_id.data or None,
        first_day=form.first_day.data,
        last_day=form.last_day.data,
        weekdays=form.weekdays.data,
        closed_days=form.closed_dates(),
        slot_times=form.slot_times(),
        capacity=form.capacity.data,
        min_age=form.min_age.data,
        max_age=form.max_age.data,
        min_grade=form.min_grade.data,
        max_grade=form.max_grade.data,
        opens_at=from_local(form.opens_at.data) if form.opens_at.data else None,
        closes_at=from_local(form.closes_at.data) if form.closes_at.data else None,
        allocation=form.allocation.data,
        per_child_limit=form.per_child_limit.data,
        weekly_blocks=form.weekly_blocks.data,
        newcomer_share=form.newcomer_share.data or 0,
    )
    db.session.commit()
    flash(_("The programme is created with %(num)s slots.", num=len(programme.slots)), "success")
    return redirect(url_for("programmes.manage_programme", programme_id=programme.id), 303)


def _manage(programme: Programme, status: int = 200, **forms):
    moment = now()
    return render_template(
        "programmes/staff_manage.html",
        programme=programme,
        activity=programme.activity,
        days=childcare_calendar.calendar(programme, [], moment),
        opening=_opening(programme, moment),
        close_form=forms.get("close_form") or CloseDayForm(),
        draw_form=forms.get("draw_form") or DrawForm(),
        report=programme.draw_report,
        replay_ok=childcare_draw.replay_draw(programme) if programme.draw_report else None,
        commitment=childcare_draw.commitment(programme),
        grades=childcare_grades.grade_label(programme),
        slot_labels=childcare_grades.SLOT_LABELS,
    ), status


@bp.get("/staff/<int:programme_id>")
@role_required("staff")
def manage_programme(programme_id: int):
    return _manage(_seal_seed(get_programme(programme_id, published=False)))


@bp.post("/staff/<int:programme_id>/close-day")
@role_required("staff")
def close_day(programme_id: int):
    programme = get_programme(programme_id, published=False)
    form = CloseDayForm()
    if not form.validate():
        return _manage(programme, 422, close_form=form)
    closed = programmes.close_day(programme, form.day.data, by=current_user, now=now())
    db.session.commit()
    if closed:
        flash(_("That day is closed; families with bookings have been told."), "success")
    else:
        flash(_("There were no open slots on that day."), "info")
    return redirect(url_for("programmes.manage_programme", programme_id=programme.id), 303)


@bp.post("/staff/<int:programme_id>/draw")
@role_required("staff")
def run_draw(programme_id: int):
    programme = get_programme(programme_id, published=False)
    form = DrawForm()
    if not form.validate():
        return _manage(programme, 422, draw_form=form)
    try:
        childcare_draw.run_draw(programme, by=current_user, now=now())
        db.session.commit()
    except refusals.SeedJustPublished as refusal:
        db.session.commit()  # the commitment is public from now on; the draw is next
        flash(str(refusal), "info")
        return _manage(programme, refusal.http_status)
    except Refusal as refusal:
        db.session.rollback()
        flash(str(refusal), "error")
        return _manage(programme, refusal.http_status)
    flash(_("The draw is done. Every family has been told the result."), "success")
    return redirect(url_for("programmes.manage_programme", programme_id=programme.id), 303)
