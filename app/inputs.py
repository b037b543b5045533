"""What people type, made comparable before any rule looks at it.

Phones, PINs and pickup codes are typed on phones with Chinese input methods,
which produce full-width digits (１２３４５６) as readily as ASCII ones. Every check
of such a value first folds it with NFKC and then accepts ASCII digits only, so a
PIN set at the desk can always be typed again on the kiosk keypad.
"""

from __future__ import annotations

import unicodedata


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
