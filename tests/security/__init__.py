"""Tests of who must NOT be able to do things: strangers at an idle kiosk, other
households, teachers of other classes, replayed cookies, odd input."""
