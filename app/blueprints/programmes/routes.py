"""Holiday childcare and the after-school club: the calendar, booking several
children onto several days, lottery applications, the pickup list; and the staff
pages that create programmes, close days and run the draw."""

from __future__ import annotations

from datetime import date, datetime

from flask import abort, flash, redirect, render_template, url_for
from flask_babel import format_date
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select
from wtforms.fields.choices import SelectChoice

from app import formatting
from app.auth import role_required
from app.blueprints.programmes import bp
from app.blueprints.programmes.forms import (
    BookDaysForm,
    CloseDayForm,
    DrawForm,
    EmptyForm,
    PickupPersonForm,
    ProgrammeForm,
)
from app.extensions import db, htmx
from app.models import (
    ActivityStatus,
    Allocation,
    LotteryApplication,
    Person,
    PickupPerson,
    Programme,
    Role,
    User,
)
from app.services import lottery, pickup, programmes
from app.services.auth import household_members
from app.services.booking import channel_for
from app.services.errors import BookingError
from app.timeutil import from_local, local_date, now

# --- template helpers ------------------------------------------------------------


@bp.app_template_global("when_day")
def when_day(day: date) -> str:
    """A calendar date (already local) in the reader's language."""
    return format_date(day, formatting._pattern("date"))


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


def get_own_child(person_id: int) -> Person:
    """A person of the current user's household (pickup codes are for the family only)."""
    person = db.get_or_404(Person, person_id)
    if person.household_id != current_user.household_id:
        abort(403)
    return person


def _opening(programme: Programme, moment) -> dict:
    """What the page says about the registration window right now."""
    activity = programme.activity
    before = activity.opens_at is not None and moment < activity.opens_at
    closed = lottery.applications_closed(programme, moment)
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
    children = programmes.eligible_children(members, programme, local_date(moment))
    applications = (
        lottery.household_applications(programme, current_user.household_id)
        if current_user.is_authenticated
        else []
    )
    return {
        "programme": programme,
        "activity": programme.activity,
        "days": programmes.calendar(programme, children, moment),
        "children": children,
        "form": form or BookDaysForm(),
        "opening": _opening(programme, moment),
        "grades": programmes.grade_label(programme),
        "applications": applications,
        "slot_labels": programmes.SLOT_LABELS,
        "empty_form": EmptyForm(),
    }


# --- parents -------------------------------------------------------------------


@bp.get("/")
def list_programmes():
    return render_template(
        "programmes/list.html", programmes=programmes.published_programmes(now())
    )


@bp.get("/<int:programme_id>")
def show_programme(programme_id: int):
    programme = get_programme(programme_id)
    return render_template("programmes/detail.html", **_detail_context(programme))


def _pairs(programme: Programme, form: BookDaysForm) -> list[tuple[Person, object]]:
    """The ticked (child, slot) pairs as objects; 404 for ids that do not exist."""
    pairs = form.pick.pairs
    slots = programmes.sessions_by_id(programme, {s for _, s in pairs})
    people = {
        p.id: p
        for p in db.session.scalars(select(Person).where(Person.id.in_({p for p, _ in pairs})))
    }
    result = []
    for person_id, session_id in dict.fromkeys(pairs):
        if person_id not in people or session_id not in slots:
            abort(404)
        result.append((people[person_id], slots[session_id]))
    return result


def _results(programme: Programme, outcomes, *, applying: bool):
    anything = any(o.status != "refused" for o in outcomes)
    status = 200 if anything else 409
    labels = {slot.session_id: programmes.SLOT_LABELS[slot.kind] for slot in programme.slots}
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
            outcomes = lottery.apply_days(
                programme, pairs, together=form.together.data, by=current_user, now=moment
            )
        else:
            outcomes = programmes.book_days(
                programme,
                pairs,
                together=form.together.data,
                by=current_user,
                channel=channel_for(current_user),
                now=moment,
            )
        db.session.commit()
    except BookingError as refusal:
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


@bp.get("/children/<int:person_id>/pickup")
@login_required
def pickup_list(person_id: int):
    return _pickup_page(get_own_child(person_id), PickupPersonForm())


def _pickup_page(child: Person, form: PickupPersonForm, status: int = 200):
    return render_template(
        "programmes/pickup.html",
        child=child,
        people=pickup.pickup_list(child),
        form=form,
        remove_form=EmptyForm(),
    ), status


@bp.post("/children/<int:person_id>/pickup")
@login_required
def add_pickup(person_id: int):
    child = get_own_child(person_id)
    form = PickupPersonForm()
    if not form.validate():
        return _pickup_page(child, form, 422)
    try:
        added = pickup.add_pickup_person(
            child,
            name=form.name.data,
            phone=form.phone.data,
            relation=form.relation.data,
            by=current_user,
            now=now(),
        )
        db.session.commit()
    except BookingError as refusal:
        db.session.rollback()
        abort(refusal.http_status)
    flash(
        _(
            "%(name)s can now collect %(child)s with code %(code)s.",
            name=added.name,
            child=child.name,
            code=added.code,
        ),
        "success",
    )
    return redirect(url_for("programmes.pickup_list", person_id=child.id), 303)


@bp.post("/pickup/<int:pickup_id>/remove")
@login_required
def remove_pickup(pickup_id: int):
    person = db.get_or_404(PickupPerson, pickup_id)
    child = get_own_child(person.child_id)
    if not EmptyForm().validate():
        abort(400)
    try:
        pickup.remove_pickup_person(person, by=current_user, now=now())
        db.session.commit()
    except BookingError as refusal:
        db.session.rollback()
        abort(refusal.http_status)
    flash(_("%(name)s has been taken off the pickup list.", name=person.name), "success")
    return redirect(url_for("programmes.pickup_list", person_id=child.id), 303)


@bp.post("/applications/<int:application_id>/withdraw")
@login_required
def withdraw_application(application_id: int):
    application = db.get_or_404(LotteryApplication, application_id)
    if not (current_user.is_staff or application.household_id == current_user.household_id):
        abort(403)
    if not EmptyForm().validate():
        abort(400)
    try:
        lottery.withdraw_application(application, by=current_user, now=now())
        db.session.commit()
    except BookingError as refusal:
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
        days=programmes.calendar(programme, [], moment),
        opening=_opening(programme, moment),
        close_form=forms.get("close_form") or CloseDayForm(),
        draw_form=forms.get("draw_form") or DrawForm(),
        report=programme.draw_report,
        replay_ok=lottery.replay_draw(programme) if programme.draw_report else None,
        grades=programmes.grade_label(programme),
        slot_labels=programmes.SLOT_LABELS,
    ), status


@bp.get("/staff/<int:programme_id>")
@role_required("staff")
def manage_programme(programme_id: int):
    return _manage(get_programme(programme_id, published=False))


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
        lottery.run_draw(programme, by=current_user, now=now(), seed=form.seed.data or None)
        db.session.commit()
    except BookingError as refusal:
        db.session.rollback()
        flash(str(refusal), "error")
        return _manage(programme, refusal.http_status)
    flash(_("The draw is done. Every family has been told the result."), "success")
    return redirect(url_for("programmes.manage_programme", programme_id=programme.id), 303)
