"""The staff desk through HTTP: pages, both renderings, refusals with a message.

Texts are checked in Chinese, the default: the test app context outlives requests,
so a locale chosen by ?lang= would not apply after the first translated text."""

from datetime import timedelta

import pytest
from sqlalchemy import select

from app.extensions import db
from app.models import (
    Activity,
    AuditEntry,
    Booking,
    BookingStatus,
    Channel,
    Household,
    HouseholdLink,
    LinkStatus,
    Notice,
    OfferCall,
    Person,
    Role,
    SessionStatus,
    User,
    WaitlistPolicy,
)
from app.services.booking.book import book
from app.services.booking.cancel import cancel_booking
from app.services.booking.targets import Target
from tests.conftest import PIN, assert_seat_invariant

HX = {"HX-Request": "true"}


@pytest.fixture
def staff(make, auth):
    user = make.user(role=Role.STAFF, age=40)
    db.session.commit()
    auth.login(user)
    return user


def _book(user, activity, now):
    target = Target.of(activity, None if activity.is_series else activity.sessions[0])
    return book(user.person, target, by=user, channel=Channel.PHONE, now=now)


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


def test_staff_create_schedule_and_publish_a_class(client, staff):
    response = client.post(
        "/staff/activities/new",
        data={
            "title": "银龄风采中国舞",
            "category": "dance",
            "audience": "elder",
            "capacity": "20",
            "enrolment_unit": "series",
            "capacity_unit": "person",
            "allocation": "fcfs",
            "waitlist_enabled": "y",
            "waitlist_policy": "offer",
            "cancel_hours": "2",
            "teacher_id": "",
        },
    )
    assert response.status_code == 303
    activity = db.session.scalar(select(Activity))
    assert activity.status == "draft" and activity.waitlist_policy == "offer"
    response = client.post(
        f"/staff/activities/{activity.id}/schedule",
        data={
            "weekdays": ["2", "4"],
            "first_day": "2027-03-02",
            "last_day": "2027-03-31",
            "start": "09:00",
            "end": "10:30",
            "skip": "2027-03-09\n2027-03-11",
        },
    )
    assert response.status_code == 303
    assert len(activity.sessions) == 7
    response = client.post(f"/staff/activities/{activity.id}/status", data={"status": "published"})
    assert response.status_code == 303
    assert activity.status == "published"
    page = client.get(f"/staff/activities/{activity.id}")
    assert page.status_code == 200 and "银龄风采中国舞" in page.text
    actions = db.session.scalars(select(AuditEntry.action).order_by(AuditEntry.id)).all()
    assert actions == ["activity.create", "schedule.generate", "activity.published"]


def test_a_bad_schedule_form_is_refused_with_422(client, staff, make):
    activity = make.activity(sessions=0)
    db.session.commit()
    response = client.post(
        f"/staff/activities/{activity.id}/schedule",
        data={"weekdays": [], "first_day": "2027-03-31", "last_day": "2027-03-01"},
    )
    assert response.status_code == 422
    assert "field-error" in response.text
    db.session.expire_all()
    assert activity.sessions == []
    assert (
        db.session.scalar(select(AuditEntry).where(AuditEntry.action == "schedule.generate"))
        is None
    )


def test_lowering_seats_below_the_booked_is_refused_on_the_page_and_in_the_fragment(
    client, staff, make, now
):
    activity = make.activity(capacity=3)
    for _ in range(2):
        _book(make.resident(), activity, now)
    db.session.commit()
    url = f"/staff/sessions/{activity.sessions[0].id}/capacity"
    response = client.post(url, data={"capacity": "1"})
    assert response.status_code == 409
    assert "已经有 2 个名额被占用" in response.text and "<html" in response.text
    response = client.post(url, data={"capacity": "1"}, headers=HX)
    assert response.status_code == 409 and "<html" not in response.text
    assert "已经有 2 个名额被占用" in response.text


def test_raising_seats_promotes_and_says_so(client, staff, make, now):
    activity = make.activity(capacity=1)
    bookings = [_book(make.resident(), activity, now) for _ in range(2)]
    db.session.commit()
    response = client.post(
        f"/staff/sessions/{activity.sessions[0].id}/capacity",
        data={"capacity": "2"},
        follow_redirects=True,
    )
    assert response.status_code == 200
    assert "候补名单上有 1 人得到了名额" in response.text
    db.session.expire_all()
    assert bookings[1].status == BookingStatus.CONFIRMED
    assert_seat_invariant()


