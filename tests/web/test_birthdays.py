"""The desk's birthday page (集体生日会) through HTTP: the month's list with solar
and lunar birthdays and tags, the one-click invitation, the reserved window seen
from the class page, and who must not: residents, a non-invited resident."""

from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from app.extensions import db
from app.models import AuditEntry, Booking, Notice, Role, SessionInvitation


@pytest.fixture
def staff(make, auth):
    user = make.user(role=Role.STAFF, age=40)
    db.session.commit()
    auth.login(user)
    return user


def _party(make, now):
    return make.activity(
        title="十二月集体生日会",
        category="event",
        audience="elder",
        capacity=30,
        start_in=timedelta(days=10),
        opens_at=now + timedelta(days=3),
    )


def _elder(make, born, *, name, lunar=False, household=None):
    person = make.person(birth_date=born, name=name, household=household)
    person.birthday_lunar = lunar
    return person


def test_the_month_page_lists_solar_and_lunar_birthdays_with_tags(client, staff, make):
    alone = make.household(name="独居户", tags=("独居",))
    _elder(make, date(1948, 12, 8), name="张独居", household=alone)
    _elder(make, date(1950, 12, 20), name="李农历", lunar=True)
    _elder(make, date(1950, 12, 1), name="王十月", lunar=True)  # lunar: 30 November
    db.session.commit()
    page = client.get("/staff/birthdays?month=2026-12")
    assert page.status_code == 200
    text = page.text
    assert "张独居" in text and "李农历" in text and "王十月" not in text
    assert "独居" in text and "志愿者" in text  # flagged: a volunteer brings them
    assert "农历11月12日" in text
    assert "王十月" in client.get("/staff/birthdays?month=2026-11").text
    # A month that is no month shows this month rather than failing.
    assert client.get("/staff/birthdays?month=2026-13").status_code == 200


def test_one_click_invites_the_month_and_they_book_first(client, auth, staff, make, now):
    party = _party(make, now)
    session = party.sessions[0]
    invited = make.user(_elder(make, date(1950, 12, 20), name="李农历", lunar=True))
    other = make.resident(age=76)
    db.session.commit()
    page = client.get(f"/staff/birthdays?month=2026-12&session_id={session.id}")
    assert "十二月集体生日会" in page.text and "受邀的人可以提前报名" in page.text
    form = {
        "month": "2026-12",
        "session_id": str(session.id),
        "person_ids": [str(invited.person.id)],
    }
    response = client.post("/staff/birthdays/invite", data=form)
    assert response.status_code == 303
    assert f"session_id={session.id}" in response.headers["Location"]
    # Twice: nobody is invited or told twice.
    assert client.post("/staff/birthdays/invite", data=form).status_code == 303
    assert db.session.scalar(select(func.count(SessionInvitation.id))) == 1
    assert db.session.scalar(select(func.count(Notice.id))) == 1
    assert (
        db.session.scalar(
            select(func.count(AuditEntry.id)).where(AuditEntry.action == "session.invite")
        )
        == 2
    )
    shown = client.get(f"/staff/birthdays?month=2026-12&session_id={session.id}")
    assert "已邀请" in shown.text

    auth.logout()
    auth.login(invited)
    assert "生日快乐" in client.get("/me/inbox").text
    book = {"activity_id": party.id, "session_id": session.id, "person_id": invited.person.id}
    assert client.post("/me/bookings", data=book).status_code == 303
    auth.logout()
    auth.login(other)
    refused = client.post(
        "/me/bookings",
        data={"activity_id": party.id, "session_id": session.id, "person_id": other.person.id},
    )
    assert refused.status_code == 409
    assert db.session.scalar(select(func.count(Booking.id))) == 1


def test_people_not_on_the_months_list_are_not_invited(client, staff, make, now):
    party = _party(make, now)
    stranger = make.resident(age=70)  # born 1 January
    db.session.commit()
    response = client.post(
        "/staff/birthdays/invite",
        data={
            "month": "2026-12",
            "session_id": str(party.sessions[0].id),
            "person_ids": [str(stranger.person.id)],
        },
    )
    assert response.status_code == 422
    assert db.session.scalar(select(func.count(SessionInvitation.id))) == 0


