"""The welfare worker's pages: the call list and volunteer hours.

`routes.py` holds the views and imports `bp` from here; the application factory
imports `routes` to register them (app/__init__.py, register_blueprints)."""

from flask import Blueprint

bp = Blueprint("welfare", __name__)