def test_the_waitlist_shows_order_and_moves_need_a_reason(client, staff, make, now):
    activity = make.activity(capacity=1)
    users = [make.resident() for _ in range(3)]
    bookings = [_book(u, activity, now) for u in users]
    db.session.commit()
    page = client.get(f"/staff/sessions/{activity.sessions[0].id}")
    assert page.text.index(users[1].person.name) < page.text.index(users[2].person.name)
    assert "加入" in page.text
    url = f"/staff/bookings/{bookings[2].id}/move"
    refused = client.post(url, data={"direction": "up", "reason": ""}, headers=HX)
    assert refused.status_code == 422
    assert "请写下原因" in refused.text and 'id="bookings"' in refused.text
    moved = client.post(url, data={"direction": "up", "reason": "行动不便"}, headers=HX)
    assert moved.status_code == 200 and 'id="bookings"' in moved.text
    assert moved.text.index(users[2].person.name) < moved.text.index(users[1].person.name)
    plain = client.post(f"/staff/bookings/{bookings[1].id}/remove", data={"reason": "已搬走"})
    assert plain.status_code == 303
    db.session.expire_all()
    assert bookings[1].status == BookingStatus.CANCELLED
    reasons = db.session.scalars(select(AuditEntry.reason).order_by(AuditEntry.id)).all()
    assert reasons == ["行动不便", "已搬走"]


def test_staff_book_for_a_resident_and_it_shows_who_and_how(client, staff, make, now, auth):
    activity = make.activity(capacity=5)
    resident = make.resident()
    db.session.commit()
    page = client.get(f"/staff/people/{resident.person.id}")
    assert page.status_code == 200 and f"s{activity.sessions[0].id}" in page.text
    response = client.post(
        f"/staff/people/{resident.person.id}/book",
        data={"target": f"s{activity.sessions[0].id}", "channel": "phone"},
    )
    assert response.status_code == 303
    booking = db.session.scalars(select(Booking)).one()
    assert booking.person_id == resident.person.id and booking.booked_by_id == staff.id
    assert booking.channel == Channel.PHONE and booking.status == BookingStatus.CONFIRMED
    session_page = client.get(f"/staff/sessions/{activity.sessions[0].id}")
    expected = f"{staff.person.name} 为 {resident.person.name} 预约"
    assert expected in session_page.text and "电话" in session_page.text
    auth.logout()
    auth.login(resident)
    mine = client.get("/me/bookings")
    assert expected in mine.text


def test_an_unknown_class_key_is_refused_not_a_crash(client, staff, make):
    resident = make.resident()
    db.session.commit()
    response = client.post(
        f"/staff/people/{resident.person.id}/book", data={"target": "x1", "channel": "desk"}
    )
    assert response.status_code == 422
    assert db.session.query(Booking).count() == 0


def test_a_class_key_that_names_nothing_bookable_is_404_not_a_crash(client, staff, make):
    per_session = make.activity(capacity=5)  # booked one session at a time
    resident = make.resident()
    db.session.commit()
    url = f"/staff/people/{resident.person.id}/book"
    for key in (f"a{per_session.id}", "s999999", "a999999"):
        response = client.post(url, data={"target": key, "channel": "desk"})
        assert response.status_code == 404, key
    assert db.session.query(Booking).count() == 0


def test_a_link_works_only_after_the_mother_types_her_pin(client, staff, make, now, auth):
    daughter = make.resident(age=45)
    mother = make.resident(age=82)
    activity = make.activity(capacity=5)
    db.session.commit()
    response = client.post(
        f"/staff/people/{mother.person.id}/links", data={"helper_phone": daughter.phone}
    )
    assert response.status_code == 303
    link = db.session.scalar(select(HouseholdLink))
    assert link.status == LinkStatus.PENDING
    assert (link.user_id, link.person_id) == (daughter.id, mother.person.id)
    wrong = client.post(f"/staff/links/{link.id}/confirm", data={"pin": "000000"})
    assert wrong.status_code == 401
    db.session.expire_all()
    assert link.status == LinkStatus.PENDING
    right = client.post(f"/staff/links/{link.id}/confirm", data={"pin": PIN})
    assert right.status_code == 303
    db.session.expire_all()
    assert link.status == LinkStatus.CONFIRMED
    auth.logout()
    auth.login(daughter)
    detail = client.get(f"/classes/{activity.id}")
    assert mother.person.name in detail.text
    booked = _book_on_page(client, mother.person, activity)
    assert booked.status_code == 303
    booking = db.session.scalars(select(Booking)).one()
    assert booking.person_id == mother.person.id and booking.booked_by_id == daughter.id
    assert booking.status == BookingStatus.CONFIRMED
    mine = client.get("/me/bookings")
    assert mother.person.name in mine.text


