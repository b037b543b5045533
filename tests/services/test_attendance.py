"""Attendance rules, called directly: rosters, marking, walk-ins, kiosk check-in,
leave, no-shows, suspensions, the welfare call list and volunteer hours."""

from datetime import date, timedelta

import pytest
from sqlalchemy import select

from app.extensions import db
from app.jobs import run_all
from app.models import (
    Attendance,
    AttendanceChange,
    Audience,
    Booking,
    BookingStatus,
    Channel,
    Notice,
    Role,
    Suspension,
    WelfareCall,
)
from app.services.attendance import kiosk as attendance_kiosk
from app.services.attendance import leave as attendance_leave
from app.services.attendance import marking as attendance_marking
from app.services.attendance import roster, walk_ins
from app.services.booking.book import book
from app.services.booking.targets import Target
from app.services.refusals import (
    AlreadyBooked,
    Full,
    NotAllowed,
    NotOnRoster,
    OutsideTime,
    Suspended,
)
from app.services.volunteering import helpers
from app.services.volunteering import hours as volunteering_hours
from app.services.welfare import calls
from app.services.welfare import no_shows as welfare_no_shows
from tests.conftest import assert_seat_invariant

HOUR = timedelta(hours=1)


def _history(attendance):
    """Every recorded change of one attendance mark, oldest first."""
    return list(
        db.session.scalars(
            select(AttendanceChange)
            .where(AttendanceChange.attendance_id == attendance.id)
            .order_by(AttendanceChange.changed_at, AttendanceChange.id)
        )
    )


DAY = timedelta(days=1)


def _book(user, activity, when, person=None, session=None):
    person = person or user.person
    if session is None and not activity.is_series:
        session = activity.sessions[0]
    return book(person, Target.of(activity, session), by=user, channel=Channel.PHONE, now=when)


@pytest.fixture
def teacher(make):
    return make.user(role=Role.TEACHER, age=45)


@pytest.fixture
def staff(make):
    return make.user(role=Role.STAFF, age=40)


def _past_class(make, teacher, now, people, **kw):
    """A session that ended yesterday, booked (ten days before) by `people`."""
    activity = make.activity(start_in=-DAY, teacher_id=teacher.id, **kw)
    for user in people:
        _book(user, activity, now - 10 * DAY)
    return activity


# --- rosters and access --------------------------------------------------------


def test_only_the_teacher_of_the_class_and_staff_may_take_the_roll(make, now, teacher, staff):
    activity = make.activity(start_in=HOUR, teacher_id=teacher.id)
    session = activity.sessions[0]
    other_teacher = make.user(role=Role.TEACHER, age=50)
    resident = make.resident()
    _book(resident, activity, now)
    assert roster.may_take_roster(teacher, session) and roster.may_take_roster(staff, session)
    for outsider in (other_teacher, resident):
        assert not roster.may_take_roster(outsider, session)
        with pytest.raises(NotAllowed):
            attendance_marking.mark_attendance(
                session, resident.person, "present", by=outsider, now=now
            )


def test_term_roster_lists_the_enrolled_and_shows_leave_as_excused(make, now, teacher):
    activity = make.activity(series=True, sessions=3, start_in=2 * HOUR, teacher_id=teacher.id)
    ann, bob = make.resident(), make.resident()
    ann_booking = _book(ann, activity, now)
    _book(bob, activity, now)
    first, second = activity.sessions[0], activity.sessions[1]
    attendance_leave.take_leave(ann_booking, second, by=ann, now=now)
    first_lines = {line.person.id: line.status for line in roster.roster(first)}
    second_lines = {line.person.id: line.status for line in roster.roster(second)}
    assert first_lines == {ann.person.id: None, bob.person.id: None}
    assert second_lines == {ann.person.id: "excused", bob.person.id: None}


def test_children_notes_and_guardian_phone_are_on_the_roster(make, now, teacher):
    parent = make.resident(age=38)
    child = make.person(household=parent.person.household, age=8, care_notes="花生过敏")
    activity = make.activity(start_in=HOUR, teacher_id=teacher.id)
    _book(parent, activity, now, person=child)
    (line,) = roster.roster(activity.sessions[0], viewer=teacher)
    assert line.is_child and line.care_notes == "花生过敏"
    assert line.guardian_phones == [parent.phone]
    # Without a viewer (jobs, the kiosk) no line carries a child's notes or phones.
    (line,) = roster.roster(activity.sessions[0])
    assert line.care_notes is None and line.guardian_phones == []


