"""Staff changing classes and sessions, residents at the desk, links with consent,
the outbox and reminders (no HTTP)."""

import threading
from datetime import date, time, timedelta

import pytest
from flask import current_app
from sqlalchemy import func, select, text

from app.extensions import db
from app.models import (
    AuditEntry,
    BookingStatus,
    Channel,
    LinkStatus,
    Notice,
    OutboxMessage,
    OutboxStatus,
    Reminder,
    SessionStatus,
)
from app.services.audit import filter_by_days
from app.services.booking import on_behalf
from app.services.booking.book import book
from app.services.booking.targets import Target
from app.services.messaging import outbox
from app.services.messaging import reminders as messaging_reminders
from app.services.people.links import confirm_link, request_link, revoke_link
from app.services.people.residents import (
    register_household,
    register_member,
    reset_pin,
    search_residents,
    set_household_tags,
)
from app.services.refusals import (
    CapacityTooLow,
    LinkRefused,
    LoginRefused,
    NotAllowed,
    ScheduleRefused,
)
from app.services.schedule.activities import activity_rows, change_capacity, update_activity
from app.services.schedule.sessions import cancel_session, generate_by, move_session
from app.timeutil import local_day_bounds, to_local
from tests.conftest import PIN, assert_seat_invariant


def _book(user, activity, now, person=None):
    target = Target.of(activity, None if activity.is_series else activity.sessions[0])
    return book(person or user.person, target, by=user, channel=Channel.PHONE, now=now)


def _notices(kind):
    return db.session.scalar(select(func.count(Notice.id)).where(Notice.kind == kind))


@pytest.fixture
def staff(make):
    return make.user(role="staff", age=40)


# --- the desk's lists -------------------------------------------------------------


def test_the_audit_filter_runs_from_the_first_local_day_to_the_end_of_the_last(app):
    days = filter_by_days(action="booking", actor_id=7, since=date(2026, 11, 1), until=None)
    assert (days.action, days.actor_id, days.until) == ("booking", 7, None)
    assert days.since == local_day_bounds(date(2026, 11, 1))[0]
    until = filter_by_days(action=None, actor_id=None, since=None, until=date(2026, 11, 2))
    assert until.since is None and until.until == local_day_bounds(date(2026, 11, 2))[1]


def test_the_desk_lists_every_activity_by_status_then_title(make):
    later, first = make.activity(title="太极"), make.activity(title="书法")
    db.session.flush()
    listed = [r.activity for r in activity_rows() if r.activity.id in (later.id, first.id)]
    assert listed == sorted([later, first], key=lambda a: (a.status, a.title))


# --- capacity, sessions, schedules ---------------------------------------------


@pytest.mark.parametrize("series", [False, True])
def test_raising_capacity_promotes_from_the_waitlist_at_once(make, now, staff, series):
    activity = make.activity(capacity=1, series=series)
    users = [make.resident() for _ in range(3)]
    bookings = [_book(u, activity, now) for u in users]
    target = Target.of(activity, None if series else activity.sessions[0])
    promoted = change_capacity(target, 2, by=staff, now=now)
    assert promoted == [bookings[1]] and bookings[1].status == BookingStatus.CONFIRMED
    assert bookings[2].status == BookingStatus.WAITLISTED
    assert_seat_invariant()


def test_lowering_capacity_below_the_booked_is_refused_with_the_numbers(make, now, staff, en):
    activity = make.activity(capacity=5)
    for _ in range(3):
        _book(make.resident(), activity, now)
    target = Target.of(activity, activity.sessions[0])
    with pytest.raises(CapacityTooLow) as refusal:
        change_capacity(target, 2, by=staff, now=now)
    assert "3 seats are already taken" in str(refusal.value)
    assert activity.sessions[0].capacity == 5
    change_capacity(target, 3, by=staff, now=now)
    assert activity.sessions[0].capacity == 3
    assert_seat_invariant()


