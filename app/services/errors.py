"""Refusals, each with a sentence a grandmother understands (translated lazily)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l


class BookingError(Exception):
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


class NotAllowed(BookingError):
    code = "not_allowed"
    http_status = 403

    @staticmethod
    def default_message():
        return _l("You can only do this for people in your own household.")


class NotEligible(BookingError):
    code = "not_eligible"


class WindowNotOpen(BookingError):
    code = "window_not_open"


class WindowClosed(BookingError):
    code = "window_closed"

    @staticmethod
    def default_message():
        return _l("Booking for this class has closed. Please ask at the front desk.")


class AlreadyBooked(BookingError):
    code = "already_booked"

    @staticmethod
    def default_message():
        return _l("This person is already booked or on the waiting list for this.")


class Conflict(BookingError):
    code = "conflict"


class Full(BookingError):
    code = "full"

    @staticmethod
    def default_message():
        return _l("Sorry, this class is full and has no waiting list.")


class NotBookable(BookingError):
    code = "not_bookable"

    @staticmethod
    def default_message():
        return _l("This class cannot be booked any more.")


class NotCancellable(BookingError):
    code = "not_cancellable"

    @staticmethod
    def default_message():
        return _l("This booking has already been cancelled.")


class Suspended(BookingError):
    """Online booking is paused after repeated no-shows."""

    code = "suspended"


class NotOnRoster(BookingError):
    code = "not_on_roster"
    http_status = 404

    @staticmethod
    def default_message():
        return _l("This person is not on the list for this session.")


class OutsideTime(BookingError):
    """Too early or too late for what was asked (check-in, leave, correction)."""

    code = "outside_time"