# --- marking -------------------------------------------------------------------


def test_marking_keeps_who_changed_what_and_when(make, now, teacher, staff):
    activity = make.activity(start_in=HOUR, teacher_id=teacher.id)
    resident = make.resident()
    _book(resident, activity, now)
    session = activity.sessions[0]
    mark = attendance_marking.mark_attendance(session, resident.person, "late", by=teacher, now=now)
    assert mark.checked_in_at == now
    later = now + 10 * timedelta(minutes=1)
    attendance_marking.mark_attendance(session, resident.person, "present", by=staff, now=later)
    attendance_marking.mark_attendance(
        session, resident.person, "present", by=staff, now=later
    )  # no change
    history = _history(mark)
    assert [(c.from_status, c.to_status, c.changed_by_id, c.changed_at) for c in history] == [
        (None, "late", teacher.id, now),
        ("late", "present", staff.id, later),
    ]


def test_teacher_corrects_for_seven_days_staff_any_time(make, now, teacher, staff, app):
    resident = make.resident()
    activity = _past_class(make, teacher, now, [resident])
    session = activity.sessions[0]
    in_window = session.ends_at + 7 * DAY - HOUR
    attendance_marking.mark_attendance(
        session, resident.person, "present", by=teacher, now=in_window
    )
    too_late = session.ends_at + 7 * DAY + HOUR
    with pytest.raises(OutsideTime):
        attendance_marking.mark_attendance(
            session, resident.person, "absent", by=teacher, now=too_late
        )
    attendance_marking.mark_attendance(
        session, resident.person, "absent", by=staff, now=too_late + 30 * DAY
    )
    app.config["ATTENDANCE_CORRECTION_DAYS"] = 30
    attendance_marking.mark_attendance(session, resident.person, "late", by=teacher, now=too_late)


def test_someone_not_on_the_roster_cannot_be_marked(make, now, teacher):
    activity = make.activity(start_in=HOUR, teacher_id=teacher.id)
    stranger = make.resident()
    with pytest.raises(NotOnRoster):
        attendance_marking.mark_attendance(
            activity.sessions[0], stranger.person, "present", by=teacher, now=now
        )


def test_everyone_present_marks_only_the_unmarked(make, now, teacher):
    activity = make.activity(series=True, sessions=2, start_in=HOUR, teacher_id=teacher.id)
    users = [make.resident() for _ in range(3)]
    bookings = [_book(u, activity, now) for u in users]
    session = activity.sessions[0]
    attendance_leave.take_leave(bookings[0], session, by=users[0], now=now)
    attendance_marking.mark_attendance(session, users[1].person, "late", by=teacher, now=now)
    assert attendance_marking.mark_all_present(session, by=teacher, now=now) == 1
    statuses = {line.person.id: line.status for line in roster.roster(session)}
    assert statuses == {
        users[0].person.id: "excused",
        users[1].person.id: "late",
        users[2].person.id: "present",
    }


def test_walk_ins_count_without_taking_a_seat(make, now, teacher):
    activity = make.activity(start_in=HOUR, teacher_id=teacher.id, capacity=1)
    booked = make.resident()
    _book(booked, activity, now)
    regular = make.person(name="王阿姨", phone="13800001111")
    session = activity.sessions[0]
    (by_phone,) = walk_ins.find_walk_ins(session, "138 0000 1111", by=teacher, now=now)
    (by_name,) = walk_ins.find_walk_ins(session, "王阿", by=teacher, now=now)
    assert by_phone == by_name and by_name.person_id == regular.id
    assert by_name.name == "王阿姨" and by_name.phone_tail == "1111"
    walk_ins.add_walk_in(session, regular, by=teacher, now=now)
    newcomer = walk_ins.register_walk_in(session, "李大爷", "13900002222", by=teacher, now=now)
    lines = roster.roster(session)
    assert [line.person.name for line in lines if line.is_walk_in] == ["李大爷", "王阿姨"]
    assert newcomer.person.phone == "13900002222" and newcomer.status == "present"
    assert session.taken == 1
    assert_seat_invariant()


