"""Childcare programmes for parents (calendar, submissions, lottery, pickup list) and their setup by staff.

The views live in one module per page (family.py, pickup_pages.py, setup.py;
pages.py holds what they share), each importing `bp` from here. `routes.py` imports
them, and the application factory imports `routes` to register them (app/__init__.py,
register_blueprints)."""

from flask import Blueprint

bp = Blueprint("programmes", __name__)
