"""Field checks for phone numbers and PINs, shared by the login, kiosk and desk
forms. Each folds what was typed (NFKC: full-width digits become ASCII) and keeps
the folded value, so a PIN typed on a Chinese phone keyboard is stored and
compared as the digits the kiosk keypad types; anything that is not then ASCII
digits is refused with the field's message."""

from __future__ import annotations

from wtforms.validators import ValidationError

from app.inputs import PIN_LENGTH, ascii_digits, fold, typed_pin


class Pin:
    """Exactly `length` digits; the field keeps the ASCII digits."""

    def __init__(self, message, length: int = PIN_LENGTH):
        self.message, self.length = message, length

    def __call__(self, form, field):
        pin = typed_pin(field.data, self.length)
        if pin is None:
            raise ValidationError(self.message)
        field.data = pin


class PhoneNumber:
    """A phone number (spaces, dashes, brackets and a leading + allowed) whose
    digits are ASCII after folding, at most 15 of them (E.164); the field keeps
    the folded text."""

    def __init__(self, message, min_digits: int = 5, max_digits: int = 15):
        self.message, self.min, self.max = message, min_digits, max_digits

    def __call__(self, form, field):
        text = fold(field.data)
        digits = "".join(c for c in text if c not in " -()+")
        if not (text.isascii() and digits.isdigit() and self.min <= len(digits) <= self.max):
            raise ValidationError(self.message)
        field.data = text


class DigitsAreAscii:
    """For a field that takes a PIN or a password: a secret made only of digits
    must be ASCII digits after folding (a PIN can never be anything else)."""

    def __init__(self, message):
        self.message = message

    def __call__(self, form, field):
        text = fold(field.data)
        if text.isdigit() and ascii_digits(text) is None:
            raise ValidationError(self.message)
