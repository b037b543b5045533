"""People: households, persons, users, a child's guardians, links for 代办, logging
in, asking for the secret again, sessions, and the kiosk's visitor."""
