"""The lottery: applications in the window, then a seeded, replayable draw."""

import hashlib
from datetime import timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.extensions import db
from app.models import ApplicationStatus, Attendance, Booking, BookingStatus, Notice, Role
from app.services.childcare.applications import apply_days
from app.services.childcare.draw import Unit, allocate, replay_draw, run_draw
from app.services.childcare.seed import seal_seed
from app.services.childcare.submissions import book_days
from app.services.refusals import AlreadyApplied, DrawNotAllowed, SeedJustPublished
from tests.conftest import assert_seat_invariant
from tests.programme_helpers import family, holiday, lottery, sessions


def _apply(programme, guardian, pairs, now, together=False):
    return apply_days(programme, pairs, together=together, by=guardian, now=now)


def _after_close(programme):
    return programme.activity.closes_at + timedelta(minutes=1)


def _draw(programme, *, by, now):
    """The draw after applications closed, its seed fixed and published first (the
    `lottery_seeds` job does this)."""
    seal_seed(programme, now)
    return run_draw(programme, by=by, now=now)


def _staff(make):
    return make.user(role=Role.STAFF, age=40)


def test_applying_records_an_application_and_takes_no_seat(make, now):
    programme = lottery(make)
    guardian, kids = family(make)
    day = sessions(programme)[0]
    outcomes = _apply(programme, guardian, [(k, day) for k in kids], now, together=True)
    assert [o.status for o in outcomes] == ["applied", "applied"]
    assert day.taken == 0
    again = _apply(programme, guardian, [(kids[0], day)], now)
    assert again[0].status == "refused"
    # Like a refused booking: the refusal itself rides along with its message.
    assert isinstance(again[0].refusal, AlreadyApplied)
    assert again[0].message == str(again[0].refusal)


def test_booking_a_lottery_programme_is_refused(make, now, en):
    programme = lottery(make)
    guardian, (kid,) = family(make, children=1)
    (outcome,) = book_days(
        programme, [(kid, sessions(programme)[0])], by=guardian, channel="phone", now=now
    )
    assert outcome.status == "refused" and "lottery" in outcome.message


def test_applications_closed_after_the_window(make, now):
    programme = lottery(make)
    guardian, (kid,) = family(make, children=1)
    from app.services.refusals import WindowClosed

    with pytest.raises(WindowClosed):
        _apply(programme, guardian, [(kid, sessions(programme)[0])], _after_close(programme))


def test_draw_waits_for_the_window_to_close_and_runs_once(make, now):
    programme = lottery(make)
    staff = _staff(make)
    with pytest.raises(DrawNotAllowed):
        run_draw(programme, by=staff, now=now)
    assert programme.draw_seed is None
    # No commitment was published yet: the first try only fixes the seed.
    with pytest.raises(SeedJustPublished):
        run_draw(programme, by=staff, now=_after_close(programme))
    seed = programme.draw_seed
    assert seed and programme.drawn_at is None and db.session.query(Booking).count() == 0
    report = run_draw(programme, by=staff, now=_after_close(programme))
    assert report["seed"] == seed
    with pytest.raises(DrawNotAllowed):
        run_draw(programme, by=staff, now=_after_close(programme))


def _oversubscribed(make, now, capacity=3, households=8, **fields):
    programme = lottery(make, capacity=capacity, days=2, **fields)
    families = []
    for i in range(households):
        tags = ("低保",) if i == households - 1 else ()
        guardian, kids = family(make, children=2 if i % 3 == 0 else 1, tags=tags)
        _apply(
            programme,
            guardian,
            [(k, s) for k in kids for s in sessions(programme)],
            now,
            together=True,
        )
        families.append((guardian, kids))
    return programme, families


def test_draw_confirms_winners_waitlists_the_rest_and_notifies(make, now):
    programme, families = _oversubscribed(make, now)
    report = _draw(programme, by=_staff(make), now=_after_close(programme))
    db.session.flush()
    for session in sessions(programme):
        assert session.taken <= session.capacity
        confirmed = (
            db.session.query(Booking)
            .filter_by(session_id=session.id, status=BookingStatus.CONFIRMED)
            .count()
        )
        waitlisted = (
            db.session.query(Booking)
            .filter_by(session_id=session.id, status=BookingStatus.WAITLISTED)
            .count()
        )
        assert confirmed == report["slots"][str(session.id)]["confirmed"] >= 2
        assert confirmed + waitlisted == report["slots"][str(session.id)]["applicants"]
    assert_seat_invariant()
    # One notice per household (each has one user here), whatever its children and days.
    assert db.session.query(Notice).filter_by(kind="lottery_drawn").count() == len(families)
    # The seed was drawn by the app, and is the one its published SHA-256 commits to.
    assert report["seed"] == programme.draw_seed and len(programme.draw_seed) == 32
    assert hashlib.sha256(programme.draw_seed.encode()).hexdigest() == programme.seed_sha256


