"""Entry point for gunicorn and `flask`: `gunicorn wsgi:app`."""

from app import create_app

app = create_app()
