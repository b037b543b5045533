from flask import Blueprint

bp = Blueprint("welfare", __name__)

from app.blueprints.welfare import routes  # noqa: E402,F401