def test_priority_households_are_drawn_first(make, now):
    programme, families = _oversubscribed(make, now)
    _draw(programme, by=_staff(make), now=_after_close(programme))
    _, (priority_kid,) = families[-1]
    assert all(
        b.status == BookingStatus.CONFIRMED
        for b in db.session.query(Booking).filter_by(person_id=priority_kid.id)
    )


def test_families_drawn_together_get_both_or_none_unless_a_seat_would_stay_empty(make, now):
    for _ in range(4):  # four draws, each with its own seed
        programme, families = _oversubscribed(make, now, capacity=4)
        _draw(programme, by=_staff(make), now=_after_close(programme))
        for _, kids in families:
            if len(kids) < 2:
                continue
            for session in sessions(programme):
                statuses = {
                    b.status
                    for b in db.session.query(Booking).filter(
                        Booking.session_id == session.id,
                        Booking.person_id.in_([k.id for k in kids]),
                    )
                }
                # Split only to fill the last seat, which no single child was left for.
                assert len(statuses) == 1 or session.taken == session.capacity


def test_seats_left_after_families_go_to_the_next_child_singly(make, now, en):
    """The issue's draw: 2 places a day, a priority child and a pair of siblings
    applying together. The pair does not fit whole in the one seat left; it used to
    stay empty while both siblings waited."""
    programme = lottery(make, capacity=2, days=5)
    days = sessions(programme)
    priority_guardian, (priority_kid,) = family(make, children=1, tags=("低保",))
    _apply(programme, priority_guardian, [(priority_kid, d) for d in days], now)
    guardian, kids = family(make, children=2)
    _apply(programme, guardian, [(k, d) for k in kids for d in days], now, together=True)
    report = _draw(programme, by=_staff(make), now=_after_close(programme))
    for day in days:
        assert day.taken == day.capacity == 2
        statuses = {
            b.person_id: b.status for b in db.session.query(Booking).filter_by(session_id=day.id)
        }
        assert statuses[priority_kid.id] == BookingStatus.CONFIRMED
        # The first sibling in draw order takes the seat left; the other waits first in line.
        assert sorted(statuses[k.id] for k in kids) == ["confirmed", "waitlisted"]
        assert report["slots"][str(day.id)]["confirmed"] == 2
    assert_seat_invariant()
    assert replay_draw(programme)


def test_a_draw_recorded_before_seats_were_filled_singly_still_replays(make, now):
    """Reports recorded without `fill_singly` were drawn whole units only; their
    replay keeps that rule, so the programme page does not call them altered."""
    units = [Unit("a", (1,), True, False), Unit("b", (2, 3), False, False)]
    old = allocate("seed", 5, 2, units, 0, fill_singly=False)
    assert old.order == [1, 2, 3] and [u.person_ids for u in old.winners] == [(1,)]
    inputs = {
        "newcomer_share": 0,
        "slots": {
            "5": {
                "seats": 2,
                "units": {
                    "a": {"persons": [1], "priority": True, "newcomer": False},
                    "b": {"persons": [2, 3], "priority": False, "newcomer": False},
                },
            }
        },
    }
    from app.services.childcare.draw import plan_from_inputs

    assert plan_from_inputs("seed", inputs)[5].winners == old.winners
    new = plan_from_inputs("seed", inputs | {"fill_singly": True})[5]
    assert [u.person_ids for u in new.winners] == [(1,), (2,)]
    assert new.order == [1, 2, 3]