def test_the_desk_sets_who_keeps_the_lunar_birthday(client, staff, make):
    person = _elder(make, date(1950, 12, 1), name="王十月")
    db.session.commit()
    assert 'id="lunar-birthday"' in client.get(f"/staff/people/{person.id}").text
    response = client.post(f"/staff/people/{person.id}/lunar-birthday", data={"keeps": "y"})
    assert response.status_code == 303
    db.session.refresh(person)
    assert person.birthday_lunar is True
    client.post(f"/staff/people/{person.id}/lunar-birthday", data={})
    db.session.refresh(person)
    assert person.birthday_lunar is False


def test_residents_cannot_see_the_birthdays_or_invite(client, auth, make, now):
    party = _party(make, now)
    elder = make.user(_elder(make, date(1950, 12, 20), name="李农历"))
    db.session.commit()
    auth.login(elder)
    assert client.get("/staff/birthdays").status_code in (403, 404)
    response = client.post(
        "/staff/birthdays/invite",
        data={
            "month": "2026-12",
            "session_id": str(party.sessions[0].id),
            "person_ids": [str(elder.person.id)],
        },
    )
    assert response.status_code in (403, 404)
    assert client.post(
        f"/staff/people/{elder.person.id}/lunar-birthday", data={"keeps": "y"}
    ).status_code in (403, 404)
    assert db.session.scalar(select(func.count(SessionInvitation.id))) == 0
    assert db.session.scalar(select(func.count(Notice.id))) == 0


def _december_elders(make, count):
    """`count` elders born on 1..count December 1950 (the list's order), named by day."""
    return [
        _elder(make, date(1950, 12, day), name=f"十二月{day:02d}") for day in range(1, count + 1)
    ]


def test_a_long_month_is_shown_a_page_at_a_time_with_its_total(client, staff, make, monkeypatch):
    monkeypatch.setattr("app.blueprints.staff.birthdays.PAGE_SIZE", 2)
    _december_elders(make, 5)
    _elder(make, date(1950, 11, 3), name="十一月03")
    db.session.commit()
    first = client.get("/staff/birthdays?month=2026-12").text
    assert "本月共有 5 位长者过生日" in first and "第 1 页，共 3 页" in first
    assert "十二月01" in first and "十二月02" in first and "十二月03" not in first
    assert "page=2" in first and "上一页" not in first
    second = client.get("/staff/birthdays?month=2026-12&page=2").text
    assert "十二月03" in second and "十二月04" in second and "十二月01" not in second
    # Past the last page, or no page at all: the last page, the first.
    assert "十二月05" in client.get("/staff/birthdays?month=2026-12&page=99").text
    assert "十二月01" in client.get("/staff/birthdays?month=2026-12&page=x").text
    assert "十一月03" not in first + second


def test_invite_all_covers_every_page_and_the_ticks_only_theirs(
    client, staff, make, now, monkeypatch
):
    monkeypatch.setattr("app.blueprints.staff.birthdays.PAGE_SIZE", 2)
    session = _party(make, now).sessions[0]
    elders = _december_elders(make, 5)
    november = _elder(make, date(1950, 11, 3), name="十一月03")
    db.session.commit()

    def invited():
        return set(db.session.scalars(select(SessionInvitation.person_id)))

    form = {"month": "2026-12", "session_id": str(session.id), "page": "2"}
    ticked = client.post("/staff/birthdays/invite", data={**form, "person_ids": [elders[2].id]})
    assert ticked.status_code == 303 and "page=2" in ticked.headers["Location"]
    assert invited() == {elders[2].id}
    # Nothing ticked (an unticked page), "invite all": the whole month, nobody twice.
    assert client.post("/staff/birthdays/invite", data={**form, "everyone": "y"}).status_code == 303
    assert invited() == {e.id for e in elders} and november.id not in invited()
    assert db.session.scalar(select(func.count(Notice.id))) == 0  # no accounts: phone them
    said = client.get(f"/staff/birthdays?month=2026-12&session_id={session.id}&page=3").text
    assert "十二月05" in said and "已邀请" in said and "邀请本月全部 5 位" in said
