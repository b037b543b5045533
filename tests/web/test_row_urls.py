"""A long list's links are built once and given each row's id (app/row_urls.py): they
must be exactly the links `url_for` builds, or a roster's buttons would post to the
wrong booking."""

from __future__ import annotations

import pytest
from flask import url_for

from app.row_urls import row_url


@pytest.mark.parametrize("row_id", [1, 7, 10, 2147483646, 123456789])
def test_a_row_link_is_the_link_url_for_builds(app, row_id):
    with app.test_request_context("/"):
        assert row_url("staff.cancel_booking", "booking_id")(row_id) == url_for(
            "staff.cancel_booking", booking_id=row_id
        )
        assert row_url("teach.mark_person", "person_id", session_id=42)(row_id) == url_for(
            "teach.mark_person", session_id=42, person_id=row_id
        )


def test_a_row_link_takes_only_a_number(app):
    """An id that is not a number never reaches a page's HTML as text."""
    with app.test_request_context("/"), pytest.raises(ValueError):
        row_url("staff.cancel_booking", "booking_id")('1"><script>')
