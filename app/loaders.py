"""One loader per object a URL or a form names by id: it loads the object and checks
that the acting user may act on it, in one query (flaskr's `get_post(id,
check_author=True)`).

An id of another household answers exactly like an id that does not exist: 404,
with nothing about its person read, so no name, grade, birth date or booking can
reach the answer, and the two cannot be told apart. "May act on" is
`User.may_act_for` (its SQL twin `acts_for_clause`): the household, confirmed
links (代办), staff for everyone. The kiosk, a shared screen, acts for its
household only (`household_only`), staff included. Objects every visitor may
see (a published programme, a class) are loaded here too, so a view never builds
its own query for what its URL names.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from functools import cache
from typing import TypeVar

from flask import abort
from sqlalchemy import Select, bindparam, select
from sqlalchemy.orm import joinedload

from app.extensions import db
from app.inputs import parse_id
from app.models import (
    Activity,
    ActivityStatus,
    Booking,
    LotteryApplication,
    Person,
    PickupPerson,
    Programme,
    ProgrammeSlot,
    Session,
    SessionHelper,
    User,
)
from app.models.people import acts_for_clause
from app.services.attendance import roster as attendance_roster
from app.services.booking.place import Subjects, load_subjects
from app.services.booking.targets import Target
from app.services.childcare import door as childcare_door
from app.services.childcare import pickup_list
from app.services.childcare.programmes import programme_of
from app.services.people.guardians import is_guardian
from app.timeutil import local_date

M = TypeVar("M")


def _id_or_404(object_id) -> int:
    """The id, if an id column can hold it (`app.inputs.parse_id`: 1..MAX_ID);
    anything else names nothing and answers like a missing id, before any query
    (PostgreSQL would refuse a number its INTEGER cannot hold)."""
    number = parse_id(object_id)
    if number is None:
        abort(404)
    return number


def _scope(user: User, household_only: bool) -> tuple[bool, bool]:
    return (user.is_staff and not household_only, household_only)


def _one_or_404(query: Select, user: User, object_id):
    """The row `query` finds for `object_id` with the user's acting parameters, or
    404 (for an id that names nothing and one that is not the user's alike)."""
    row = db.session.scalar(query, {"object_id": _id_or_404(object_id), **user.actor_params()})
    if row is None:
        abort(404)
    return row


@cache
def _person_query(staff: bool, household_only: bool) -> Select:
    return select(Person).where(
        Person.id == bindparam("object_id"), acts_for_clause(staff, household_only=household_only)
    )


def person_for(user: User, person_id: int, *, household_only: bool = False) -> Person:
    """The person, if `user` may act for them; otherwise 404."""
    return _one_or_404(_person_query(*_scope(user, household_only)), user, person_id)


def people_for(user: User, person_ids: Iterable[int]) -> dict[int, Person]:
    """Every named person by id, if `user` may act for each of them; otherwise 404
    for the whole set (one foreign id refuses everything, and nothing is written)."""
    wanted = {_id_or_404(i) for i in person_ids}
    if not wanted:
        return {}
    query = _people_query(*_scope(user, False))
    params = {"ids": sorted(wanted), **user.actor_params()}
    people = {p.id: p for p in db.session.scalars(query, params)}
    if set(people) != wanted:
        abort(404)
    return people


@cache
def _people_query(staff: bool, household_only: bool) -> Select:
    return select(Person).where(
        Person.id.in_(bindparam("ids", expanding=True)),
        acts_for_clause(staff, household_only=household_only),
    )


@cache
def _booking_query(staff: bool, household_only: bool) -> Select:
    return (
        select(Booking)
        .join(Person, Person.id == Booking.person_id)
        .where(
            Booking.id == bindparam("object_id"),
            acts_for_clause(staff, household_only=household_only),
        )
    )


def booking_for(user: User, booking_id: int, *, household_only: bool = False) -> Booking:
    """The booking, if `user` may act for its person; otherwise 404."""
    return _one_or_404(_booking_query(*_scope(user, household_only)), user, booking_id)


@cache
def _application_query(staff: bool) -> Select:
    return (
        select(LotteryApplication)
        .join(Person, Person.id == LotteryApplication.person_id)
        .where(LotteryApplication.id == bindparam("object_id"), acts_for_clause(staff))
    )


def application_for(user: User, application_id: int) -> LotteryApplication:
    """The lottery application, if `user` may act for its child; otherwise 404."""
    return _one_or_404(_application_query(user.is_staff), user, application_id)


def target_for(key: str) -> Target:
    """The booking target a desk form names (`staff.forms.target_choices`): "s<id>"
    one session, "a<id>" a whole term. 422 for a key of another shape, 404 for an id
    that names nothing, or a class booked per session named as a whole term. For the
    desk only: staff may book any class."""
    kind, number = key[:1], parse_id(key[1:])
    if number is None or kind not in ("s", "a"):
        abort(422)
    if kind == "s":
        session = db.get_or_404(Session, number)
        return Target.of(session.activity, session)
    activity = db.get_or_404(Activity, number)
    if not activity.is_series:
        abort(404)
    return Target.of(activity, None)


# --- a session's roll: the teacher's roster and the door -------------------------------
# A teacher may learn that a class's session exists (the class list is public), so a
# session of another teacher answers 403; the people on a roll answer 404 alike for
# "not on it" and "no such id", so the roll tells nobody which ids exist.


def roster_session_for(user: User, session_id: int, *, childcare: bool = False) -> Session:
    """The session, if `user` may take its roll (staff, or the teacher of its class):
    404 for none, 403 for another teacher's. `childcare`: a programme's slot only
    (the door); any other session answers 404 like a missing one."""
    session = db.session.get(Session, _id_or_404(session_id))
    if session is None or (childcare and programme_of(session) is None):
        abort(404)
    if not attendance_roster.may_take_roster(user, session):
        abort(403)
    return session


def roster_person_for(session: Session, person_id: int) -> Person:
    """The person on the session's roll (booked or a walk-in); anyone else, another
    household's person or an id no row has, 404, before any form is read."""
    for line in attendance_roster.roster(session):
        if line.person.id == person_id:
            return line.person
    abort(404)


def door_children_for(session: Session, person_ids: Iterable[int]) -> list[Person]:
    """The children a door form names, if every one is booked on this slot; otherwise
    404 for the whole set before anything is read or written: another household's
    child, a staff member or a missing id all answer alike, with no name."""
    children = childcare_door.roster_children(session, person_ids)
    if children is None:
        abort(404)
    return children


def helper_for(session: Session, helper_id: int) -> SessionHelper:
    """The helper entry of this session (whose roll the user may take); 404 otherwise."""
    entry = db.session.get(SessionHelper, _id_or_404(helper_id))
    if entry is None or entry.session_id != session.id:
        abort(404)
    return entry


def booking_subjects_for(
    user: User, activity_id: int, session_id: int | None, person_id: int, now: datetime
) -> Subjects:
    """What a booking form names (a published class, its session if named, a person
    `user` may act for, with any suspension in force), in one query; otherwise 404."""
    subjects = load_subjects(activity_id, session_id, person_id, now, by=user)
    if subjects is None or subjects.activity.status != ActivityStatus.PUBLISHED:
        abort(404)
    return subjects


def published_activity(activity_id: int) -> Activity:
    """A class anyone may see: 404 when missing or not published."""
    activity = db.session.get(Activity, _id_or_404(activity_id))
    if activity is None or activity.status != ActivityStatus.PUBLISHED:
        abort(404)
    return activity


def class_and_session(activity_id: int, session_id: int | None) -> tuple[Activity, Session | None]:
    """The class a kiosk booking names, with its programme (booking reads it), and
    the session when one is named; 404 when either does not exist. Whether the class
    may be booked is the booking's rule to say."""
    activity = db.session.get(
        Activity, _id_or_404(activity_id), options=[joinedload(Activity.programme)]
    )
    if activity is None:
        abort(404)
    return activity, row_or_404(Session, session_id) if session_id else None


def row_or_404(model: type[M], object_id: int) -> M:
    """A row by id, 404 when missing, for objects whose access the route's role
    decides (staff pages) or the action itself checks (a session to take leave from)."""
    row = db.session.get(model, _id_or_404(object_id))
    if row is None:
        abort(404)
    return row


@cache
def _programme_query(with_slots: bool) -> Select:
    # With its activity: the families' pages and the booking all read it; and with
    # its slots and their sessions, for the pages that show or book them.
    query = select(Programme).options(joinedload(Programme.activity))
    if with_slots:
        query = query.options(joinedload(Programme.slots).joinedload(ProgrammeSlot.session))
    return query.where(Programme.id == bindparam("object_id"))


def programme_or_404(
    programme_id: int, *, published: bool = True, with_slots: bool = False
) -> Programme:
    """The programme; 404 when missing, or (`published`, the families' pages) when
    its activity is not published. `with_slots`: its slots and their sessions are
    read in the same statement (the calendar and a submission need them all)."""
    params = {"object_id": _id_or_404(programme_id)}
    result = db.session.execute(_programme_query(with_slots), params)
    programme = result.unique().scalar_one_or_none()
    if programme is None or (published and programme.activity.status != ActivityStatus.PUBLISHED):
        abort(404)
    return programme


def pickup_child_for(user: User, person_id: int, now: datetime) -> Person:
    """A child whose pickup list `user` may see and change; 404 for anyone else's id
    exactly as for a missing one (another household, staff, an adult's id)."""
    person = db.session.get(Person, _id_or_404(person_id))
    if person is None or not pickup_list.may_manage_pickup(user, person, now):
        abort(404)
    return person


def consent_child_for(user: User, person_id: int, now: datetime) -> Person:
    """A child under 14 of whom `user` is a guardian (`people.guardians.is_guardian`),
    who gives or withdraws consent online; 404 for anyone else's id exactly as for a
    missing one (another household, a linked helper, an older child)."""
    person = db.session.get(Person, _id_or_404(person_id))
    day = local_date(now)
    if (
        person is None
        or not person.needs_guardian_consent_on(day)
        or not is_guardian(user, person, day)
    ):
        abort(404)
    return person


def pickup_person_for(user: User, pickup_id: int, now: datetime) -> PickupPerson:
    """A listed person on a pickup list `user` may change; otherwise 404 (a one-day
    authorisation whose day has passed is on no list: the job deletes it)."""
    person = db.session.get(PickupPerson, _id_or_404(pickup_id))
    if person is None:
        abort(404)
    child = pickup_child_for(user, person.child_id, now)
    if person not in pickup_list.pickup_list(child, now):
        abort(404)
    return person
