"""The one entry for booking a class: a childcare programme's class is booked under the
programme's rules (childcare.submissions), every other class directly (booking.place);
and booking from a class's card, with the card that shows it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from app import database
from app.extensions import db
from app.models import (
    Booking,
    Person,
    Suspension,
    User,
)
from app.services.booking import eligibility
from app.services.booking.catalogue import (
    Card,
    card_for,
    card_with,
    members_with_bookings,
    with_new_booking,
)
from app.services.booking.place import Subjects, channel_for, holds_no_lock, place_booking
from app.services.booking.targets import (
    Target,
)
from app.services.booking.waitlist import give_up_own_dates
from app.services.childcare.submissions import book_day
from app.services.messaging.notices import tell_of_a_helpers_act


def book(
    person: Person,
    target: Target,
    *,
    by: User,
    channel: str,
    now: datetime,
    suspension: Suspension | None | object = eligibility.LOOK_UP,
) -> Booking:
    """Books `person` on `target`: confirmed when a seat is free, else waitlisted.
    `suspension`: the person's active suspension, when the caller loaded it.

    The one entry for every booking of a class (the class page, the kiosk, the
    desk). Someone booking for a linked person of another household (代办) tells
    that household (`notices.tell_of_a_helpers_act`). A childcare programme's class
    is booked under the programme's rules, exactly as on its own page
    (`programmes.book_day`): `target.activity.programme` is loaded with the activity
    on the busy path, so ordinary classes pay no query.

    Raises NotAllowed, Suspended, NotBookable, WindowNotOpen, WindowClosed, NotEligible
    (age, or a programme's grade, day limit or whole weeks), AlreadyBooked, Conflict
    or Full.
    """
    eligibility.check_actor(by, person)
    programme = target.activity.programme
    if programme is not None:
        booking = book_day(programme, person, target, by=by, channel=channel, now=now)
    else:
        booking = place_booking(
            person, target, by=by, channel=channel, now=now, suspension=suspension
        )
        give_up_own_dates(booking, now=now)  # the term now covers them
    tell_of_a_helpers_act(booking, by=by, now=now, cancelled=False)
    return booking


@dataclass(frozen=True)
class BookedOnCard:
    """A booking made from a class's card, and what is known of the card after it:
    `members`, the viewer's people as read before the booking (on a database server
    only), and `card` when it could be read inside the booking's transaction."""

    booking: Booking
    target: Target
    members: list[tuple[Person, Booking | None]] | None = None
    card: Card | None = None

    def card_after(self, viewer: User) -> Card:
        """The card once the booking is committed: the one read already, else built
        from `members`, else read now."""
        if self.card is not None:
            return self.card
        if self.members is None:
            return card_for(self.target, viewer)
        return card_with(self.target, with_new_booking(self.members, self.booking))


def book_on_card(subjects: Subjects, *, by: User, now: datetime, read_card: bool) -> BookedOnCard:
    """`book` from the class page: the subjects' person on their class or session.

    `read_card` (the page swaps in the card): on a database server, whose reads lock
    nothing, the viewer's people are read before the seat is claimed, and the card
    too when the booking holds no lock, so it needs no second transaction. On SQLite
    every read in the transaction holds the write lock: the card is read after the
    commit (`BookedOnCard.card_after`). Raises what `book` raises, and NotBookable
    when the session is not the class's."""
    target = Target.named(subjects.activity, subjects.session)
    members = None
    if read_card and not database.reads_hold_the_write_lock(db.engine):
        members = members_with_bookings(by, target)
    booking = book(
        subjects.person,
        target,
        by=by,
        channel=channel_for(by),
        now=now,
        suspension=subjects.suspension,
    )
    card = None
    if members is not None and holds_no_lock(booking, target):
        card = card_with(target, with_new_booking(members, booking))  # no second transaction
    return BookedOnCard(booking, target, members, card)
