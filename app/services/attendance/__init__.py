"""Attendance: the roll of a session, marking it, walk-ins, leave and the kiosk's check-in."""
