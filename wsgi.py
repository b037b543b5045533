"""Entry point for gunicorn and `flask`: `gunicorn wsgi:app`."""

import gc

from app import create_app

app = create_app()
# What the app built at startup (modules, models, routes, translations: ~180,000
# objects) lives as long as the worker: moved out of the collector's sight, so a full
# collection scans only what requests made. Without it one came every few requests
# of a 400-line roster and took ~100 ms (issue 18: the p95 of the long pages).
gc.freeze()
