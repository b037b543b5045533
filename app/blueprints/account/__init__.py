"""My bookings, my household and links for 代办: what a logged-in resident manages (/me).

`routes.py` holds the views and imports `bp` from here; the application factory
imports `routes` to register them (app/__init__.py, register_blueprints)."""

from flask import Blueprint

bp = Blueprint("account", __name__)
