from flask import Blueprint

bp = Blueprint("teach", __name__)

from app.blueprints.teach import routes  # noqa: E402,F401
