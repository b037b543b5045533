"""Booking: seats, bookings, the waiting list and offers; who may book what and when;
the catalogue residents see; the desk booking on someone's behalf and its lists."""
