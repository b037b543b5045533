"""Satisfaction ratings: after a session, a participant (or whoever may act for
them, e.g. the guardian of a child) rates it with one of three faces — 好 / 一般 /
不好 — and may add a short remark. One rating per person per session, for sessions
the person came to (present or late) in the last RATING_DAYS days."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from app.database import add_if_new
from app.extensions import db
from app.models import (
    RATING_COMMENT_MAX,
    RATING_VALUES,
    Attendance,
    Person,
    Rating,
    Session,
    SessionStatus,
    User,
)
from app.models.people import acts_for_ids
from app.services.attendance.marking import PRESENT_STATUSES
from app.services.booking import eligibility
from app.services.refusals import AlreadyRated, BadRating, NotRateable, OutsideTime

# How long after a session it may be rated: memories fade, and a rating given weeks
# later says more about the day it is given than about the session.
RATING_DAYS = 7

# The three faces as people read them: on the rating buttons, on "My bookings" once
# given, and in the report's remarks and workbook.
RATING_LABELS = {"good": _l("Good"), "ok": _l("OK"), "bad": _l("Not good")}


def check_rateable(person: Person, session: Session, now: datetime) -> None:
    """Raises NotRateable unless the session took place and the person came to it
    (marked present or late), OutsideTime when it ended over RATING_DAYS days ago."""
    if session.status != SessionStatus.SCHEDULED or session.starts_at > now:
        raise NotRateable(_l("This session has not taken place, so it cannot be rated."))
    if now - session.ends_at > timedelta(days=RATING_DAYS):
        raise OutsideTime(
            _l("A session can be rated for %(days)s days after it.", days=RATING_DAYS)
        )
    came = db.session.scalar(
        select(Attendance.id).where(
            Attendance.session_id == session.id,
            Attendance.person_id == person.id,
            Attendance.status.in_(PRESENT_STATUSES),
        )
    )
    if came is None:
        raise NotRateable()


def clean_comment(comment: str | None) -> str | None:
    """The remark as stored: trimmed, None when empty. Raises BadRating when longer
    than RATING_COMMENT_MAX characters."""
    comment = (comment or "").strip()
    if len(comment) > RATING_COMMENT_MAX:
        raise BadRating(
            _l("Please keep the remark under %(count)s characters.", count=RATING_COMMENT_MAX)
        )
    return comment or None


def rate(
    person: Person,
    session: Session,
    value: str,
    comment: str | None = None,
    *,
    by: User,
    now: datetime,
) -> Rating:
    """Records `person`'s rating of `session`: `value` is "good", "ok" or "bad",
    `comment` an optional remark. `by` rates for themselves or for someone they may
    act for (their household, a confirmed 代办 link; staff for anyone).

    Raises NotAllowed (`by` may not act for the person), BadRating (no such face, or
    the remark is too long), NotRateable (the session did not take place, or the
    person did not come), OutsideTime (over RATING_DAYS days ago) or AlreadyRated.
    """
    eligibility.check_actor(by, person)
    if value not in RATING_VALUES:
        raise BadRating()
    comment = clean_comment(comment)
    check_rateable(person, session, now)
    rating = Rating(
        person_id=person.id,
        session_id=session.id,
        value=value,
        comment=comment,
        rated_by_id=by.id,
        created_at=now,
    )
    # The unique (person, session) pair decides, also between two taps at once.
    if not add_if_new(rating):
        raise AlreadyRated()
    return rating


@dataclass
class RatingLine:
    """A session a person came to in the last RATING_DAYS days, and their rating
    of it so far (None: not rated yet)."""

    person: Person
    session: Session
    rating: Rating | None


def rating_lines(people: list[Person], now: datetime) -> list[RatingLine]:
    """The sessions `people` came to (present or late) that may still be rated,
    newest first, with the rating each has (or None). The caller passes only people
    the user may act for (app/loaders.py `people_for`)."""
    if not people:
        return []
    by_id = {p.id: p for p in people}
    rows = db.session.execute(
        select(Attendance.person_id, Session, Rating)
        .join(Session, Session.id == Attendance.session_id)
        .outerjoin(
            Rating,
            (Rating.session_id == Attendance.session_id)
            & (Rating.person_id == Attendance.person_id),
        )
        .options(selectinload(Session.activity))
        .where(
            Attendance.person_id.in_(by_id),
            Attendance.status.in_(PRESENT_STATUSES),
            Session.status == SessionStatus.SCHEDULED,
            Session.starts_at <= now,
            Session.ends_at >= now - timedelta(days=RATING_DAYS),
        )
        .order_by(Session.starts_at.desc(), Attendance.person_id)
    )
    return [RatingLine(by_id[pid], session, rating) for pid, session, rating in rows]


def rating_lines_for(user: User, now: datetime) -> list[RatingLine]:
    """`rating_lines` of everyone `user` books for as a resident (their household and
    confirmed links, `acts_for_ids`): what "My bookings" asks about."""
    people = list(
        db.session.scalars(select(Person).where(Person.id.in_(acts_for_ids())), user.actor_params())
    )
    return rating_lines(people, now)


def next_to_rate(people: list[Person], now: datetime) -> RatingLine | None:
    """The most recent session one of `people` came to and nobody rated yet: what
    the kiosk asks about after login ("上次的课怎么样？"), or None."""
    return next((line for line in rating_lines(people, now) if line.rating is None), None)
