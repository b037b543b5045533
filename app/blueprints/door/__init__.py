from flask import Blueprint

bp = Blueprint("door", __name__)

from app.blueprints.door import routes  # noqa: E402,F401