# --- the kiosk -----------------------------------------------------------------


def test_kiosk_check_in_records_the_time_and_twice_is_harmless(make, now):
    activity = make.activity(start_in=30 * timedelta(minutes=1))
    resident = make.resident()
    _book(resident, activity, now)
    session = activity.sessions[0]
    first = attendance_kiosk.kiosk_check_in(resident.person, session, by=resident, now=now)
    assert first.attendance.status == "present" and first.attendance.checked_in_at == now
    again = attendance_kiosk.kiosk_check_in(
        resident.person, session, by=resident, now=now + HOUR / 4
    )
    assert again.already and again.attendance.checked_in_at == now
    assert [c.to_status for c in _history(first.attendance)] == ["present"]


def test_kiosk_cannot_check_in_another_household_even_for_staff(make, now, staff):
    activity = make.activity(start_in=HOUR / 2)
    neighbour = make.resident()
    _book(neighbour, activity, now)
    other = make.resident()
    for kiosk_user in (other, staff):
        with pytest.raises(NotAllowed):
            attendance_kiosk.kiosk_check_in(
                neighbour.person, activity.sessions[0], by=kiosk_user, now=now
            )
    assert roster.roster(activity.sessions[0])[0].attendance is None


def test_kiosk_check_in_only_around_the_session(make, now):
    activity = make.activity(start_in=3 * HOUR)
    resident = make.resident()
    _book(resident, activity, now)
    with pytest.raises(OutsideTime):
        attendance_kiosk.kiosk_check_in(resident.person, activity.sessions[0], by=resident, now=now)


def test_kiosk_drop_in_books_a_free_seat_and_checks_in(make, now):
    activity = make.activity(start_in=HOUR / 2, capacity=1)
    walker, late = make.resident(), make.resident()
    result = attendance_kiosk.kiosk_check_in(
        walker.person, activity.sessions[0], by=walker, now=now
    )
    booking = db.session.get(Booking, result.attendance.booking_id)
    assert result.dropped_in and booking.channel == Channel.KIOSK
    assert activity.sessions[0].taken == 1
    with pytest.raises(Full):
        attendance_kiosk.kiosk_check_in(late.person, activity.sessions[0], by=late, now=now)
    assert_seat_invariant()


def test_the_kiosk_offers_drop_ins_only_in_classes_the_person_may_join(make, now):
    make.activity(title="太极扇", start_in=HOUR, audience=Audience.ELDER)
    make.activity(title="四点半课堂", start_in=HOUR, audience=Audience.CHILD, max_age=12)
    elder = make.resident(age=80)
    _, drop_ins = attendance_kiosk.kiosk_today(elder, now)
    assert [e.session.activity.title for e in drop_ins] == ["太极扇"]


# --- leave (请假) ----------------------------------------------------------------


def test_leave_on_a_single_session_frees_the_seat_and_promotes_in_order(make, now):
    activity = make.activity(capacity=1)
    holder, first, second = make.resident(), make.resident(), make.resident()
    booking = _book(holder, activity, now)
    waiting = [_book(u, activity, now) for u in (first, second)]
    attendance_leave.take_leave(booking, activity.sessions[0], by=holder, now=now)
    assert booking.status == BookingStatus.CANCELLED
    assert [b.status for b in waiting] == ["confirmed", "waitlisted"]
    lines = {line.person.id: line.status for line in roster.roster(activity.sessions[0])}
    assert lines == {holder.person.id: "excused", first.person.id: None}
    assert_seat_invariant()


def test_leave_on_a_term_class_frees_exactly_one_seat_on_exactly_that_date(make, now):
    activity = make.activity(series=True, sessions=2, capacity=2, start_in=HOUR / 2)
    enrolled = [make.resident() for _ in range(2)]
    bookings = [_book(u, activity, now) for u in enrolled]
    today, next_week = activity.sessions
    drop_a, drop_b = make.resident(), make.resident()
    with pytest.raises(Full):
        attendance_kiosk.drop_in(drop_a.person, today, by=drop_a, now=now)
    attendance_leave.take_leave(bookings[0], today, by=enrolled[0], now=now)
    assert Target(activity, today).seats_left() == 1
    assert Target(activity, next_week).seats_left() == 0
    attendance_kiosk.drop_in(drop_a.person, today, by=drop_a, now=now)
    with pytest.raises(Full):
        attendance_kiosk.drop_in(drop_b.person, today, by=drop_b, now=now)
    with pytest.raises(Full):
        attendance_kiosk.drop_in(drop_b.person, next_week, by=drop_b, now=now)
    assert activity.taken == 2 and bookings[0].status == BookingStatus.CONFIRMED
    assert_seat_invariant()


