"""People: households, persons, users, links for 代办, logging in and sessions."""
