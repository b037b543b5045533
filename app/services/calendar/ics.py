"""Sessions written as iCalendar (RFC 5545) with `icalendar`: times in UTC, one
event per session (its UID stays when the session moves, so a phone's calendar
updates it), a cancelled session marked CANCELLED and its title saying so."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime, timedelta

import icalendar
from flask_babel import force_locale
from flask_babel import gettext as _

from app.services.calendar.feeds import Event

PRODID = "-//Zhaoxi//Community centre bookings//ZH"
# How often a subscribed calendar should fetch again.
REFRESH = timedelta(hours=1)


def _utc(moment: datetime) -> datetime:
    return moment.replace(tzinfo=UTC)


def event_uid(event: Event) -> str:
    return f"zhaoxi-session-{event.session.id}@zhaoxi"


def _vevent(event: Event, now: datetime, locale: str, names: bool) -> icalendar.Event:
    session = event.session
    title = session.activity.title_for(locale)
    vevent = icalendar.Event()
    vevent.add("uid", event_uid(event))
    vevent.add("dtstamp", _utc(now))
    vevent.add("dtstart", _utc(session.starts_at))
    vevent.add("dtend", _utc(session.ends_at))
    vevent.add("summary", _("Cancelled: %(title)s", title=title) if event.cancelled else title)
    if session.where:
        vevent.add("location", session.where)
    vevent.add("status", "CANCELLED" if event.cancelled else "CONFIRMED")
    if names:
        vevent.add("description", "、".join(p.name for p in event.people))
    elif len(event.people) > 1:
        vevent.add("description", _("%(num)d people of your household", num=len(event.people)))
    return vevent


def calendar_bytes(
    events: Iterable[Event], *, now: datetime, locale: str, name: str, names: bool = False
) -> bytes:
    """The iCalendar text of `events`, in `locale`. `names`: each event says who is
    booked (a file the family downloads); a feed's address may leak, so it says
    only how many."""
    with force_locale(locale):
        calendar = icalendar.Calendar()
        calendar.add("prodid", PRODID)
        calendar.add("version", "2.0")
        calendar.add("calscale", "GREGORIAN")
        calendar.add("x-wr-calname", name)
        calendar.add("refresh-interval", REFRESH, parameters={"VALUE": "DURATION"})
        calendar.add("x-published-ttl", "PT1H")
        for event in events:
            calendar.add_component(_vevent(event, now, locale, names))
        return calendar.to_ical()
