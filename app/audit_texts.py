"""How each audit entry reads on the audit log, in the reader's language: a sentence
with who did it and to what, each change as "label: before → after" with times in
the centre's zone. The stored action codes stay as they are (the filter uses them)."""

from __future__ import annotations

import re
from datetime import date, datetime

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from app.formatting import when, when_day

SENTENCES = {
    "activity.create": _l("%(who)s created the class %(what)s."),
    "activity.edit": _l("%(who)s edited the class %(what)s."),
    "activity.published": _l("%(who)s published the class %(what)s."),
    "activity.draft": _l("%(who)s made the class %(what)s a draft."),
    "activity.archived": _l("%(who)s archived the class %(what)s."),
    "capacity.change": _l("%(who)s changed the seats of %(what)s."),
    "schedule.generate": _l("%(who)s added dates to the class %(what)s."),
    "session.cancel": _l("%(who)s cancelled the session %(what)s."),
    "session.move": _l("%(who)s moved the session %(what)s."),
    "session.helper_add": _l("%(who)s added a helper to %(what)s."),
    "session.helper_remove": _l("%(who)s removed a helper from %(what)s."),
    "booking.on_behalf": _l("%(who)s made the booking %(what)s for the resident."),
    "booking.cancel_on_behalf": _l("%(who)s cancelled the booking %(what)s for the resident."),
    "booking.leave_on_behalf": _l("%(who)s took leave for the resident: %(what)s."),
    "waitlist.promote": _l("%(who)s gave a seat from the waiting list: %(what)s."),
    "waitlist.move": _l("%(who)s moved %(what)s in the waiting list."),
    "waitlist.remove": _l("%(who)s took %(what)s off the waiting list."),
    "offer_call.done": _l("%(who)s finished the call about a freed seat: %(what)s."),
    "household.create": _l("%(who)s registered the household %(what)s."),
    "household.tags": _l("%(who)s changed the tags of the household %(what)s."),
    "person.create": _l("%(who)s added %(what)s."),
    "link.request": _l("%(who)s asked to book for someone else: %(what)s."),
    "link.confirm": _l("%(who)s confirmed booking for someone else: %(what)s."),
    "link.revoke": _l("%(who)s ended booking for someone else: %(what)s."),
    "user.role": _l("%(who)s changed the role of %(what)s."),
    "user.reset_pin": _l("%(who)s set a new PIN for %(what)s."),
    "user.unlock_login": _l("%(who)s unlocked the login of %(what)s."),
    "user.log_out_everywhere": _l("%(who)s logged %(what)s out everywhere."),
    "walk_in_added": _l("%(who)s added a walk-in to the roll: %(what)s."),
    "walk_in_registered": _l("%(who)s registered a new walk-in: %(what)s."),
    "walk_in_removed": _l("%(who)s removed a walk-in from the roll: %(what)s."),
    "lift_suspension": _l("%(who)s lifted the booking pause of %(what)s."),
    "welfare_call_done": _l("%(who)s finished the welfare call to %(what)s."),
    "programme_created": _l("%(who)s set up the programme %(what)s."),
    "programme_day_closed": _l("%(who)s closed a day of the programme %(what)s."),
    "lottery_seed_drawn": _l("%(who)s fixed the lottery seed of %(what)s."),
    "lottery_drawn": _l("%(who)s ran the lottery draw of %(what)s."),
    "pickup_added": _l("%(who)s added an adult who may collect %(what)s."),
    "pickup_day_added": _l("%(who)s allowed an adult to collect %(what)s for one day."),
    "pickup_code_renewed": _l("%(who)s gave a new pickup code for %(what)s."),
    "pickup_removed": _l("%(who)s removed an adult who may collect %(what)s."),
    "pickup_refused": _l("%(who)s: a check-out of %(what)s was refused at the door."),
    "pickup_lock_lifted": _l("%(who)s lifted the check-out lock of %(what)s."),
}

FIELDS = {
    "capacity": _l("Seats"),
    "taken": _l("Taken"),
    "status": _l("Status"),
    "position": _l("Place in the queue"),
    "person": _l("Person"),
    "person_id": _l("Person"),
    "note": _l("Note"),
    "role": _l("Role"),
    "tags": _l("Tags"),
    "name": _l("Name"),
    "title": _l("Title"),
    "starts_at": _l("Starts"),
    "ends_at": _l("Ends"),
    "room": _l("Room"),
    "day": _l("Day"),
    "from": _l("From"),
    "to": _l("Until"),
    "reason": _l("Reason"),
    "channel": _l("How"),
    "promoted": _l("Given a seat"),
    "lifted_at": _l("Lifted"),
    "valid_on": _l("Day"),
    "pickup": _l("Who may collect"),
    "relation": _l("Relation"),
    "child": _l("Child"),
}

_MOMENT = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}")
_DAY = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def sentence(action: str, who: str | None, what: str | None) -> str:
    """The entry as a sentence: "赵社工 changed the seats of 书法班 (11月24日 09:30)."."""
    who = who or _("The system")
    what = what or _("a record no longer there")
    text = SENTENCES.get(action)
    if text is None:
        return _("%(who)s: %(action)s (%(what)s).", who=who, action=action, what=what)
    return str(text) % {"who": who, "what": what}


def shown_value(value) -> str:
    """A stored value as people read it: times in the centre's zone, days as days."""
    if isinstance(value, str) and _MOMENT.match(value):
        try:
            return when(datetime.fromisoformat(value[:19]))
        except ValueError:
            return value
    if isinstance(value, str) and _DAY.match(value):
        try:
            return when_day(date.fromisoformat(value))
        except ValueError:
            return value
    if isinstance(value, list):
        return "、".join(shown_value(v) for v in value)
    if value is None or value == "":
        return "—"
    return str(value)


def changes(before: dict | None, after: dict | None) -> list[tuple[str, str | None, str | None]]:
    """Each field the entry recorded: (label, before, after), None where not recorded."""
    before, after = before or {}, after or {}
    rows = []
    for key in list(before) + [k for k in after if k not in before]:
        label = str(FIELDS.get(key, key))
        old = shown_value(before[key]) if key in before else None
        new = shown_value(after[key]) if key in after else None
        rows.append((label, old, new))
    return rows


def action_label(action: str) -> str:
    """The action as the filter offers it: its sentence about someone and something."""
    if action not in SENTENCES:
        return action
    return sentence(action, _("Someone"), "…").rstrip(".。")


def known_actions() -> list[str]:
    """Every action the log may hold that has a sentence, for the filter."""
    return sorted(SENTENCES)
