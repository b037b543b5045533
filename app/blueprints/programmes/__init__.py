from flask import Blueprint

bp = Blueprint("programmes", __name__)

from app.blueprints.programmes import routes  # noqa: E402,F401
