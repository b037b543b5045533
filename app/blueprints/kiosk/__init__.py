from flask import Blueprint

bp = Blueprint("kiosk", __name__)

from app.blueprints.kiosk import routes  # noqa: E402,F401
