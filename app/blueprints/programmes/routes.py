"""Holiday childcare and the after-school club: the calendar, booking several
children onto several days, lottery applications, the pickup list; and the staff
pages that create programmes, close days and run the draw.

The app factory imports this module; the views live by page in the modules it
imports, each registering on the one `programmes` blueprint."""

from app.blueprints.programmes import bp, family, pages, pickup_pages, setup

__all__ = ["bp", "family", "pages", "pickup_pages", "setup"]
