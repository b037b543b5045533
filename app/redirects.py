"""Where a page may send someone back to: only a path on this site.

A `next=` field or a Referer header is written by whoever sent the request, so it
can name any site. Every redirect built from one goes through `safe_next`, which
answers a path of this site (optionally under a given prefix) or None.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import request


def safe_next(target: str | None, *, under: str = "/") -> str | None:
    """`target` as a path of this site starting with `under`, or None.

    Accepted: a path ("/kiosk/start?x=1") or a full address on this very host
    (a Referer is always one; its path and query are kept). Refused: other hosts,
    scheme-relative "//host", backslashes (browsers read "/\\host" as "//host"),
    control characters and spaces (browsers drop some, which can make "//")."""
    if not target or any(c.isspace() or ord(c) < 0x20 or ord(c) == 0x7F for c in target):
        return None
    if "\\" in target:
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc:
        if parts.scheme not in ("http", "https") or parts.netloc != request.host:
            return None
        target = parts.path + (f"?{parts.query}" if parts.query else "")
        if not target.startswith("/"):
            return None
        parts = urlsplit(target)
        if parts.scheme or parts.netloc:
            return None
    if not target.startswith(under) or target.startswith("//"):
        return None
    return target
