"""Service reports (服务报表) for staff and teachers: the page, its charts, the
workbook and CSV downloads, and the printable monthly report.

`routes.py` holds the views and imports `bp` from here; the application factory
imports `routes` to register them (app/__init__.py, register_blueprints)."""

from flask import Blueprint

bp = Blueprint("reports", __name__)
