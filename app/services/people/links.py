"""Links for 代办: a helper who may act for a person outside their household."""

from __future__ import annotations

from datetime import datetime
from functools import cache

from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, bindparam, select, update

from app.database import add_if_new
from app.extensions import db
from app.models import HouseholdLink, LinkStatus, Person, User
from app.models.people import acts_for_ids
from app.services import audit
from app.services.people.login import authenticate
from app.services.refusals import LinkRefused


@cache
def acts_for_query() -> Select:
    """SELECT of everyone a user books for (`acts_for_ids`: their household, then
    linked people), with the parameters of `User.actor_params()`; built once."""
    own = Person.household_id == bindparam("actor_household_id")
    return select(Person).where(Person.id.in_(acts_for_ids())).order_by(~own, Person.id)


def request_link(helper: User, person: Person, *, by: User, now: datetime) -> HouseholdLink:
    """Asks for `helper` to act for `person`; nothing is granted until `person`
    confirms with their PIN. Raises LinkRefused."""
    if person.household_id == helper.household_id:
        raise LinkRefused(_l("%(name)s is in the same household already.", name=person.name))
    if person.user is None or not person.user.uses_pin:
        raise LinkRefused(
            _l(
                "%(name)s needs their own PIN to agree. Please set one at the front desk first.",
                name=person.name,
            )
        )
    link = HouseholdLink(
        user_id=helper.id,
        person_id=person.id,
        status=LinkStatus.PENDING,
        requested_by_id=by.id,
        created_at=now,
    )
    # The partial unique index refuses a second open link.
    if not add_if_new(link):
        raise LinkRefused(
            _l("%(name)s is already linked, or a request is waiting.", name=person.name)
        )
    audit.record(
        by,
        "link.request",
        link,
        now,
        after={"helper": helper.person.name, "person": person.name, "status": link.status},
    )
    return link


def confirm_link(
    link: HouseholdLink,
    pin: str,
    *,
    by: User,
    now: datetime,
    settings,
    address: str | None = None,
) -> None:
    """The linked person agrees by typing their PIN (wrong tries count like failed
    logins). Raises LoginRefused, LoginLocked or LinkRefused."""
    if link.status != LinkStatus.PENDING:
        raise LinkRefused(_l("This request is no longer waiting for an answer."))
    person_user = link.person.user
    if person_user is None:
        raise LinkRefused(_l("This person has no PIN yet."))
    authenticate(person_user.phone, pin, now=now, settings=settings, address=address)
    changed = db.session.execute(
        update(HouseholdLink)
        .where(HouseholdLink.id == link.id, HouseholdLink.status == LinkStatus.PENDING)
        .values(status=LinkStatus.CONFIRMED, confirmed_at=now)
        .execution_options(synchronize_session=False)
    ).rowcount
    db.session.expire(link)
    if changed != 1:
        raise LinkRefused(_l("This request is no longer waiting for an answer."))
    audit.record(
        by,
        "link.confirm",
        link,
        now,
        before={"status": LinkStatus.PENDING},
        after={"status": LinkStatus.CONFIRMED, "person": link.person.name},
    )


def revoke_link(link: HouseholdLink, *, by: User, now: datetime) -> None:
    """Ends a link (or withdraws a request)."""
    if link.status == LinkStatus.REVOKED:
        return
    before = link.status
    link.status, link.revoked_at = LinkStatus.REVOKED, now
    db.session.flush()
    audit.record(
        by, "link.revoke", link, now, before={"status": before}, after={"status": link.status}
    )


def links_of_person(person: Person) -> list[HouseholdLink]:
    """Open links where `person` is the one helped, or the helper."""
    query = select(HouseholdLink).where(HouseholdLink.status != LinkStatus.REVOKED)
    helper_ids = [person.user.id] if person.user is not None else []
    return list(
        db.session.scalars(
            query.where(
                (HouseholdLink.person_id == person.id) | HouseholdLink.user_id.in_(helper_ids)
            ).order_by(HouseholdLink.created_at)
        )
    )