def test_term_leave_promotes_one_time_waitlisters_for_that_date_in_order(make, now):
    activity = make.activity(series=True, sessions=2, capacity=1, start_in=DAY)
    member = make.resident()
    enrolment = _book(member, activity, now)
    day = activity.sessions[1]
    first, second = make.resident(), make.resident()
    queue = [
        book(u.person, Target(activity, day), by=u, channel=Channel.PHONE, now=now)
        for u in (first, second)
    ]
    assert [b.status for b in queue] == ["waitlisted", "waitlisted"]
    attendance_leave.take_leave(enrolment, day, by=member, now=now)
    db.session.expire_all()
    assert [b.status for b in queue] == ["confirmed", "waitlisted"]
    assert day.taken == 1
    assert_seat_invariant()


def test_leave_twice_or_after_the_start_is_refused(make, now):
    activity = make.activity(series=True, sessions=2, start_in=-HOUR / 2, duration=2 * HOUR)
    member = make.resident()
    booking = _book(member, activity, now - DAY)
    started, coming = activity.sessions
    with pytest.raises(OutsideTime):
        attendance_leave.take_leave(booking, started, by=member, now=now)
    attendance_leave.take_leave(booking, coming, by=member, now=now)
    with pytest.raises(AlreadyBooked):
        attendance_leave.take_leave(booking, coming, by=member, now=now)
    stranger = make.resident()
    with pytest.raises(NotAllowed):
        attendance_leave.take_leave(booking, coming, by=stranger, now=now)


# --- no-shows ----------------------------------------------------------------------


def test_no_shows_are_marked_after_the_grace_period_only_once(make, now, teacher, app):
    came, missed, excused = make.resident(), make.resident(), make.resident()
    activity = make.activity(series=True, sessions=2, start_in=-3 * HOUR, teacher_id=teacher.id)
    bookings = [_book(u, activity, now - DAY) for u in (came, missed, excused)]
    session = activity.sessions[0]  # ended at now - 90 min
    attendance_leave.take_leave(bookings[2], session, by=excused, now=now - DAY)
    attendance_marking.mark_attendance(
        session, came.person, "present", by=teacher, now=session.starts_at
    )
    app.config["NO_SHOW_GRACE_MINUTES"] = 120
    assert welfare_no_shows.mark_no_shows(now) == []
    app.config["NO_SHOW_GRACE_MINUTES"] = 60
    (marked,) = welfare_no_shows.mark_no_shows(now)
    assert marked.person_id == missed.person.id and marked.status == "absent"
    assert marked.marked_by_id is None
    assert welfare_no_shows.mark_no_shows(now + HOUR) == []
    statuses = {line.person.id: line.status for line in roster.roster(session)}
    assert statuses == {
        came.person.id: "present",
        missed.person.id: "absent",
        excused.person.id: "excused",
    }


def test_a_session_in_the_early_local_morning_goes_on_that_local_days_call_list(make, now):
    # 07:00–08:00 in Shanghai on 23 Nov is 23:00–24:00 UTC on 22 Nov.
    elder = make.resident(age=70, household=make.household(tags=("独居",)))
    activity = make.activity(start_in=-3 * HOUR, duration=HOUR)
    _book(elder, activity, now - DAY)
    run_all(now)
    (call,) = db.session.scalars(db.select(WelfareCall)).all()
    assert call.call_date == date(2026, 11, 23)
    assert [e.person.id for e in calls.welfare_call_list(date(2026, 11, 23))] == [elder.person.id]
    assert calls.welfare_call_list(date(2026, 11, 22)) == []


