"""Every refusal a rule can give, in one place.

A service that says no raises one of these; its `message` is a sentence a
grandmother understands (translated lazily), `code` is for programs and
`http_status` is the status the web layer answers with."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l


class Refusal(Exception):
    """A rule said no. `message` is shown to the person; `code` is for programs."""

    code = "refused"
    http_status = 409

    def __init__(self, message=None):
        self.message = message if message is not None else self.default_message()
        super().__init__(str(self.code))

    @staticmethod
    def default_message():
        return _l("Sorry, this could not be done.")

    def __str__(self) -> str:
        return str(self.message)


class NotAllowed(Refusal):
    code = "not_allowed"
    http_status = 403

    @staticmethod
    def default_message():
        return _l("You can only do this for people in your own household.")


class NotEligible(Refusal):
    code = "not_eligible"


class WindowNotOpen(Refusal):
    code = "window_not_open"


class WindowClosed(Refusal):
    code = "window_closed"

    @staticmethod
    def default_message():
        return _l("Booking for this class has closed. Please ask at the front desk.")


class AlreadyBooked(Refusal):
    code = "already_booked"

    @staticmethod
    def default_message():
        return _l("This person is already booked or on the waiting list for this.")


class Conflict(Refusal):
    code = "conflict"


class Full(Refusal):
    code = "full"

    @staticmethod
    def default_message():
        return _l("Sorry, this class is full and has no waiting list.")


class SeatGone(Refusal):
    """我又能来了 after 请假: the seat given up has gone to someone else meanwhile."""

    code = "seat_gone"

    @staticmethod
    def default_message():
        return _l(
            "Sorry, your seat has already gone to someone else, so the leave stays. "
            "The front desk can tell you if another seat comes free."
        )


class NotBookable(Refusal):
    code = "not_bookable"

    @staticmethod
    def default_message():
        return _l("This class cannot be booked any more.")


class NotCancellable(Refusal):
    code = "not_cancellable"

    @staticmethod
    def default_message():
        return _l("This booking has already been cancelled.")


class Suspended(Refusal):
    """Online booking is paused after repeated no-shows."""

    code = "suspended"


class NotOnRoster(Refusal):
    code = "not_on_roster"
    http_status = 404

    @staticmethod
    def default_message():
        return _l("This person is not on the list for this session.")


class OutsideTime(Refusal):
    """Too early or too late for what was asked (check-in, leave, correction)."""

    code = "outside_time"


class OfferGone(Refusal):
    code = "offer_gone"

    @staticmethod
    def default_message():
        return _l("This place is no longer on offer.")


class ReasonRequired(Refusal):
    code = "reason_required"
    http_status = 422

    @staticmethod
    def default_message():
        return _l("Please write down why, for the record.")


class NotWaitlisted(Refusal):
    code = "not_waitlisted"

    @staticmethod
    def default_message():
        return _l("This person is no longer on the waiting list.")


# --- staff editing activities and sessions -----------------------------------


class CapacityTooLow(Refusal):
    code = "capacity_too_low"


class ScheduleRefused(Refusal):
    code = "schedule_refused"
    http_status = 422


class AlreadyHandled(Refusal):
    code = "already_handled"

    @staticmethod
    def default_message():
        return _l("Someone has already helped here.")


class LinkRefused(Refusal):
    code = "link_refused"


class LoginRefused(Refusal):
    code = "login_refused"
    http_status = 401

    @staticmethod
    def default_message():
        return _l("The phone number or PIN is not right. Please try again.")


class LoginLocked(LoginRefused):
    code = "login_locked"
    http_status = 429


class DeskRefused(Refusal):
    code = "desk_refused"
    http_status = 422


class AlreadyApplied(Refusal):
    code = "already_applied"

    @staticmethod
    def default_message():
        return _l("This child has already applied for this day.")


class DrawNotAllowed(Refusal):
    code = "draw_not_allowed"


class SeedJustPublished(DrawNotAllowed):
    """The draw found no published commitment, so it fixed the seed instead of
    drawing. The caller commits (the commitment is public from then on) and staff
    draw again."""

    code = "seed_just_published"

    @staticmethod
    def default_message():
        return _l(
            "The lottery's seed has just been fixed and its fingerprint (SHA-256) published "
            "on the programme page. Please run the draw again to draw with it."
        )


class LimitReached(NotEligible):
    code = "limit_reached"


class WholeWeekNeeded(NotEligible):
    code = "whole_week"


class NotBookedHere(Refusal):
    code = "not_booked"
    http_status = 409

    @staticmethod
    def default_message():
        return _l("This child is not booked for this session.")


class AlreadyListed(Refusal):
    """The same person (same phone, same day or every day) is on the list already:
    a second add, e.g. the code page refreshed, would give them a second code."""

    code = "already_listed"
    http_status = 409

    @staticmethod
    def default_message():
        return _l("This person is already on the list. If the code is lost, give a new code.")


class AlreadyCheckedIn(Refusal):
    code = "already_in"

    @staticmethod
    def default_message():
        return _l("This child is already checked in.")


class BadPickupDay(Refusal):
    """A one-day pickup authorisation for a day outside the allowed span; the
    message names the span (see childcare.pickup_list.check_day)."""

    code = "bad_pickup_day"
    http_status = 422


# --- satisfaction ratings ----------------------------------------------------


class NotRateable(Refusal):
    """Only someone who came to a session (present or late) rates it, and only a
    session that took place; the message says which."""

    code = "not_rateable"

    @staticmethod
    def default_message():
        return _l("Only people who came to this session can rate it.")


class AlreadyRated(Refusal):
    code = "already_rated"

    @staticmethod
    def default_message():
        return _l("This session has already been rated for this person. Thank you!")


class BadRating(Refusal):
    """The rating is not one of the three faces, or the remark is too long."""

    code = "bad_rating"
    http_status = 422

    @staticmethod
    def default_message():
        return _l("Please choose one of the three faces.")


# --- reports -----------------------------------------------------------------


class BadPeriod(Refusal):
    """A report period that cannot be: ends before it begins, or is too long."""

    code = "bad_period"
    http_status = 422

    @staticmethod
    def default_message():
        return _l("Please choose a period whose last day is not before its first day.")


class NotFailed(Refusal):
    """Only a message that failed can be sent again (it was sent, or is already
    queued again)."""

    code = "not_failed"

    @staticmethod
    def default_message():
        return _l("This message is not waiting to be sent again any more.")


# --- privacy -------------------------------------------------------------------


class PrivacyRefused(Refusal):
    """A privacy act that cannot be done now: a hold without its reason, a person
    already anonymised, a deletion request no longer waiting, or a household with a
    member on hold."""

    code = "privacy_refused"


# --- children's privacy --------------------------------------------------------


class NoConsent(Refusal):
    """A child under 14 without a guardian's consent to booking records, or care
    notes without consent to keep them."""

    code = "no_consent"
    http_status = 409

    @staticmethod
    def default_message():
        return _l(
            "A parent or guardian has not yet agreed to keeping this child's booking "
            "records. They can agree on the “My family” page or at the front desk."
        )
