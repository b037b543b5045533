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

The variations, each an option here rather than a view's own try/except:

- what a success says may depend on what was done: `done_message` may be a function
  of the action's result; it returns the sentence, or a `Done` when the success is
  news rather than a plain success ("info": on the waiting list instead of a seat)
  or has further sentences (how many people a change gave a place);
- a refusal that is news, not an error ("someone else helped here meanwhile"):
  `outcome.told_as("info")`;
- a refusal whose writes must stand (`keep=`): a wrong PIN or password counts toward
  the login lock although the login is refused, a refused try at the door stays in
  its log, and a draw that found no published seed has just fixed and published one.
  These are the only actions that commit when refused; naming the refusal classes
  at the call keeps that visible;
- a form on a page a redirect shows again (a list whose rows show the state):
  `page=None`, and a refusal flashes and redirects to `then` like a success;
- an answer that must be seen once, in the response itself (the day-by-day results,
  a new pickup code, a slip to print): `shown=`, instead of a flash and a redirect;
- a form htmx never posts: `fragment=None`, and htmx is answered like any request;
- a page that shows a refusal in place, beside what it is about (the kiosk's list of
  today, the door's roll): `in_place=True`, and the refusal is not flashed at the top
  as well — `page(outcome)` shows `outcome.message` itself; with `page=None` too
  (the kiosk: every POST redirects, so Back never meets a resubmission prompt),
  the message, success or refusal, is kept for the page the redirect shows, which
  takes it with `message_in_place()` and shows it beside what it is about;
- an act that cannot be taken back (请假, cancelling a term or a seat someone waits
  for) posted without its confirmation: `confirm_first(url)` answers with the
  confirmation step, a page of its own, instead of doing it;
- a request turned down before any action (a form with errors): `answer_invalid`
  shows the page again (422) with each error beside its field, or the fragment for
  htmx; `refused(message)` is such an outcome for `answer`, where the form has no
  field to show its error beside.

Services never commit (app/services/__init__.py); this is where the request's one
commit happens for every action. A rule's refusal is expected, not an error: it is
answered here. Anything else propagates to app/errors.py, which rolls back.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any

from blinker import signal
from flask import flash, get_flashed_messages, redirect

from app.extensions import db, htmx
from app.services.refusals import Refusal

# The flash category prefix of a message kept for the page's own place (`answer`
# with `in_place=True, page=None`); templates/_flashes.html leaves these out.
IN_PLACE = "in-place:"

# Sent with each refusal `attempt` answers; app/observability.py counts them by code.
refusal_signal = signal("zhaoxi.refused")


@dataclass(frozen=True)
class Done:
    """What a success says when one plain sentence is not all: its style (`kind`,
    "info" for a success that is not quite what was asked) and `notes`, further
    sentences flashed after it as "info"."""

    message: str
    kind: str = "success"
    notes: tuple[str, ...] = ()


@dataclass(frozen=True)
class Outcome:
    """What became of an action: its message for people and the answer's status.
    `kind` is the flash category and message style: "success" or "error" unless
    the success said otherwise (`Done`) or the view tells it (`told_as`)."""

    ok: bool
    message: str
    status: int
    result: Any = None
    refusal: Refusal | None = None
    kind: str = ""
    notes: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if not self.kind:
            object.__setattr__(self, "kind", "success" if self.ok else "error")

    def told_as(self, kind: str) -> Outcome:
        """The same outcome in another style, e.g. "info" for a refusal that is news
        rather than an error."""
        return replace(self, kind=kind)


def attempt(
    action: Callable[[], Any],
    done_message: str | Done | Callable[[Any], str | Done] = "",
    *,
    keep: tuple[type[Refusal], ...] = (),
) -> Outcome:
    """Runs `action` (one service call) and commits; a refusal rolls back instead,
    except one of the `keep` refusals, whose writes are committed (see the module).
    `done_message` (or `done_message(result)`) is shown on success; a refusal
    brings its own sentence."""
    try:
        result = action()
        db.session.commit()
    except Refusal as refusal:
        if isinstance(refusal, keep):
            db.session.commit()
        else:
            db.session.rollback()
        refusal_signal.send(refusal)
        return Outcome(False, str(refusal), refusal.http_status, refusal=refusal)
    said = done_message(result) if callable(done_message) else done_message
    if isinstance(said, Done):
        notes = tuple(str(note) for note in said.notes)
        return Outcome(True, str(said.message), 200, result=result, kind=said.kind, notes=notes)
    return Outcome(True, str(said), 200, result=result)


def refused(message: str, status: int = 422) -> Outcome:
    """The outcome of a request turned down before any action ran, to be answered
    like a refusal."""
    return Outcome(False, str(message), status)


def answer(
    outcome: Outcome,
    *,
    fragment: Callable[[Outcome], str] | None = None,
    page: Callable[[Outcome], str] | None = None,
    then: str | Callable[[Outcome], str] | None = None,
    shown: Callable[[Outcome], Any] | None = None,
    in_place: bool = False,
):
    """The response to an action: `fragment(outcome)` for htmx; otherwise a flash
    (and the success's notes) and `page(outcome)` again after a refusal, or a
    redirect to `then` after success (after a refusal too, when there is no
    `page`). `shown(outcome)` answers a success instead, in both renderings,
    without a flash. An empty message is not flashed, nor a refusal the page shows
    `in_place`."""
    if outcome.ok and shown is not None:
        return shown(outcome)
    if htmx and fragment is not None:
        return fragment(outcome), outcome.status
    if not outcome.ok and page is not None and in_place:
        return page(outcome), outcome.status
    if in_place and page is None:
        if outcome.message:
            flash(outcome.message, IN_PLACE + outcome.kind)
        return redirect(then(outcome) if callable(then) else then, 303)
    if outcome.message:
        flash(outcome.message, outcome.kind)
    for note in outcome.notes:
        flash(note, "info")
    if not outcome.ok and page is not None:
        return page(outcome), outcome.status
    if then is None:
        raise TypeError("answer() needs `then` to redirect to")
    return redirect(then(outcome) if callable(then) else then, 303)


def confirm_first(step_url: str):
    """An act that cannot be taken back, asked for without its confirmation: the
    confirmation step (a page saying what will happen) comes first; htmx follows
    the `HX-Redirect` to it. Nothing is written."""
    if htmx:
        return "", 204, {"HX-Redirect": step_url}
    return redirect(step_url, 303)


def message_in_place() -> tuple[str, str] | None:
    """The latest message an answer kept for this page's own place, as (message,
    kind), or None (see `answer`, `in_place`)."""
    kept = [
        (message, category.removeprefix(IN_PLACE))
        for category, message in get_flashed_messages(with_categories=True)
        if category.startswith(IN_PLACE)
    ]
    return kept[-1] if kept else None


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