def test_run_jobs_is_idempotent(make, now, teacher):
    users = [make.resident() for _ in range(2)]
    _past_class(make, teacher, now, users)
    first = run_all(now)
    assert first["no_shows"] == 2
    assert run_all(now)["no_shows"] == 0
    assert run_all(now + HOUR)["no_shows"] == 0


# --- suspension ----------------------------------------------------------------------


def _miss(make, now, user, days_ago):
    activity = make.activity(start_in=-days_ago * DAY)
    _book(user, activity, now - (days_ago + 5) * DAY)
    return activity


def test_three_no_shows_in_sixty_days_pause_online_booking(make, now, staff, en):
    resident = make.resident()
    for days_ago in (50, 20, 3):
        _miss(make, now, resident, days_ago)
    run_all(now)
    suspension = db.session.scalar(db.select(Suspension))
    assert suspension.person_id == resident.person.id and suspension.strikes == 3
    assert suspension.ends_at == now + 14 * DAY
    notice = db.session.scalar(db.select(Notice).where(Notice.kind == "suspended"))
    assert notice.user_id == resident.id
    future = make.activity(start_in=3 * DAY)
    with pytest.raises(Suspended) as refusal:
        _book(resident, future, now)
    assert "paused until" in str(refusal.value) and "3" in str(refusal.value)
    # The desk can still book for them; then staff lift the pause.
    _book(staff, future, now, person=resident.person)
    welfare_no_shows.lift_suspension(suspension, by=staff, now=now, reason="生病住院")
    second = make.activity(start_in=4 * DAY, title="合唱团")
    _book(resident, second, now)
    # The strikes already counted do not pause them again.
    run_all(now + HOUR)
    assert db.session.scalar(db.select(db.func.count(Suspension.id))) == 1


def test_strikes_older_than_the_window_no_longer_count(make, now):
    resident = make.resident()
    for days_ago in (75, 20, 3):
        _miss(make, now, resident, days_ago)
    run_all(now)
    assert welfare_no_shows.strikes(resident.person, now) == 2
    assert db.session.scalar(db.select(Suspension)) is None


def test_only_staff_lift_a_pause(make, now):
    resident = make.resident()
    suspension = Suspension(
        person_id=resident.person.id, starts_at=now, ends_at=now + DAY, strikes=3
    )
    db.session.add(suspension)
    db.session.flush()
    with pytest.raises(NotAllowed):
        welfare_no_shows.lift_suspension(suspension, by=resident, now=now)


# --- the welfare call list -----------------------------------------------------------------


def test_vulnerable_no_shows_go_on_the_call_list_until_called(make, now, teacher, staff):
    alone = make.resident(age=72, household=make.household(tags=("独居",)))
    old = make.resident(age=84)
    fine = make.resident(age=66)
    on_leave = make.resident(age=90)
    activity = _past_class(make, teacher, now, [alone, old, fine])
    series = make.activity(series=True, sessions=1, start_in=-DAY)
    leave_booking = _book(on_leave, series, now - 10 * DAY)
    attendance_leave.take_leave(leave_booking, series.sessions[0], by=on_leave, now=now - 5 * DAY)
    run_all(now)
    day = date(2026, 11, 22)
    entries = calls.welfare_call_list(day)
    assert {e.person.id for e in entries} == {alone.person.id, old.person.id}
    entry = next(e for e in entries if e.person.id == alone.person.id)
    assert alone.phone in entry.phones and entry.session.id == activity.sessions[0].id
    # Still open on the next day's list until done.
    assert len(calls.welfare_call_list(day + DAY)) == 2
    calls.complete_call(entry.call, by=staff, now=now, note="在家，身体不适")
    assert len(calls.welfare_call_list(day + DAY)) == 1
    assert entry.call.note == "在家，身体不适" and entry.call.done_by_id == staff.id
    # A corrected mark (they did come) takes the other one off the list.
    attendance_marking.mark_attendance(
        activity.sessions[0], old.person, "present", by=teacher, now=now
    )
    assert calls.welfare_call_list(day + DAY) == []


# --- volunteer hours ------------------------------------------------------------------------


def _came(make, session, status="present"):
    """Someone was marked on `session` (a history row, as the roll leaves it)."""
    person = make.resident().person
    db.session.add(
        Attendance(session_id=session.id, person_id=person.id, status=status, marked_at=make.now)
    )
    db.session.flush()