def test_without_a_link_a_resident_cannot_book_for_another_household(client, make, auth):
    stranger = make.resident()
    someone = make.resident()
    activity = make.activity()
    db.session.commit()
    auth.login(stranger)
    response = _book_on_page(client, someone.person, activity)
    assert response.status_code == 404
    assert db.session.query(Booking).count() == 0
    db.session.expire_all()
    assert activity.sessions[0].taken == 0


def test_register_a_household_and_print_a_member_card(client, staff):
    response = client.post(
        "/staff/households/new",
        data={
            "household_name": "李家",
            "tags": ["独居"],
            "birth_date": "1940-02-03",
            "phone": "13912345678",
            "pin": "135790",
        },
    )
    # The member's name is missing: the form comes back with its error.
    assert response.status_code == 422
    assert db.session.query(Household).filter_by(name="李家").count() == 0
    assert db.session.query(User).filter_by(phone="13912345678").count() == 0
    response = client.post(
        "/staff/households/new",
        data={
            "household_name": "李家",
            "tags": ["独居"],
            "name": "李奶奶",
            "birth_date": "1940-02-03",
            "phone": "13912345678",
            "pin": "135790",
        },
    )
    assert response.status_code == 303
    person = db.session.scalar(select(Person).where(Person.name == "李奶奶"))
    assert person.household.tag_names == ["独居"] and person.user is not None
    assert person.household.name == "李家" and person.user.phone == "13912345678"
    card = client.get(f"/staff/people/{person.id}/card")
    assert card.status_code == 200
    assert "<svg" in card.text and person.member_no in card.text


def test_search_finds_by_phone_in_both_renderings(client, staff, make):
    resident = make.resident()
    db.session.commit()
    page = client.get(f"/staff/residents?q={resident.phone}")
    assert resident.person.name in page.text and "<html" in page.text
    fragment = client.get(
        f"/staff/residents?q={resident.phone}", headers=HX | {"HX-Target": "results"}
    )
    assert resident.person.name in fragment.text and "<html" not in fragment.text


def test_cancelling_a_session_tells_everyone_and_shows_in_the_audit_log(client, staff, make, now):
    activity = make.activity(capacity=2)
    residents = [make.resident() for _ in range(2)]
    for resident in residents:
        _book(resident, activity, now)
    db.session.commit()
    response = client.post(
        f"/staff/sessions/{activity.sessions[0].id}/cancel", data={"reason": "停电"}
    )
    assert response.status_code == 303
    db.session.expire_all()
    assert activity.sessions[0].status == SessionStatus.CANCELLED
    assert {b.status for b in db.session.scalars(select(Booking))} == {BookingStatus.CANCELLED}
    told = db.session.scalars(select(Notice.user_id).where(Notice.kind == "session_cancelled"))
    assert sorted(told) == sorted(u.id for u in residents)
    again = client.post(f"/staff/sessions/{activity.sessions[0].id}/cancel", data={})
    assert again.status_code == 422
    assert db.session.query(Notice).filter_by(kind="session_cancelled").count() == 2
    log = client.get("/staff/audit?action=session.cancel")
    assert "停电" in log.text
    other = client.get("/staff/audit?action=waitlist.move")
    assert "停电" not in other.text
    assert_seat_invariant()


def test_a_resident_answers_an_offer_in_one_tap(client, make, now, auth):
    activity = make.activity(capacity=1, waitlist_policy=WaitlistPolicy.OFFER)
    first, second, third = (make.resident() for _ in range(3))
    b1, b2, b3 = (_book(u, activity, now) for u in (first, second, third))
    cancel_booking(b1, by=first, now=now)
    db.session.commit()
    auth.login(second)
    mine = client.get("/me/bookings")
    assert "要，我确认这个名额" in mine.text
    response = client.post(f"/me/bookings/{b2.id}/accept", headers=HX)
    assert response.status_code == 200 and "名额是您的了" in response.text
    again = client.post(f"/me/bookings/{b2.id}/decline")
    assert again.status_code == 303
    db.session.expire_all()
    assert b2.status == BookingStatus.CONFIRMED  # declining after accepting does nothing
    assert b3.status == BookingStatus.WAITLISTED
    assert_seat_invariant()