def test_cancelling_a_session_cancels_its_bookings_and_tells_each_once(make, now, staff):
    activity = make.activity(capacity=2)
    users = [make.resident() for _ in range(3)]
    bookings = [_book(u, activity, now) for u in users]
    session = activity.sessions[0]
    assert cancel_session(session, by=staff, now=now, reason="老师生病") == 3
    assert session.status == SessionStatus.CANCELLED and session.taken == 0
    assert all(b.status == BookingStatus.CANCELLED for b in bookings)
    assert _notices("session_cancelled") == 3
    with pytest.raises(ScheduleRefused):
        cancel_session(session, by=staff, now=now)
    assert _notices("session_cancelled") == 3
    assert_seat_invariant()


def test_cancelling_one_session_of_a_term_keeps_the_term_bookings(make, now, staff):
    activity = make.activity(capacity=5, series=True, sessions=3)
    user = make.resident()
    booking = _book(user, activity, now)
    cancel_session(activity.sessions[1], by=staff, now=now)
    assert booking.status == BookingStatus.CONFIRMED
    assert _notices("session_cancelled") == 1
    assert_seat_invariant()


def test_moving_a_session_keeps_bookings_and_tells_each_once(make, now, staff):
    activity = make.activity(capacity=1)
    users = [make.resident() for _ in range(2)]
    bookings = [_book(u, activity, now) for u in users]
    session = activity.sessions[0]
    old = session.starts_at
    new_start = old + timedelta(days=1)
    told = move_session(
        session,
        starts_at=new_start,
        ends_at=new_start + timedelta(hours=1),
        room="大厅",
        by=staff,
        now=now,
    )
    assert told == 2
    assert [b.status for b in bookings] == ["confirmed", "waitlisted"]
    notice = db.session.scalar(select(Notice).where(Notice.kind == "session_moved").limit(1))
    assert notice.params["old_starts_at"] == old.isoformat()
    assert notice.params["starts_at"] == new_start.isoformat()
    with pytest.raises(ScheduleRefused):
        move_session(
            session, starts_at=now - timedelta(hours=1), ends_at=now, room=None, by=staff, now=now
        )
    assert _notices("session_moved") == 2
    assert_seat_invariant()


def test_weekly_generator_makes_tuesdays_and_thursdays_skipping_holidays(make, now, staff):
    activity = make.activity(sessions=0)
    sessions = generate_by(
        activity,
        by=staff,
        now=now,
        first_day=date(2027, 3, 2),
        last_day=date(2027, 3, 18),
        weekdays=[2, 4],
        start=time(9, 0),
        end=time(10, 30),
        skip=[date(2027, 3, 9)],
    )
    days = [to_local(s.starts_at).date() for s in sessions]
    assert days == [date(2027, 3, d) for d in (2, 4, 11, 16, 18)]
    assert {to_local(s.starts_at).time() for s in sessions} == {time(9, 0)}
    assert db.session.scalar(select(AuditEntry).where(AuditEntry.action == "schedule.generate"))


def test_editing_an_activity_is_audited_and_cannot_change_units_once_booked(make, now, staff):
    activity = make.activity()
    update_activity(activity, by=staff, now=now, title="新书法班", room="二楼")
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "activity.edit"))
    assert entry.before == {"title": "书法班", "room": "书画室"}
    assert entry.after == {"title": "新书法班", "room": "二楼"}
    _book(make.resident(), activity, now)
    with pytest.raises(ScheduleRefused):
        update_activity(activity, by=staff, now=now, capacity_unit="household")


# --- booking on behalf, links ------------------------------------------------------


def test_staff_book_and_cancel_on_behalf_say_who_and_how(make, now, staff):
    activity = make.activity(capacity=1)
    resident = make.resident()
    booking = on_behalf.book(
        resident.person,
        Target.of(activity, activity.sessions[0]),
        by=staff,
        channel=Channel.DESK,
        now=now,
    )
    assert booking.booked_by_id == staff.id and booking.channel == Channel.DESK
    on_behalf.cancel(booking, by=staff, now=now)
    assert booking.status == BookingStatus.CANCELLED
    kinds = db.session.scalars(
        select(Notice.kind).where(Notice.user_id == resident.id).order_by(Notice.id)
    ).all()
    assert kinds == ["booked_by_staff", "cancelled_by_staff"]
    actions = db.session.scalars(select(AuditEntry.action).order_by(AuditEntry.id)).all()
    assert actions == ["booking.on_behalf", "booking.cancel_on_behalf"]


