"""The desk: people, activities and sessions, capacity, waitlists, offers and the audit log.

The views live in one module per part of the desk (activities.py, people.py,
bookings.py; pages.py holds what they share), each importing `bp` from here.
`routes.py` holds the front page and the audit log and imports the others; the
application factory imports `routes` to register them (app/__init__.py,
register_blueprints)."""

from flask import Blueprint

bp = Blueprint("staff", __name__)
