"""Volunteering: helpers on a session and volunteer hours."""
