"""Logging in and out with a phone and a PIN (residents) or a password (staff).

`routes.py` holds the views and imports `bp` from here; the application factory
imports `routes` to register them (app/__init__.py, register_blueprints)."""

from flask import Blueprint

bp = Blueprint("auth", __name__)
