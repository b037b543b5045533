"""Childcare: programmes of day slots, the family's calendar, submissions,
the lottery, and the door where children are checked in and picked up."""
