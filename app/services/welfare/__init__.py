"""Welfare: no-shows and suspensions, and the call list of people to ring."""