def test_a_waiting_list_place_made_at_the_desk_is_told_as_waiting_not_as_booked(make, now, staff):
    """Wang Jianguo's family must not read "booked" while he is only on the waiting
    list: the notice says what the desk's page says."""
    activity = make.activity(capacity=1)
    _book(make.resident(), activity, now)
    resident = make.resident()
    booking = on_behalf.book(
        resident.person,
        Target.of(activity, activity.sessions[0]),
        by=staff,
        channel=Channel.DESK,
        now=now,
    )
    assert booking.status == BookingStatus.WAITLISTED
    (notice,) = db.session.scalars(select(Notice).where(Notice.user_id == resident.id))
    assert notice.kind == "waitlisted_by_staff"
    with current_app.test_request_context(headers={"Accept-Language": "zh-CN"}):
        from app.notice_texts import notice_text

        text = notice_text(notice)
    assert "候补" in text and "预约了" not in text


def _linked(make, now, staff, app):
    """A daughter in another household with a confirmed link to her mother (代办)."""
    daughter, mother = make.resident(age=45), make.resident(age=82)
    link = request_link(daughter, mother.person, by=staff, now=now)
    confirm_link(link, PIN, by=staff, now=now, settings=app.config)
    return daughter, mother


def test_the_elder_is_told_when_a_linked_helper_books_or_cancels_for_her(make, now, staff, app):
    daughter, mother = _linked(make, now, staff, app)
    activity = make.activity(capacity=1)
    booking = _book(daughter, activity, now, person=mother.person)
    full = make.activity(capacity=0, title="书法", start_in=timedelta(days=3))
    waiting = _book(daughter, full, now, person=mother.person)
    from app.services.booking.cancel import cancel_booking

    cancel_booking(booking, by=daughter, now=now)
    told = db.session.execute(
        select(Notice.kind, Notice.params).where(Notice.user_id == mother.id).order_by(Notice.id)
    ).all()
    assert [kind for kind, _ in told] == [
        "booked_by_helper",
        "waitlisted_by_helper",
        "cancelled_by_helper",
    ]
    assert all(params["actor"] == daughter.person.name for _, params in told)
    assert waiting.status == BookingStatus.WAITLISTED
    # The daughter's own household hears nothing of it, nor does anyone when a
    # person books for themself or their own household.
    assert db.session.scalar(select(func.count()).where(Notice.user_id == daughter.id)) == 0
    _book(mother, make.activity(title="合唱", start_in=timedelta(days=4)), now)
    assert db.session.scalar(select(func.count()).where(Notice.user_id == mother.id)) == 3


def test_a_link_grants_nothing_until_the_person_types_their_pin(make, now, staff, app):
    daughter = make.resident(age=45)
    mother = make.resident(age=82)
    activity = make.activity()
    link = request_link(daughter, mother.person, by=staff, now=now)
    assert not daughter.may_act_for(mother.person)
    with pytest.raises(NotAllowed):
        _book(daughter, activity, now, person=mother.person)
    with pytest.raises(LoginRefused):
        confirm_link(link, "000000", by=staff, now=now, settings=app.config)
    assert link.status == LinkStatus.PENDING
    confirm_link(link, PIN, by=staff, now=now, settings=app.config)
    assert link.status == LinkStatus.CONFIRMED
    booking = _book(daughter, activity, now, person=mother.person)
    assert booking.booked_by_id == daughter.id and booking.person_id == mother.person.id
    revoke_link(link, by=staff, now=now)
    assert not daughter.may_act_for(mother.person)


def test_a_link_needs_the_person_to_have_a_pin_and_is_not_asked_twice(make, now, staff):
    daughter = make.resident(age=45)
    grandpa = make.person(age=85)
    with pytest.raises(LinkRefused):
        request_link(daughter, grandpa, by=staff, now=now)
    mother = make.resident(age=80)
    request_link(daughter, mother.person, by=staff, now=now)
    with pytest.raises(LinkRefused):
        request_link(daughter, mother.person, by=staff, now=now)


