"""The roll, the kiosk, leave from My bookings and the staff's welfare pages,
through the client: status codes, both renderings, refusals and ownership."""

from datetime import timedelta

import pytest

from app.extensions import db
from app.models import (
    Attendance,
    Booking,
    BookingStatus,
    Channel,
    Leave,
    Role,
    SessionHelper,
    Suspension,
    WelfareCall,
)
from app.services.attendance import roster as attendance_roster
from app.services.booking.book import book
from app.services.booking.targets import Target

HOUR = timedelta(hours=1)
DAY = timedelta(days=1)
HX = {"HX-Request": "true"}


def _book(user, activity, when, person=None):
    session = None if activity.is_series else activity.sessions[0]
    return book(
        person or user.person,
        Target.of(activity, session),
        by=user,
        channel=Channel.PHONE,
        now=when,
    )


def _book_on_page(client, person, activity):
    """The logged-in resident books `person` on the first session from My bookings."""
    return client.post(
        "/me/bookings",
        data={
            "person_id": person.id,
            "activity_id": activity.id,
            "session_id": activity.sessions[0].id,
        },
    )


@pytest.fixture
def teacher(make):
    return make.user(role=Role.TEACHER, age=45)


@pytest.fixture
def staff(make):
    return make.user(role=Role.STAFF, age=40)


@pytest.fixture
def lesson(make, now, teacher):
    """A class starting in an hour, taught by `teacher`, with one elder and one
    child (with care notes) booked."""
    activity = make.activity(title="书法班", start_in=HOUR, teacher_id=teacher.id)
    elder = make.resident()
    parent = make.resident(age=38)
    child = make.person(household=parent.person.household, age=9, care_notes="花生过敏")
    _book(elder, activity, now)
    _book(parent, activity, now, person=child)
    db.session.commit()
    return {"session": activity.sessions[0], "elder": elder, "child": child, "parent": parent}


# --- the roll -----------------------------------------------------------------------


def test_teacher_sees_today_and_their_roster_with_childrens_notes(
    client, auth, teacher, lesson, make
):
    make.activity(title="别人的课", start_in=HOUR)
    db.session.commit()
    auth.login(teacher)
    today = client.get("/teach/")
    assert today.status_code == 200
    page = today.get_data(as_text=True)
    assert "书法班" in page and "别人的课" not in page
    roster = client.get(f"/teach/sessions/{lesson['session'].id}")
    text = roster.get_data(as_text=True)
    assert roster.status_code == 200
    assert lesson["elder"].person.name in text and "花生过敏" in text
    assert lesson["parent"].phone in text


def test_another_teacher_and_residents_cannot_open_a_roster(client, auth, make, lesson):
    other = make.user(role=Role.TEACHER, age=50)
    db.session.commit()
    auth.login(other)
    response = client.get(f"/teach/sessions/{lesson['session'].id}")
    assert response.status_code == 403 and "花生过敏" not in response.get_data(as_text=True)
    mark = client.post(
        f"/teach/sessions/{lesson['session'].id}/marks/{lesson['elder'].person.id}",
        data={"status": "present"},
    )
    assert mark.status_code == 403
    auth.logout()
    auth.login(lesson["parent"])
    assert client.get(f"/teach/sessions/{lesson['session'].id}").status_code == 403
    assert db.session.scalar(db.select(Attendance)) is None


def test_staff_open_any_roster(client, auth, staff, lesson):
    auth.login(staff)
    response = client.get(f"/teach/sessions/{lesson['session'].id}")
    assert response.status_code == 200 and "花生过敏" in response.get_data(as_text=True)


def test_one_tap_mark_with_htmx_returns_the_line(client, auth, teacher, lesson):
    auth.login(teacher)
    session, elder = lesson["session"], lesson["elder"].person
    url = f"/teach/sessions/{session.id}/marks/{elder.id}"
    response = client.post(url, data={"status": "late"}, headers=HX)
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert f'id="roll-{elder.id}"' in html and "<html" not in html
    assert 'value="late" class="toggle toggle-late" aria-pressed="true"' in html
    assert attendance_roster.roster_line(session, elder).status == "late"


def test_plain_mark_redirects_back_to_the_roster(client, auth, teacher, lesson):
    auth.login(teacher)
    session, elder = lesson["session"], lesson["elder"].person
    response = client.post(
        f"/teach/sessions/{session.id}/marks/{elder.id}", data={"status": "absent"}
    )
    assert response.status_code == 303
    assert response.headers["Location"].endswith(f"/teach/sessions/{session.id}")
    assert attendance_roster.roster_line(session, elder).status == "absent"


