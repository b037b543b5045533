"""Childcare programmes for parents (calendar, submissions, lottery, pickup list) and their setup by staff.

`routes.py` holds the views and imports `bp` from here; the application factory
imports `routes` to register them (app/__init__.py, register_blueprints)."""

from flask import Blueprint

bp = Blueprint("programmes", __name__)