# --- residents at the desk -------------------------------------------------------


def test_registering_a_household_with_an_account_and_tags(make, now, staff, app):
    household = register_household("王家", by=staff, now=now, tags=["独居", "高龄"])
    person = register_member(
        household,
        "王奶奶",
        by=staff,
        now=now,
        hash_method=app.config["PASSWORD_HASH_METHOD"],
        birth_date=date(1942, 5, 1),
        phone="138 0000 1111",
        pin="246810",
    )
    assert person.member_no.startswith("ZX") and person.user.phone == "13800001111"
    assert household.tag_names == ["独居", "高龄"]
    set_household_tags(household, ["独居", "低保"], by=staff, now=now)
    assert household.tag_names == ["低保", "独居"]
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "household.tags"))
    assert entry.before == {"tags": ["独居", "高龄"]} and entry.after == {"tags": ["低保", "独居"]}
    assert search_residents("13800001111") == [person]
    assert search_residents("王奶") == [person]
    assert search_residents(person.member_no) == [person]


def test_reset_pin_is_audited_without_the_pin(make, now, staff, app):
    resident = make.resident()
    reset_pin(resident, "975310", by=staff, now=now, hash_method=app.config["PASSWORD_HASH_METHOD"])
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "user.reset_pin"))
    assert "975310" not in str(entry.after) and "975310" not in str(entry.before)


# --- outbox and reminders -----------------------------------------------------------


def _booked_at_the_desk(make, staff, now, activity=None):
    """A resident booked at the desk: their confirmation notice is in the outbox."""
    activity = activity or make.activity()
    resident = make.resident()
    on_behalf.book(
        resident.person,
        Target.of(activity, activity.sessions[0]),
        by=staff,
        channel=Channel.DESK,
        now=now,
    )
    return resident


def test_every_notice_is_queued_and_sent_once(make, now, staff):
    resident = _booked_at_the_desk(make, staff, now)
    message = db.session.scalar(select(OutboxMessage))
    assert message.channel == "log" and message.address == resident.phone
    assert "书法班" in message.body and "中心" in message.body  # Chinese by default
    assert outbox.send_outbox(now) == 1
    assert message.status == OutboxStatus.SENT
    assert outbox.send_outbox(now) == 0


def test_sms_goes_through_the_configured_adapter(make, now, staff, app, monkeypatch):
    app.config["SMS_ADAPTER"] = "app.services.messaging.outbox:RecordingSmsAdapter"
    monkeypatch.setattr(outbox.RecordingSmsAdapter, "sent", [])
    resident = _booked_at_the_desk(make, staff, now)
    assert outbox.send_outbox(now) == 1
    assert outbox.RecordingSmsAdapter.sent[0][0] == resident.phone


class _BrokenAdapter:
    def send_sms(self, phone, body):
        raise OSError("gateway down")


def test_a_failing_sender_is_retried_then_given_up(make, now, staff, app, monkeypatch):
    app.config["SMS_ADAPTER"] = f"{__name__}:_BrokenAdapter"
    _booked_at_the_desk(make, staff, now)
    message = db.session.scalar(select(OutboxMessage))
    for _ in range(3):
        assert outbox.send_outbox(now) == 0
    assert message.status == OutboxStatus.FAILED and message.attempts == 3
    assert "gateway down" in message.last_error


def test_reminders_are_queued_for_tomorrow_once_per_booking(make, now):
    tomorrow = make.activity(start_in=timedelta(days=1))
    later = make.activity(title="合唱", start_in=timedelta(days=2))
    term = make.activity(title="舞蹈", series=True, sessions=3, start_in=timedelta(days=1, hours=3))
    user = make.resident()
    b1 = _book(user, tomorrow, now)
    _book(user, later, now)
    b3 = _book(user, term, now)
    assert messaging_reminders.queue_reminders(now) == 2
    assert messaging_reminders.queue_reminders(now) == 0
    reminded = set(db.session.scalars(select(Reminder.booking_id)))
    assert reminded == {b1.id, b3.id}
    assert _notices("reminder") == 2
    # A week later the term class is tomorrow again: a new reminder for that session.
    assert messaging_reminders.queue_reminders(now + timedelta(days=7)) == 1


