"""The centre's rules, as functions over the database session.

Services take model objects, the acting user and `now`; they flush but never
commit, and raise `BookingError` subclasses whose message is meant for people.
Callers roll back when one is raised.
"""
