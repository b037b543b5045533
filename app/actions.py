"""One way for a view to run an action and answer it.

A view that changes something does: load and authorise (app/loaders.py) → validate
the form → `attempt(...)` → `answer(...)`. `attempt` runs the one service call,
commits once when it succeeds and rolls back when a rule refuses; `answer` renders
the result the same way everywhere:

- htmx: the area's fragment, with the outcome's status (200, or the refusal's 4xx),
  so the page swaps in the message where the person is looking;
- without JavaScript: a refusal flashes its sentence and shows the page again with
  the refusal's status; a success flashes and redirects (303, so a reload does not
  post again).

    outcome = attempt(
        lambda: cancel_booking(booking, by=current_user, now=now()),
        _("The booking is cancelled."),
    )
    return answer(outcome, fragment=row_fragment, page=bookings_page, then=url)

Services never commit (app/services/__init__.py); this is where the request's one
commit happens for every action. A rule's refusal is expected, not an error: it is
answered here. Anything else propagates to app/errors.py, which rolls back.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from blinker import signal
from flask import flash, redirect

from app.extensions import db, htmx
from app.services.refusals import Refusal

# Sent with each refusal `attempt` answers; app/observability.py counts them by code.
refused = signal("zhaoxi.refused")


@dataclass(frozen=True)
class Outcome:
    """What became of an action: its message for people and the answer's status."""

    ok: bool
    message: str
    status: int
    result: Any = None
    refusal: Refusal | None = None

    @property
    def kind(self) -> str:
        """The flash category and message style: "success" or "error"."""
        return "success" if self.ok else "error"


def attempt(action: Callable[[], Any], done_message: str = "") -> Outcome:
    """Runs `action` (one service call) and commits; a refusal rolls back instead.
    `done_message` is shown on success; a refusal brings its own sentence."""
    try:
        result = action()
        db.session.commit()
    except Refusal as refusal:
        db.session.rollback()
        refused.send(refusal)
        return Outcome(False, str(refusal), refusal.http_status, refusal=refusal)
    return Outcome(True, str(done_message), 200, result=result)


def answer(
    outcome: Outcome,
    *,
    fragment: Callable[[Outcome], str],
    page: Callable[[Outcome], str],
    then: str | Callable[[Outcome], str],
):
    """The response to an action: `fragment(outcome)` for htmx; otherwise a flash
    and `page(outcome)` again after a refusal, or a redirect to `then` after success."""
    if htmx:
        return fragment(outcome), outcome.status
    flash(outcome.message, outcome.kind)
    if not outcome.ok:
        return page(outcome), outcome.status
    return redirect(then(outcome) if callable(then) else then, 303)