def test_bad_mark_is_refused_without_a_change(client, auth, teacher, lesson, make):
    auth.login(teacher)
    session = lesson["session"]
    url = f"/teach/sessions/{session.id}/marks/{lesson['elder'].person.id}"
    assert client.post(url, data={"status": "asleep"}).status_code == 422
    stranger = make.resident()
    db.session.commit()
    refused = client.post(
        f"/teach/sessions/{session.id}/marks/{stranger.person.id}",
        data={"status": "present"},
        headers=HX,
    )
    assert refused.status_code == 404
    assert db.session.scalar(db.select(Attendance)) is None


def test_teacher_correction_after_seven_days_is_refused_with_a_message(
    client, auth, teacher, make, now
):
    resident = make.resident()
    activity = make.activity(start_in=-8 * DAY, teacher_id=teacher.id)
    _book(resident, activity, now - 10 * DAY)
    db.session.commit()
    auth.login(teacher)
    response = client.post(
        f"/teach/sessions/{activity.sessions[0].id}/marks/{resident.person.id}",
        data={"status": "present"},
    )
    assert response.status_code == 409
    assert "请找工作人员更正" in response.get_data(as_text=True)
    assert db.session.scalar(db.select(Attendance)) is None


def test_mark_everyone_present(client, auth, teacher, lesson):
    auth.login(teacher)
    session = lesson["session"]
    response = client.post(f"/teach/sessions/{session.id}/all-present", headers=HX)
    assert response.status_code == 200 and 'id="roll"' in response.get_data(as_text=True)
    assert {line.status for line in attendance_roster.roster(session)} == {"present"}


def test_walk_in_found_by_phone_and_a_new_one(client, auth, teacher, lesson, make):
    regular = make.person(name="王阿姨", phone="13800001111")
    db.session.commit()
    auth.login(teacher)
    session = lesson["session"]
    found = client.get(f"/teach/sessions/{session.id}?q=13800001111")
    assert "王阿姨" in found.get_data(as_text=True)
    added = client.post(f"/teach/sessions/{session.id}/walk-ins", data={"person_id": regular.id})
    assert added.status_code == 303
    new = client.post(
        f"/teach/sessions/{session.id}/walk-ins/new",
        data={"name": "李大爷", "phone": "139 0000 2222"},
    )
    assert new.status_code == 303
    walk_ins = {line.person.name for line in attendance_roster.roster(session) if line.is_walk_in}
    assert walk_ins == {"王阿姨", "李大爷"}
    nameless = client.post(f"/teach/sessions/{session.id}/walk-ins/new", data={"name": ""})
    assert nameless.status_code == 422
    # The error sits beside the name field and is tied to it for screen readers.
    assert 'aria-describedby="name-error" aria-invalid="true"' in nameless.text
    assert 'id="name-error" role="alert"' in nameless.text


def test_printable_sign_in_sheet_has_names_and_empty_lines(client, auth, teacher, lesson):
    auth.login(teacher)
    response = client.get(f"/teach/sessions/{lesson['session'].id}/sheet")
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and "print-sheet" in html
    assert lesson["elder"].person.name in html and lesson["child"].name in html
    assert html.count('<td class="sign"></td>') == 2 + 8


def _someone_came(make, activity):
    """A resident was marked present at the activity's first session: volunteer
    hours count only sessions someone came to."""
    from app.models import Attendance

    db.session.add(
        Attendance(
            session_id=activity.sessions[0].id,
            person_id=make.resident().person.id,
            status="present",
            marked_at=make.now,
        )
    )


def test_teacher_sees_their_hours(client, auth, teacher, make):
    _someone_came(make, make.activity(start_in=-DAY, duration=2 * HOUR, teacher_id=teacher.id))
    make.activity(start_in=-2 * DAY, duration=HOUR, teacher_id=teacher.id)  # nobody came
    db.session.commit()
    auth.login(teacher)
    response = client.get("/teach/hours")
    assert response.status_code == 200 and "2.0 小时" in response.get_data(as_text=True)


# --- the kiosk -----------------------------------------------------------------------


def _kiosk_login(client, who, pin="123456"):
    return client.post("/kiosk/login", data={"who": who, "pin": pin})


def test_kiosk_login_by_phone_or_member_number(client, lesson):
    elder = lesson["elder"]
    assert _kiosk_login(client, elder.phone).status_code == 303
    page = client.get("/kiosk/")
    assert page.status_code == 200 and "书法班" in page.get_data(as_text=True)
    assert 'class="kiosk"' in page.get_data(as_text=True)
    client.post("/kiosk/done")
    assert _kiosk_login(client, elder.person.member_no.lower()).status_code == 303
    # A wrong PIN: back to the login page by a redirect, which says so with its 401.
    assert _kiosk_login(client, elder.phone, "000000").status_code == 303
    assert client.get("/kiosk/login").status_code == 401