def test_an_offer_past_its_deadline_cannot_be_taken(client, make, now, auth, app):
    activity = make.activity(capacity=1, waitlist_policy=WaitlistPolicy.OFFER)
    first, second = make.resident(), make.resident()
    b1, b2 = (_book(u, activity, now) for u in (first, second))
    cancel_booking(b1, by=first, now=now)
    deadline = b2.offer_expires_at
    db.session.commit()
    auth.login(second)
    app.config["FROZEN_NOW"] = deadline + timedelta(minutes=1)
    response = client.post(f"/me/bookings/{b2.id}/accept", headers=HX)
    assert response.status_code == 409 and "已经不再保留" in response.text
    db.session.expire_all()
    assert b2.status == BookingStatus.OFFERED  # not confirmed: the job will expire it
    assert_seat_invariant()


def test_the_call_list_shows_missed_offers_until_called(
    client, staff, make, now, runner, app, auth
):
    activity = make.activity(capacity=1, waitlist_policy=WaitlistPolicy.OFFER)
    first, second = make.resident(), make.resident()
    b1, b2 = (_book(u, activity, now) for u in (first, second))
    cancel_booking(b1, by=first, now=now)
    app.config["FROZEN_NOW"] = b2.offer_expires_at
    db.session.commit()
    result = runner.invoke(args=["run-jobs", "--only", "expire-offers"])
    assert "expire-offers: 1" in result.output
    auth.login(staff)  # a day later: the staff session has ended meanwhile
    calls = client.get("/staff/calls")
    assert second.person.name in calls.text
    call_id = calls.text.split("/staff/calls/")[1].split("/")[0]
    done = client.post(f"/staff/calls/{call_id}/done", data={"note": "不需要了"}, headers=HX)
    assert done.status_code == 200
    call = db.session.get(OfferCall, int(call_id))
    assert call.person_id == second.person.id and call.booking_id == b2.id
    assert call.done_by_id == staff.id and call.note == "不需要了"
    assert second.person.name not in client.get("/staff/calls").text


def test_staff_mark_leave_for_a_resident_who_phoned(client, staff, make, now):
    from app.models import AuditEntry, Leave

    activity = make.activity(title="合唱团", series=True, sessions=3, capacity=5)
    elder = make.resident()
    enrolment = _book(elder, activity, now)
    make.commit()
    page = client.get(f"/staff/people/{elder.person_id}").get_data(as_text=True)
    second = activity.sessions[1]
    assert f"/staff/bookings/{enrolment.id}/leave" in page
    response = client.post(
        f"/staff/bookings/{enrolment.id}/leave",
        data={"session_id": second.id, "next": f"/staff/people/{elder.person_id}"},
    )
    assert response.status_code == 303
    leave = db.session.scalars(select(Leave)).one()
    assert leave.session_id == second.id and leave.booking_id == enrolment.id
    entry = db.session.scalars(
        select(AuditEntry).where(AuditEntry.action == "booking.leave_on_behalf")
    ).one()
    assert entry.actor_id == staff.id
    # The term enrolment stays; only that date's seat is freed.
    assert db.session.get(type(enrolment), enrolment.id).status == "confirmed"


def test_giving_a_seat_past_the_first_in_line_keeps_the_reason(client, staff, make, now):
    activity = make.activity(capacity=1)
    users = [make.resident() for _ in range(3)]
    bookings = [_book(u, activity, now) for u in users]
    activity.sessions[0].capacity = 2  # a seat came free; the desk decides who gets it
    db.session.commit()
    given = client.post(
        f"/staff/bookings/{bookings[2].id}/promote", data={"reason": "腿脚不便"}, headers=HX
    )
    assert given.status_code == 200 and 'id="bookings"' in given.text
    assert users[2].person.name in given.text and "现在有名额了" in given.text
    db.session.expire_all()
    assert bookings[2].status == BookingStatus.CONFIRMED
    assert bookings[1].status == BookingStatus.WAITLISTED
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "waitlist.promote"))
    assert entry.reason == "腿脚不便"
    assert_seat_invariant()