def test_one_notice_per_family_per_draw_lists_every_child_and_day(make, now, en):
    programme = lottery(make, capacity=2, days=5)
    days = sessions(programme)
    _, (other,) = family(make, children=1, tags=("低保",))
    _apply(programme, _guardian_of(other), [(other, d) for d in days], now)
    guardian, kids = family(make, children=2)
    second_adult = make.user(make.person(household=guardian.person.household, age=40))
    _apply(programme, guardian, [(k, d) for k in kids for d in days], now, together=True)
    _draw(programme, by=_staff(make), now=_after_close(programme))
    notices = db.session.query(Notice).filter(Notice.user_id.in_([guardian.id, second_adult.id]))
    assert sorted(n.user_id for n in notices) == sorted([guardian.id, second_adult.id])
    notice = notices.filter_by(user_id=guardian.id).one()
    assert notice.kind == "lottery_drawn" and notice.booking_id is None
    lines = notice.params["lines"]
    assert len(lines) == 10 and {line["person"] for line in lines} == {k.name for k in kids}
    assert sorted(line["result"] for line in lines) == ["waitlisted"] * 5 + ["won"] * 5
    assert all(line["position"] == 1 for line in lines if line["result"] == "waitlisted")
    from app.notice_texts import notice_text

    text = notice_text(notice).splitlines()
    assert text[0] == "The draw for 寒托班 is done. For your family:"
    assert len(text) == 12 and text[-1] == "We will tell you here if a place comes free."
    assert sum("won a place" in line for line in text) == 5
    assert sum("on the waiting list, number 1" in line for line in text) == 5
    # One text message per reader, not one per child and day.
    from app.models import OutboxMessage

    assert db.session.query(OutboxMessage).filter_by(user_id=guardian.id).count() == 1


def _guardian_of(kid):
    from app.models import Person, User

    return (
        db.session.query(User)
        .join(Person, User.person_id == Person.id)
        .filter(Person.household_id == kid.household_id)
        .one()
    )


def _enrol_at_the_same_time(make, kid, day):
    """A term class whose sessions overlap `day` (the after-school club), the child
    enrolled on it, booked first come first served."""
    from app.services.booking.place import place_booking
    from app.services.booking.targets import Target

    club = make.activity(
        title="四点半课堂",
        series=True,
        sessions=3,
        start_in=day.starts_at + timedelta(hours=7) - make.now - timedelta(days=1),
        every=timedelta(days=1),
        duration=timedelta(hours=2),
    )
    guardian = _guardian_of(kid)
    return place_booking(kid, Target(club, None), by=guardian, channel="phone", now=make.now)


def test_the_draw_never_confirms_a_child_into_an_overlapping_session(make, now, en):
    """Applied for a full day, then enrolled in a class at 15:30 that day: booking
    first come would refuse that day; the draw does too, and the seat goes to the
    next child in draw order."""
    programme = lottery(make, capacity=1, days=1)
    (day,) = sessions(programme)
    guardian, (busy,) = family(make, children=1, tags=("低保",))  # drawn first
    _apply(programme, guardian, [(busy, day)], now)
    _enrol_at_the_same_time(make, busy, day)
    _, (free,) = family(make, children=1)
    _apply(programme, _guardian_of(free), [(free, day)], now)
    report = _draw(programme, by=_staff(make), now=_after_close(programme))
    from app.models import LotteryApplication

    assert not db.session.query(Booking).filter_by(person_id=busy.id, session_id=day.id).count()
    application = db.session.query(LotteryApplication).filter_by(person_id=busy.id).one()
    assert application.status == ApplicationStatus.CLASHED
    confirmed = db.session.query(Booking).filter_by(session_id=day.id).one()
    assert (confirmed.person_id, confirmed.status) == (free.id, BookingStatus.CONFIRMED)
    assert report["inputs"]["slots"][str(day.id)]["left_out"] == {str(busy.id): "clashed"}
    assert report["slots"][str(day.id)]["applicants"] == 2
    (notice,) = db.session.query(Notice).filter_by(user_id=guardian.id, kind="lottery_drawn")
    assert notice.params["lines"][0]["result"] == "clashed"
    assert_seat_invariant()
    assert replay_draw(programme)


def test_applying_for_a_day_the_child_is_busy_is_refused_like_booking(make, now, en):
    """The clash rule is booking's own (`check_free_to_book`), asked when applying."""
    programme = lottery(make, capacity=1, days=1)
    (day,) = sessions(programme)
    guardian, (kid,) = family(make, children=1)
    club = _enrol_at_the_same_time(make, kid, day).activity
    (outcome,) = _apply(programme, guardian, [(kid, day)], now)
    assert outcome.status == "refused" and club.title in outcome.message
    first_come = holiday(make, capacity=1, days=1)
    (booked,) = book_days(
        first_come, [(kid, sessions(first_come)[0])], by=guardian, channel="phone", now=now
    )
    assert booked.status == "refused" and booked.message == outcome.message


