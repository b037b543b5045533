"""What people type, made comparable before any rule looks at it.

Phones, PINs and pickup codes are typed on phones with Chinese input methods,
which produce full-width digits (１２３４５６) as readily as ASCII ones. Every check
of such a value first folds it with NFKC and then accepts ASCII digits only, so a
PIN set at the desk can always be typed again on the kiosk keypad.
"""

from __future__ import annotations

import unicodedata

from werkzeug.routing import IntegerConverter


def fold(raw: str | None) -> str:
    """NFKC-folded text without surrounding whitespace ('' for None)."""
    if not raw:
        return ""
    return unicodedata.normalize("NFKC", raw).strip()


def ascii_digits(raw: str | None) -> str | None:
    """The value as ASCII digits after folding, or None when it is anything else
    (letters, other scripts' digits that NFKC does not fold, empty)."""
    text = fold(raw)
    if text and text.isascii() and text.isdigit():
        return text
    return None


PIN_LENGTH = 6


def typed_pin(raw: str | None, length: int = PIN_LENGTH) -> str | None:
    """A PIN as typed (in any width) as the ASCII digits it is stored and compared
    as, or None when it is not exactly `length` digits: the one check every form
    and rule that takes a PIN uses."""
    digits = ascii_digits(raw)
    return digits if digits is not None and len(digits) == length else None


# Ids are INTEGER columns: 32 bits on PostgreSQL (SQLite would hold 64). A larger
# number names nothing, and must not reach a query, where PostgreSQL raises.
MAX_ID = 2**31 - 1


def parse_id(raw: str | int | None) -> int | None:
    """An id typed or sent as text (folded like any number), or None when it is not
    digits or lies outside 1..MAX_ID."""
    if isinstance(raw, int):
        number = raw
    else:
        digits = ascii_digits(raw)
        if digits is None or len(digits) > 19:
            return None
        number = int(digits)
    return number if 1 <= number <= MAX_ID else None


def has_nul(values) -> bool:
    """True when any key or value of a (multi)dict contains a NUL character, which
    no person types and PostgreSQL refuses in text."""
    return any("\x00" in key or "\x00" in value for key, value in values.items(multi=True))


def _digits_at_most(bound: int) -> str:
    """A regular expression matching exactly the numbers 1..bound written without
    leading zeros."""
    digits = str(bound)
    n = len(digits)
    shorter = [rf"[1-9][0-9]{{0,{n - 2}}}"] if n > 1 else []
    same_length = [digits]
    for i, d in enumerate(int(c) for c in digits):
        low = 1 if i == 0 else 0
        if d > low:
            rest = rf"[0-9]{{{n - i - 1}}}" if n - i - 1 else ""
            same_length.append(f"{digits[:i]}[{low}-{d - 1}]{rest}")
    return "(?:" + "|".join(shorter + same_length) + ")"


class IdConverter(IntegerConverter):
    """`<int:…>` in every URL: ASCII digits naming 1..MAX_ID, else no match (404),
    so an id too large for the database never reaches a query. The range is in the
    pattern itself: a number refused only after matching would answer 405 where
    another rule has the same path with other methods."""

    regex = _digits_at_most(MAX_ID)

    def __init__(self, map, fixed_digits=0, min=1, max=MAX_ID, signed=False):  # noqa: A002
        super().__init__(map, fixed_digits=fixed_digits, min=min, max=max, signed=signed)


MAX_PAGE = 10_000


def page_number(raw: str | None) -> int:
    """`?page=` of a list: 1..MAX_PAGE, and page 1 for anything else."""
    digits = ascii_digits(raw)
    if digits is None or len(digits) > 5:
        return 1
    return min(max(int(digits), 1), MAX_PAGE)


def week_number(raw: str | None, weeks: int) -> int:
    """`?week=` of a week-by-week list: 0..weeks-1 (0 is the seven days from today),
    and week 0 for anything else (an old link, letters, a huge number)."""
    digits = ascii_digits(raw)
    if digits is None or len(digits) > 3:
        return 0
    return min(int(digits), max(weeks - 1, 0))
