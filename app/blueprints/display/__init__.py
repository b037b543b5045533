"""The lobby display: today's sessions on a screen, no login.

`routes.py` holds the views and imports `bp` from here; the application factory
imports `routes` to register them (app/__init__.py, register_blueprints)."""

from flask import Blueprint

bp = Blueprint("display", __name__)