def test_a_session_moved_after_its_reminder_is_reminded_again_for_the_new_day(make, now, staff):
    """A reminder sent for Tuesday must not stand in for the reminder of Thursday,
    where staff moved the class."""
    activity = make.activity(start_in=timedelta(days=1))
    user = make.resident()
    _book(user, activity, now)
    assert messaging_reminders.queue_reminders(now) == 1
    session = activity.sessions[0]
    move_session(
        session,
        starts_at=session.starts_at + timedelta(days=2),
        ends_at=session.ends_at + timedelta(days=2),
        room=None,
        by=staff,
        now=now,
    )
    assert messaging_reminders.queue_reminders(now) == 0  # not tomorrow any more
    assert messaging_reminders.queue_reminders(now + timedelta(days=2)) == 1
    assert messaging_reminders.queue_reminders(now + timedelta(days=2)) == 0  # once
    assert _notices("reminder") == 2


def test_the_notice_of_a_called_off_session_gives_staff_s_reason(make, now, staff):
    activity = make.activity(start_in=timedelta(days=1))
    user = make.resident()
    _book(user, activity, now)
    cancel_session(activity.sessions[0], by=staff, now=now, reason="老师生病")
    notice = db.session.scalar(select(Notice).where(Notice.kind == "session_cancelled"))
    from app.notice_texts import notice_text

    with current_app.test_request_context(headers={"Accept-Language": "zh-CN"}):
        assert "老师生病" in notice_text(notice)
    assert activity.sessions[0].cancel_reason == "老师生病"


def test_run_jobs_registers_the_desk_jobs(runner):
    result = runner.invoke(args=["run-jobs"])
    assert result.exit_code == 0, result.output
    for name in ("expire-offers", "send-outbox", "queue-reminders"):
        assert f"{name}: 0" in result.output


class _BookingWhileSendingAdapter:
    """While the 'gateway' answers, someone else writes to the database."""

    written: list[bool] = []
    written_meanwhile: list[bool] = []

    def send_sms(self, phone, body):
        app = current_app._get_current_object()

        def write():
            with app.app_context():
                db.session.execute(text("UPDATE activity SET taken = taken WHERE id = 0"))
                db.session.commit()
                db.session.remove()
            self.written.append(True)

        thread = threading.Thread(target=write)
        thread.start()
        thread.join(5)
        self.written_meanwhile.append(bool(self.written))


def test_sending_a_message_does_not_keep_others_from_writing(make, now, staff, app, monkeypatch):
    app.config["SMS_ADAPTER"] = f"{__name__}:_BookingWhileSendingAdapter"
    monkeypatch.setattr(_BookingWhileSendingAdapter, "written", [])
    monkeypatch.setattr(_BookingWhileSendingAdapter, "written_meanwhile", [])
    _booked_at_the_desk(make, staff, now)
    assert outbox.send_outbox(now) == 1
    # On SQLite an open write transaction would have held the whole database.
    assert _BookingWhileSendingAdapter.written_meanwhile == [True]


def test_a_claim_left_by_a_run_that_died_goes_back_to_the_queue(make, now, staff):
    activity = make.activity()
    for _ in range(2):
        _booked_at_the_desk(make, staff, now, activity)
    stale, recent = db.session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)).all()
    for message, age in ((stale, timedelta(minutes=11)), (recent, timedelta(minutes=2))):
        message.status, message.attempts, message.claimed_at = OutboxStatus.SENDING, 1, now - age
    db.session.commit()
    assert outbox.send_outbox(now) == 1
    assert stale.status == OutboxStatus.SENT and stale.attempts == 2
    assert recent.status == OutboxStatus.SENDING  # perhaps still being sent by another run
