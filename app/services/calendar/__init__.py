"""Calendars on phones: a household's bookings as an iCalendar feed.

feeds.py   the private, renewable feed address of a user; which sessions it holds
ics.py     those sessions (or one booking's) written as iCalendar with `icalendar`
"""