def test_a_persons_own_booking_is_listed_by_name_not_as_booked_for_themselves(
    client, staff, make, auth
):
    """A booking made by the person is listed with their name alone ("王秀英 为 王秀英 预约"
    said nothing); one made by someone else says who."""
    activity = make.activity(capacity=5)
    resident = make.resident()
    db.session.commit()
    auth.logout()
    auth.login(resident)
    booked = client.post(
        "/me/bookings",
        data={
            "activity_id": activity.id,
            "session_id": activity.sessions[0].id,
            "person_id": resident.person.id,
        },
    )
    assert booked.status_code in (200, 303)
    auth.logout()
    auth.login(staff)
    page = client.get(f"/staff/sessions/{activity.sessions[0].id}").text
    name = resident.person.name
    assert f"{name} 为 {name} 预约" not in page
    assert f'<span class="booked-by">{name} ·' in page


def test_the_desks_offer_calls_and_the_welfare_call_list_have_different_names(client, staff):
    """Two different lists, two names: the welfare worker's call list in the top
    menu, the offers nobody answered in the desk's menu."""
    desk = client.get("/staff/").text
    assert "空位通知待回访" in desk
    welfare = client.get("/welfare/").text
    assert "回访电话名单" in welfare and "空位通知待回访" not in welfare.split("<main", 1)[-1]
    assert "日期" in welfare and "星期" not in welfare.split("<main", 1)[-1]


def test_the_desk_sees_unsent_messages_and_sends_one_again(make, auth, client, now):
    """With the SMS gateway down a message fails its tries: the desk lists it with
    the reader, and "send again" queues it once more (twice clicked: queued once)."""
    from app.models import AuditEntry, OutboxMessage, OutboxStatus, Role

    reader = make.resident()
    staff = make.user(role=Role.STAFF, age=40)
    failed = OutboxMessage(
        user_id=reader.id,
        channel="sms",
        address=reader.phone,
        kind="reminder",
        body="提醒：明天合唱团",
        status=OutboxStatus.FAILED,
        attempts=3,
        last_error="gateway down",
        created_at=now,
    )
    sent = OutboxMessage(
        user_id=reader.id,
        channel="sms",
        address=reader.phone,
        kind="reminder",
        body="已经发出的消息",
        status=OutboxStatus.SENT,
        attempts=1,
        created_at=now,
    )
    db.session.add_all([failed, sent])
    make.commit()
    auth.login(staff)
    page = client.get("/staff/messages").get_data(as_text=True)
    assert reader.person.name in page and "提醒：明天合唱团" in page and "gateway down" in page
    assert "已经发出的消息" not in page
    response = client.post(f"/staff/messages/{failed.id}/retry")
    assert response.status_code == 303
    db.session.refresh(failed)
    assert (failed.status, failed.attempts) == (OutboxStatus.PENDING, 0)
    again = client.post(f"/staff/messages/{failed.id}/retry")
    assert again.status_code == 409
    resend_sent = client.post(f"/staff/messages/{sent.id}/retry")
    assert resend_sent.status_code == 409
    db.session.refresh(sent)
    assert sent.status == OutboxStatus.SENT
    actions = db.session.scalars(db.select(AuditEntry.action)).all()
    assert actions == ["outbox.retry"]
    assert "提醒：明天合唱团" not in client.get("/staff/messages").get_data(as_text=True)


