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

The few variations, each for a reason:

- the success's sentence may depend on what the action returned (how many, whom):
  pass a function of the result; it may return a `Done` for a tone other than
  "success" or further sentences;
- `attempt(..., keep_refused=True)` commits a refused try too, where the try is the
  record (a wrong PIN counted like a failed login, a wrong pickup code logged);
- `answer(..., page=None)`: the form sits on a page a redirect shows again, so a
  refusal flashes and redirects like a success; `fragment=None`: htmx does not
  enhance the form, so an htmx request is answered like any other;
- a form with errors is turned down before any action: `answer_invalid` shows the
  page again (422) with each error beside its field, or the fragment for htmx;
  `refused(message)` is such an outcome for `answer`, where the form has no field to
  show its error beside.

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
refusal_signal = signal("zhaoxi.refused")


@dataclass(frozen=True)
class Done:
    """What a success says when one plain sentence is not all: its flash category
    (`kind`, "info" for a success that is not quite what was asked, such as a place
    on the waiting list instead of a seat) and `notes`, further sentences flashed
    after it as "info" (such as how many people a change gave a place)."""

    message: str
    kind: str = "success"
    notes: tuple[str, ...] = ()


@dataclass(frozen=True)
class Outcome:
    """What became of an action: its message for people and the answer's status."""

    ok: bool
    message: str
    status: int
    result: Any = None
    refusal: Refusal | None = None
    tone: str = ""  # the flash category when not the usual one (see `kind`)
    notes: tuple[str, ...] = ()

    @property
    def kind(self) -> str:
        """The flash category and message style: "success" or "error", unless the
        success said otherwise (`Done.kind`)."""
        return self.tone or ("success" if self.ok else "error")


def attempt(
    action: Callable[[], Any],
    done_message: str | Done | Callable[[Any], str | Done] = "",
    *,
    keep_refused: bool = False,
) -> Outcome:
    """Runs `action` (one service call) and commits; a refusal rolls back instead,
    or is committed too with `keep_refused` (the refused try is the record).
    `done_message` is shown on success, or is a function of the action's result
    that returns it; a refusal brings its own sentence."""
    try:
        result = action()
        db.session.commit()
    except Refusal as refusal:
        if keep_refused:
            db.session.commit()
        else:
            db.session.rollback()
        refusal_signal.send(refusal)
        return Outcome(False, str(refusal), refusal.http_status, refusal=refusal)
    said = done_message(result) if callable(done_message) else done_message
    if isinstance(said, Done):
        notes = tuple(str(note) for note in said.notes)
        return Outcome(True, str(said.message), 200, result=result, tone=said.kind, notes=notes)
    return Outcome(True, str(said), 200, result=result)


def refused(message: str, status: int = 422) -> Outcome:
    """The outcome of a request turned down before any action ran (a form with
    errors), to be answered like a refusal."""
    return Outcome(False, str(message), status)


def answer(
    outcome: Outcome,
    *,
    fragment: Callable[[Outcome], str] | None,
    page: Callable[[Outcome], str] | None,
    then: str | Callable[[Outcome], str],
):
    """The response to an action: `fragment(outcome)` for htmx; otherwise a flash
    (and the success's notes) and `page(outcome)` again after a refusal, or a
    redirect to `then` after success. Without a `page`, a refusal redirects to
    `then` too; without a `fragment`, htmx is answered like any other request."""
    if htmx and fragment is not None:
        return fragment(outcome), outcome.status
    if outcome.message:  # an action with nothing to say flashes nothing
        flash(outcome.message, outcome.kind)
    for note in outcome.notes:
        flash(note, "info")
    if not outcome.ok and page is not None:
        return page(outcome), outcome.status
    return redirect(then(outcome) if callable(then) else then, 303)


def answer_invalid(
    message: str, *, fragment: Callable[[Outcome], str], page: Callable[[Outcome], str]
):
    """The response to a form with errors, before any action: `fragment` of a 422
    outcome saying `message` for htmx; otherwise the page again (422), each error
    beside its field and nothing flashed (the fields say it)."""
    outcome = refused(message)
    if htmx:
        return fragment(outcome), outcome.status
    return page(outcome), outcome.status