def test_kiosk_check_in_plain_and_htmx_twice(client, lesson):
    elder = lesson["elder"]
    session = lesson["session"]
    _kiosk_login(client, elder.phone)
    first = client.post(
        f"/kiosk/sessions/{session.id}/check-in", data={"person_id": elder.person.id}
    )
    assert first.status_code == 303
    again = client.post(
        f"/kiosk/sessions/{session.id}/check-in",
        data={"person_id": elder.person.id},
        headers=HX,
    )
    assert again.status_code == 200 and 'id="kiosk-today"' in again.get_data(as_text=True)
    marks = db.session.scalars(db.select(Attendance)).all()
    assert [(m.person_id, m.status) for m in marks] == [(elder.person.id, "present")]


def test_kiosk_cannot_check_in_someone_of_another_household(client, lesson):
    parent, elder = lesson["parent"], lesson["elder"]
    _kiosk_login(client, parent.phone)
    response = client.post(
        f"/kiosk/sessions/{lesson['session'].id}/check-in", data={"person_id": elder.person.id}
    )
    assert response.status_code == 404
    leave = client.post(
        f"/kiosk/sessions/{lesson['session'].id}/leave", data={"person_id": elder.person.id}
    )
    assert leave.status_code == 404
    assert db.session.scalar(db.select(Attendance)) is None
    # Their own child is fine.
    own = client.post(
        f"/kiosk/sessions/{lesson['session'].id}/check-in",
        data={"person_id": lesson["child"].id},
    )
    assert own.status_code == 303


def test_kiosk_leave_and_drop_in(client, lesson, make, now):
    elder = lesson["elder"]
    session = lesson["session"]
    _kiosk_login(client, elder.phone)
    left = client.post(
        f"/kiosk/sessions/{session.id}/leave",
        data={"person_id": elder.person.id, "confirmed": "y"},  # from the confirmation step
    )
    assert left.status_code == 303
    assert attendance_roster.roster_line(session, elder.person).status == "excused"
    client.post("/kiosk/done")
    walker = make.resident()
    db.session.commit()
    _kiosk_login(client, walker.phone)
    page = client.get("/kiosk/").get_data(as_text=True)
    assert "书法班" in page  # offered for drop-in
    dropped = client.post(
        f"/kiosk/sessions/{session.id}/check-in", data={"person_id": walker.person.id}
    )
    assert dropped.status_code == 303
    assert attendance_roster.roster_line(session, walker.person).status == "present"


def test_done_logs_the_kiosk_user_out(client, lesson):
    _kiosk_login(client, lesson["elder"].phone)
    response = client.post("/kiosk/done")
    assert response.status_code == 303 and response.headers["Location"].endswith("/kiosk/")
    after = client.get("/kiosk/me")
    assert after.status_code == 302 and after.headers["Location"].endswith("/kiosk/login")
    assert client.get("/me/bookings").status_code == 302


# --- leave from My bookings ---------------------------------------------------------------


def test_leave_from_my_bookings_for_one_date_of_a_term_class(client, auth, make, now):
    activity = make.activity(series=True, sessions=3, capacity=5, title="太极扇")
    member = make.resident()
    booking = _book(member, activity, now)
    db.session.commit()
    auth.login(member)
    page = client.get("/me/bookings").get_data(as_text=True)
    assert page.count('name="session_id"') == 3
    second = activity.sessions[1]
    # Asked without the confirmation step: that step first (htmx follows to it).
    asked = client.post(
        f"/me/bookings/{booking.id}/leave", data={"session_id": second.id}, headers=HX
    )
    step = f"/me/bookings/{booking.id}/leave/{second.id}"
    assert asked.status_code == 204 and asked.headers["HX-Redirect"] == step
    assert db.session.scalar(db.select(db.func.count(Leave.id))) == 0
    assert "confirmed" in client.get(step).get_data(as_text=True)
    response = client.post(
        f"/me/bookings/{booking.id}/leave",
        data={"session_id": second.id, "confirmed": "y"},
        headers=HX,
    )
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and f'id="booking-{booking.id}"' in html
    assert html.count('name="session_id"') == 2
    again = client.post(
        f"/me/bookings/{booking.id}/leave", data={"session_id": second.id, "confirmed": "y"}
    )
    assert again.status_code == 303  # the refusal is shown on the page after the redirect
    db.session.expire_all()
    assert booking.status == BookingStatus.CONFIRMED
    assert attendance_roster.roster_line(second, member.person).status == "excused"