def test_the_desk_adds_a_missing_birth_date_and_the_person_can_then_book_by_age(
    make, auth, client, now
):
    """Someone registered without a date of birth was refused every age-limited class
    ("请到服务台登记"); the desk adds it on the person's page and she can book."""
    from datetime import date

    from app.models import AuditEntry, Role
    from app.services.booking.book import book
    from app.services.booking.targets import Target
    from app.services.refusals import NotEligible

    staff = make.user(role=Role.STAFF, age=40)
    elder = make.resident()
    elder.person.birth_date = None
    dance = make.activity(title="舞蹈班", audience="elder")
    make.commit()
    target = Target.of(dance, dance.sessions[0])
    with pytest.raises(NotEligible):
        book(elder.person, target, by=elder, channel="phone", now=now)
    db.session.rollback()
    auth.login(staff)
    url = f"/staff/people/{elder.person.id}/birth-date"
    for bad in ("2030-01-01", "not a date", "", "１９５０－０３－０２x"):
        response = client.post(url, data={"birth_date": bad})
        assert response.status_code in (409, 422), bad
    db.session.expire_all()
    assert elder.person.birth_date is None
    assert db.session.scalar(select(AuditEntry.id)) is None
    response = client.post(url, data={"birth_date": "１９５０-０３-０２"})  # full-width digits
    assert response.status_code == 303
    db.session.expire_all()
    assert elder.person.birth_date == date(1950, 3, 2)
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "person.birth_date"))
    assert entry.before == {"year": None} and entry.after == {"year": 1950}
    assert book(elder.person, target, by=elder, channel="phone", now=now).status == "confirmed"


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_the_audit_log_reads_as_sentences_with_names_and_local_times(
    client, staff, make, auth, lang
):
    """Not `capacity.change`, "person #4" and UTC: who did what to which class, when
    in the centre's time, in the page's language; the filter still takes the code."""
    activity = make.activity(title="书法班", capacity=3, start_in=timedelta(days=1))
    resident = make.resident()
    db.session.commit()
    url = f"/staff/sessions/{activity.sessions[0].id}/capacity"
    assert client.post(url, data={"capacity": "5"}).status_code == 303
    client.post(f"/staff/people/{resident.person.id}/pin", data={"pin": "654321"})
    html = client.get(f"/staff/audit?lang={lang}").get_data(as_text=True)
    table = html[html.index("<table") :]
    name = staff.person.name
    expected = {
        "en": [
            f"{name} changed the seats of 书法班",
            f"{name} set a new PIN for {resident.person.name}",
            "Seats",
            "3 → 5",
        ],
        "zh": [
            f"{name}修改了书法班",
            f"{name}为{resident.person.name}设置了新的 PIN",
            "座位",
            "3 → 5",
        ],
    }[lang]
    for words in expected:
        assert words in table, words
    assert "capacity.change" not in table and "#" not in table
    assert "T02:00" not in table and "10:00" in table  # 10:00 in Shanghai, not UTC
    only = client.get("/staff/audit?action=capacity.change&lang=en").get_data(as_text=True)
    only = only[only.index("<table") :]
    assert "changed the seats" in only and "new PIN" not in only
    auth.logout()
    auth.login(resident)
    refused = client.get("/staff/audit")
    assert refused.status_code in (302, 403) and "书法班" not in refused.get_data(as_text=True)


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_each_booking_says_truthfully_how_it_came(client, staff, make, now, auth, app, lang):
    """Online on the resident's phone, at the kiosk, at the desk, a phone call to the
    desk, or won in the lottery: recorded as such and shown as such to the desk (an
    online booking is not "a phone call", a lottery win not "at the desk")."""
    from tests.programme_helpers import family, lottery, sessions
    from tests.services.test_lottery import _after_close, _apply, _draw

    activity = make.activity(capacity=9)
    online, kiosk, desk, rang = (make.resident() for _ in range(4))
    programme = lottery(make)
    guardian, (kid,) = family(make, children=1)
    _apply(programme, guardian, [(kid, sessions(programme)[0])], now)
    db.session.commit()
    auth.login(online)
    form = {"activity_id": activity.id, "session_id": activity.sessions[0].id}
    assert (
        client.post("/me/bookings", data=form | {"person_id": online.person.id}).status_code == 303
    )
    auth.logout()
    lobby = app.test_client()  # the kiosk is its own device
    lobby.post("/kiosk/login", data={"who": kiosk.phone, "pin": "123456"})
    assert (
        lobby.post("/kiosk/book", data=form).status_code == 303
    )  # a kiosk POST answers with a redirect
    auth.login(staff)
    target = {"target": f"s{activity.sessions[0].id}"}
    for who, how in ((desk, "desk"), (rang, "phone")):
        answer = client.post(f"/staff/people/{who.person.id}/book", data=target | {"channel": how})
        assert answer.status_code == 303
    _draw(programme, by=staff, now=_after_close(programme))
    db.session.commit()
    channels = {b.person_id: b.channel for b in db.session.scalars(select(Booking))}
    assert channels == {
        online.person.id: Channel.ONLINE,
        kiosk.person.id: Channel.KIOSK,
        desk.person.id: Channel.DESK,
        rang.person.id: Channel.PHONE,
        kid.id: Channel.LOTTERY,
    }
    words = {
        "en": ["online", "at the kiosk", "at the desk", "by a phone call to the desk"],
        "zh": ["网上预约", "在自助机", "在服务台", "打电话到服务台"],
    }[lang]
    html = client.get(f"/staff/sessions/{activity.sessions[0].id}?lang={lang}").text
    for said in words:
        assert said in html, said
    child = client.get(f"/staff/people/{kid.id}?lang={lang}").text
    assert {"en": "won in the lottery", "zh": "抽签获得"}[lang] in child
