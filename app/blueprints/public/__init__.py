"""The public catalogue: the class list and each class's page, open to everyone.

`routes.py` holds the views and imports `bp` from here, and `language.py` (the
language switch the kiosk reuses); the application factory imports `routes` to
register them (app/__init__.py, register_blueprints)."""

from flask import Blueprint

bp = Blueprint("public", __name__)