def test_leave_on_someone_elses_booking_is_not_found(client, auth, make, now, lesson):
    from app.models import Booking

    theirs = db.session.scalar(
        db.select(Booking).where(Booking.person_id == lesson["elder"].person.id)
    )
    auth.login(make.resident())
    response = client.post(
        f"/me/bookings/{theirs.id}/leave", data={"session_id": lesson["session"].id}
    )
    assert response.status_code == 404
    assert attendance_roster.roster_line(lesson["session"], lesson["elder"].person).status is None


# --- staff: welfare call list, pauses, hours -----------------------------------------------------


def test_call_list_and_marking_a_call_done(client, auth, staff, make, now, runner):
    elder = make.resident(age=70, household=make.household(tags=("独居",)))
    activity = make.activity(title="合唱团", start_in=-DAY)
    _book(elder, activity, now - 5 * DAY)
    db.session.commit()
    assert runner.invoke(args=["run-jobs"]).exit_code == 0
    auth.login(staff)
    page = client.get("/welfare/?day=2026-11-22").get_data(as_text=True)
    assert elder.person.name in page and elder.phone in page and "合唱团" in page
    call = db.session.scalar(db.select(WelfareCall))
    done = client.post(f"/welfare/calls/{call.id}/done", data={"note": "已联系"}, headers=HX)
    assert done.status_code == 200 and "已联系" in done.get_data(as_text=True)
    db.session.expire_all()
    assert call.done_by_id == staff.id


def test_staff_lift_a_pause_and_the_resident_can_book_again(client, auth, staff, make, now):
    resident = make.resident()
    suspension = Suspension(
        person_id=resident.person.id, starts_at=now, ends_at=now + 14 * DAY, strikes=3
    )
    db.session.add(suspension)
    activity = make.activity()
    db.session.commit()
    auth.login(resident)
    refused = _book_on_page(client, resident.person, activity)
    assert refused.status_code == 409
    assert db.session.query(Booking).count() == 0
    auth.logout()
    auth.login(staff)
    assert resident.person.name in client.get("/welfare/suspensions").get_data(as_text=True)
    lifted = client.post(f"/welfare/suspensions/{suspension.id}/lift", data={"reason": "住院"})
    assert lifted.status_code == 303
    db.session.expire_all()
    assert suspension.lifted_by_id == staff.id and suspension.lift_reason == "住院"
    assert not suspension.is_active(now)
    auth.logout()
    auth.login(resident)
    booked = _book_on_page(client, resident.person, activity)
    assert booked.status_code == 303
    booking = db.session.scalars(db.select(Booking)).one()
    assert booking.person_id == resident.person.id
    assert booking.status == BookingStatus.CONFIRMED


def test_hours_table_downloads_as_csv(client, auth, staff, teacher, make):
    held = make.activity(start_in=-DAY, duration=90 * timedelta(minutes=1), teacher_id=teacher.id)
    _someone_came(make, held)
    db.session.commit()
    auth.login(staff)
    assert teacher.person.name in client.get("/welfare/hours").get_data(as_text=True)
    response = client.get("/welfare/hours.csv")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    lines = response.get_data(as_text=True).lstrip("\ufeff").splitlines()
    assert lines[1] == f"{teacher.person.name},{teacher.phone},1,1.5,1.5"


def test_a_teacher_records_a_helper_who_then_sees_their_hours(client, auth, make, now):
    teacher = make.user(role=Role.TEACHER, age=45)
    student = make.resident(age=20)
    activity = make.activity(start_in=-DAY, teacher_id=teacher.id)
    _someone_came(make, activity)
    make.commit()
    auth.login(teacher)
    session_id = activity.sessions[0].id
    response = client.post(f"/teach/sessions/{session_id}/helpers", data={"phone": student.phone})
    assert response.status_code == 303
    assert student.person.name in client.get(f"/teach/sessions/{session_id}").get_data(as_text=True)
    helper = db.session.scalars(db.select(SessionHelper)).one()
    assert (helper.session_id, helper.user_id) == (session_id, student.id)
    assert helper.added_by_id == teacher.id
    unknown = client.post(
        f"/teach/sessions/{session_id}/helpers?lang=en", data={"phone": "13999999999"}
    )
    assert unknown.status_code == 303
    assert "No volunteer account has this phone number" in client.get(
        f"/teach/sessions/{session_id}"
    ).get_data(as_text=True)
    assert db.session.query(SessionHelper).count() == 1
    auth.logout()
    auth.login(student)
    page = client.get("/teach/hours").get_data(as_text=True)
    assert "1.5" in page
