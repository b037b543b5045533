"""The touch kiosk in the lobby: an elder's visit, from login by phone to check-in.

`routes.py` holds the views and imports `bp` from here; the application factory
imports `routes` to register them (app/__init__.py, register_blueprints)."""

from flask import Blueprint

bp = Blueprint("kiosk", __name__)
