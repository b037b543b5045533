"""The holiday-childcare booking answers at the 08:00 rush from what its one
transaction holds: a fixed number of statements whatever the number of children
and days, and not one after the commit (on SQLite every read before the commit
holds the whole database; after it, the page needs none)."""

from __future__ import annotations

import re
from contextlib import contextmanager
from datetime import timedelta

import pytest
from flask import has_request_context
from sqlalchemy import event, select

from app.extensions import db
from app.models import Booking
from tests.conftest import assert_seat_invariant
from tests.programme_helpers import family, holiday, sessions

HX = {"HX-Request": "true"}


@contextmanager
def _statements():
    """The request's statements before its first COMMIT, and those after it."""
    seen = {"before": [], "after": []}
    phase = ["before"]

    def statement(_conn, _cursor, sql, *_args):
        if has_request_context():  # not the test's own session
            seen[phase[0]].append(sql)

    def committed(_conn):
        if has_request_context():
            phase[0] = "after"

    engine = db.engine
    event.listen(engine, "before_cursor_execute", statement)
    event.listen(engine, "commit", committed)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", statement)
        event.remove(engine, "commit", committed)


def _submit(client, programme, kids, days):
    picks = [f"{k.id}-{s.id}" for k in kids for s in days]
    data = {"pick": picks, "together": "y"} if len(kids) > 1 else {"pick": picks}
    return client.post(f"/programmes/{programme.id}/book?lang=en", data=data, headers=HX)


def test_a_submission_costs_the_same_statements_for_one_day_or_ten(make, auth, client):
    programme = holiday(make, capacity=2, days=5)
    days = sessions(programme)
    one, (only,) = family(make, children=1)
    two, pair = family(make, children=2)
    late, (late_kid,) = family(make, children=1)
    make.commit()

    auth.login(one)
    with _statements() as small:
        assert _submit(client, programme, [only], days[:1]).status_code == 200
    auth.login(two)
    with _statements() as big:
        answer = _submit(client, programme, pair, days)
    auth.login(late)
    with _statements() as waiting:
        queued = _submit(client, programme, [late_kid], days)

    html = answer.get_data(as_text=True)
    # Monday has one seat left for two children booked together: both wait.
    assert html.count("result-confirmed") == 8 and html.count("result-waitlisted") == 2
    assert "On the waiting list, number 2" in html
    # The last child takes Monday's seat, and queues first for the other days.
    html = queued.get_data(as_text=True)
    assert html.count("result-confirmed") == 1
    assert html.count("On the waiting list, number 1") == 4
    assert len(big["before"]) == len(small["before"])
    assert len(waiting["before"]) <= len(small["before"])
    # The results and the refreshed calendar (issue 12: the parent sees the new
    # seats) come from what the transaction read and wrote (issue 15): the slots
    # and their seats, the waiting lists and what the household's children hold.
    # The household's lottery applications are read after the commit on SQLite
    # (outside the write lock), before it on a server (a transaction of their own
    # would cost three round trips): the same for one day or ten.
    reads = [s for s in big["after"] if s.startswith("SELECT")]
    assert len(small["after"]) == len(big["after"]) == len(waiting["after"])
    after = 1 if db.engine.dialect.name == "sqlite" else 0
    assert len(reads) == after, reads
    assert all("FROM lottery_application" in s for s in reads)
    assert_seat_invariant()


def test_the_slots_everyone_queues_for_are_held_only_for_the_seats_and_the_writes(
    make, auth, client
):
    """At the rush every family wants the same days, so on a database server the
    submissions queue on the slots' row locks: from the lock to the commit there
    are only the seat counts, the one UPDATE and the one INSERT. What is read about
    the children (suspensions, their other bookings, consents) is read before,
    under their own locks. (SQLite's write transaction holds the whole database:
    there are no row locks to measure.)"""
    if db.engine.dialect.name == "sqlite":
        pytest.skip("SQLite takes no row locks")
    programme = holiday(make, capacity=2, days=5)
    guardian, kids = family(make, children=2)
    make.commit()
    auth.login(guardian)
    with _statements() as seen:
        answer = _submit(client, programme, kids, sessions(programme))
    assert answer.status_code == 200
    locked = next(
        i
        for i, sql in enumerate(seen["before"])
        if "FOR UPDATE" in sql and "FROM activity_session" in sql
    )
    held = [" ".join(sql.split())[:40] for sql in seen["before"][locked + 1 :]]
    assert len(held) == 3, held
    assert held[1].startswith("UPDATE activity_session") and held[2].startswith("INSERT")
    assert_seat_invariant()


CALENDAR = re.compile(r'<form class="programme-form".*?</form>', re.S)
TOKEN = re.compile(r'name="csrf_token" value="[^"]*"')


def _calendar_of(html: str) -> str:
    (form,) = CALENDAR.findall(html)
    return TOKEN.sub("", form)


def test_the_answer_shows_the_calendar_a_fresh_look_would(make, auth, client):
    """The answer's calendar is drawn from what the submission's transaction saw,
    not read again: it must say exactly what the programme page says a moment later
    — seats, waiting lists of the days not booked, the brother's booking made
    before, the days just booked or queued for."""
    programme = holiday(make, capacity=2, days=5)
    mon, tue, wed, *_ = sessions(programme)
    others, other_kids = family(make, children=2)
    late, (late_kid,) = family(make, children=1)
    guardian, (sister, brother) = family(make, children=2)
    make.commit()

    auth.login(others)
    assert _submit(client, programme, other_kids, [mon, wed]).status_code == 200
    auth.login(late)
    assert _submit(client, programme, [late_kid], [mon, wed]).status_code == 200  # queues
    # That family pressed a moment after this one but got the slots' locks first:
    # its places are behind hers in the queue, yet on the waiting lists already.
    for booking in db.session.scalars(select(Booking).where(Booking.person_id == late_kid.id)):
        booking.queued_at = make.now + timedelta(seconds=2)
    make.commit()
    auth.login(guardian)
    assert _submit(client, programme, [brother], [tue]).status_code == 200
    answer = _submit(client, programme, [sister], [mon, tue])
    html = answer.get_data(as_text=True)
    assert "On the waiting list, number 1" in html and html.count("result-confirmed") == 1

    page = client.get(f"/programmes/{programme.id}?lang=en").get_data(as_text=True)
    assert _calendar_of(html) == _calendar_of(page)
    assert_seat_invariant()
