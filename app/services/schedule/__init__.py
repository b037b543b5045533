"""The timetable: activities and their sessions."""