def test_volunteer_hours_count_sessions_run_this_month_and_in_total(make, now, teacher):
    term = make.activity(
        start_in=-30 * DAY, sessions=3, every=timedelta(days=7), teacher_id=teacher.id
    )  # 24 Oct, 31 Oct and 7 Nov, 90 minutes each
    choir = make.activity(start_in=-DAY, duration=2 * HOUR, teacher_id=teacher.id, title="合唱团")
    future = make.activity(start_in=DAY, teacher_id=teacher.id, title="未来")  # not yet run
    for session in (*term.sessions, *choir.sessions, *future.sessions):
        _came(make, session)
    (hours,) = volunteering_hours.volunteer_hours(now, teacher)
    assert hours.sessions == 4
    assert hours.total_minutes == 3 * 90 + 120
    assert hours.month_minutes == 90 + 120  # 7 Nov and 22 Nov
    assert (hours.month_hours, hours.total_hours) == (3.5, 6.5)


def test_a_session_nobody_came_to_earns_no_volunteer_hours(make, now, teacher):
    """An empty room is no service given: the teacher is credited for the class
    someone came to (late counts as came), not for the one where everyone was
    absent or excused, nor for the one nobody was marked at — on the hours page
    and in the service report alike."""
    attended = make.activity(start_in=-2 * DAY, teacher_id=teacher.id, title="书法")
    everyone_away = make.activity(start_in=-3 * DAY, teacher_id=teacher.id, title="舞蹈")
    unmarked = make.activity(start_in=-4 * DAY, teacher_id=teacher.id, title="合唱")
    _came(make, attended.sessions[0], "late")
    _came(make, everyone_away.sessions[0], "absent")
    _came(make, everyone_away.sessions[0], "excused")
    (hours,) = volunteering_hours.volunteer_hours(now, teacher)
    assert (hours.sessions, hours.total_minutes) == (1, 90)
    assert [h.sessions for h in volunteering_hours.volunteer_hours(now)] == [1]
    assert unmarked.sessions[0].id  # held, scheduled, ended: still no hours


def test_a_new_term_enrolment_cannot_push_a_date_with_drop_ins_over_capacity(make, now):
    activity = make.activity(series=True, sessions=2, capacity=2, start_in=DAY)
    member = make.resident()
    _book(member, activity, now)
    day = activity.sessions[1]
    dropper, joiner = make.resident(), make.resident()
    # The term has one unsold seat; a drop-in takes it on the second date.
    attendance_kiosk.drop_in(dropper.person, day, by=dropper, now=now)
    late = _book(joiner, activity, now)
    assert late.status == BookingStatus.WAITLISTED
    assert activity.taken == 1
    assert_seat_invariant()


def test_helpers_earn_hours_for_the_sessions_they_helped_with(make, now, teacher):
    volunteer = make.resident(age=21)  # a university student who helps on Tuesdays
    stranger_teacher = make.user(role=Role.TEACHER, age=50)
    held = make.activity(start_in=-DAY, teacher_id=teacher.id, duration=timedelta(minutes=90))
    coming = make.activity(start_in=DAY, teacher_id=teacher.id)
    _came(make, held.sessions[0])
    helpers.add_helper(held.sessions[0], volunteer.phone, by=teacher, now=now)
    helpers.add_helper(held.sessions[0], volunteer.phone, by=teacher, now=now)  # twice: once
    helpers.add_helper(coming.sessions[0], volunteer.phone, by=teacher, now=now)  # not yet held
    helpers.add_helper(held.sessions[0], teacher.phone, by=teacher, now=now)  # counted once
    with pytest.raises(NotAllowed):
        helpers.add_helper(held.sessions[0], volunteer.phone, by=stranger_teacher, now=now)
    (hours,) = volunteering_hours.volunteer_hours(now, volunteer)
    assert (hours.sessions, hours.total_hours) == (1, 1.5)
    (teacher_hours,) = volunteering_hours.volunteer_hours(now, teacher)
    assert teacher_hours.sessions == 1
    everyone = {h.user.id: h.sessions for h in volunteering_hours.volunteer_hours(now)}
    assert everyone == {teacher.id: 1, volunteer.id: 1}
