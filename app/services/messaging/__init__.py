"""Messaging: notices to households, the outbox that sends them, reminders and
the kiosk's calls for staff."""
