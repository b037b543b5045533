"""Booking: seats, bookings, the waiting list and offers."""
