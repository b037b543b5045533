"""The desk: people, activities and sessions, capacity, waitlists, offers and the audit log.

`routes.py` holds the views and imports `bp` from here; the application factory
imports `routes` to register them (app/__init__.py, register_blueprints)."""

from flask import Blueprint

bp = Blueprint("staff", __name__)