def test_the_draw_replays_from_its_seed(make, now):
    programme, _ = _oversubscribed(make, now)
    report = _draw(programme, by=_staff(make), now=_after_close(programme))
    db.session.commit()
    assert replay_draw(programme)
    # The same inputs and seed draw the same order; another seed, a different one.
    from app.services.childcare.draw import plan_from_inputs

    again = plan_from_inputs(report["seed"], report["inputs"])
    assert {str(k): v.order for k, v in again.items()} == {
        k: v["order"] for k, v in report["slots"].items()
    }
    other = plan_from_inputs("another-seed", report["inputs"])
    assert any(other[int(k)].order != v["order"] for k, v in report["slots"].items())
    # Tampering with the recorded result is detected.
    tampered = dict(report)
    slot_id = next(iter(report["slots"]))
    tampered["slots"] = {
        **report["slots"],
        slot_id: {
            **report["slots"][slot_id],
            "order": list(reversed(report["slots"][slot_id]["order"])),
        },
    }
    programme.draw_report = tampered
    assert not replay_draw(programme)


def test_newcomer_share_keeps_places_for_children_new_to_the_centre(make, now):
    programme = lottery(make, capacity=4, days=1, newcomer_share=50)
    day = sessions(programme)[0]
    past = make.activity(title="剪纸", sessions=1, start_in=timedelta(days=-3))
    regulars, newcomers = [], []
    for i in range(10):
        guardian, (kid,) = family(make, children=1)
        if i < 8:
            db.session.add(
                Attendance(
                    session_id=past.sessions[0].id,
                    person_id=kid.id,
                    status="present",
                    marked_at=now,
                )
            )
            regulars.append(kid)
        else:
            newcomers.append(kid)
        _apply(programme, guardian, [(kid, day)], now)
    _draw(programme, by=_staff(make), now=_after_close(programme))
    winners = {
        b.person_id for b in db.session.query(Booking).filter_by(status=BookingStatus.CONFIRMED)
    }
    assert {k.id for k in newcomers} <= winners
    assert len(winners) == 4


def test_an_application_already_booked_another_way_is_skipped(make, now):
    programme = lottery(make, capacity=2, days=1)
    day = sessions(programme)[0]
    guardian, (kid,) = family(make, children=1)
    _apply(programme, guardian, [(kid, day)], now)
    staff = _staff(make)
    later = _after_close(programme)
    # Booked at the desk by other means (e.g. a transfer) before the draw ran.
    day.taken += 1
    db.session.add(
        Booking(
            person_id=kid.id,
            household_id=kid.household_id,
            activity_id=day.activity_id,
            session_id=day.id,
            status="confirmed",
            queued_at=now,
            confirmed_at=now,
        )
    )
    db.session.flush()
    _draw(programme, by=staff, now=later)
    assert programme.draw_report["slots"][str(day.id)]["applicants"] == 1
    from app.models import LotteryApplication

    assert db.session.query(LotteryApplication).one().status == ApplicationStatus.SKIPPED
    assert_seat_invariant()


units_strategy = st.lists(
    st.tuples(st.integers(1, 3), st.booleans(), st.booleans()), min_size=0, max_size=25
)


@settings(
    max_examples=200, suppress_health_check=[HealthCheck.function_scoped_fixture], deadline=None
)
@given(
    units=units_strategy,
    seats=st.integers(0, 20),
    share=st.integers(0, 100),
    seed=st.text(max_size=8),
)
def test_allocate_is_deterministic_fair_and_never_exceeds_capacity(units, seats, share, seed):
    built, pid = [], 0
    for i, (size, priority, newcomer) in enumerate(units):
        built.append(Unit(f"u{i}", tuple(range(pid, pid + size)), priority, newcomer))
        pid += size
    draw = allocate(seed, 7, seats, built, share)
    assert draw.order == allocate(seed, 7, seats, list(reversed(built)), share).order
    assert sum(u.size for u in draw.winners) <= seats
    assert sorted(draw.order) == list(range(pid))
    # Priority first: a priority unit waits only if it did not fit.
    waiting_priority = [u for u in draw.waitlist if u.priority]
    if waiting_priority:
        left = seats - sum(u.size for u in draw.winners)
        assert all(u.size > left for u in waiting_priority)
    # Newcomers: when enough newcomers applied, they hold at least the share (that fits).
    reserve = seats * share // 100
    newcomer_won = sum(u.size for u in draw.winners if u.newcomer)
    single_newcomers = sum(u.size for u in built if u.newcomer and u.size == 1)
    if all(u.size == 1 for u in built) and not any(u.priority for u in built):
        assert newcomer_won >= min(reserve, single_newcomers)
    # No seat stays empty while a child waits: the seats left go singly in draw order.
    assert sum(u.size for u in draw.winners) == min(seats, pid)
