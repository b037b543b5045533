"""Who may collect a child: only an adult guardian changes the pickup list, and only
after entering their PIN again; every change is audited and told to every guardian;
codes are stored as keyed hashes and shown once; one-day authorisations; the door
checks codes whatever digits are typed (issue 10, point 2)."""

from __future__ import annotations

import hashlib
import logging
import re
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from app.extensions import db
from app.models import (
    AuditEntry,
    Notice,
    OutboxMessage,
    PickupAttempt,
    PickupPerson,
    Role,
)
from app.notice_texts import notice_text
from app.services.childcare.pickup import MAX_WRONG_CODES
from app.services.childcare.pickup_list import hash_code
from app.services.childcare.submissions import book_days
from tests.conftest import PASSWORD, PIN
from tests.programme_helpers import afterschool, family, sessions

GRANDMA = {"name": "外婆", "phone": "13700000001", "relation": "外婆"}
CODE_ON_PAGE = re.compile(r'<strong class="code">(\d{4})</strong>')


@pytest.fixture
def home(make, now):
    """A child booked on the after-school club, with two guardian accounts."""
    teacher = make.user(role=Role.TEACHER, age=30)
    programme = afterschool(make, teacher=teacher)
    guardian, (kid,) = family(make, children=1)
    other_guardian = make.user(make.person(household=guardian.person.household, age=41))
    monday, tuesday = sessions(programme)[:2]
    book_days(programme, [(kid, monday)], by=guardian, channel="phone", now=now)
    make.commit()
    return guardian, other_guardian, kid, teacher, monday, tuesday


def login(client, user, secret=None):
    secret = secret or (PIN if user.role == Role.RESIDENT else PASSWORD)
    response = client.post("/login", data={"phone": user.phone, "secret": secret})
    assert response.status_code == 302
    return client


def written() -> dict:
    """Everything a pickup-list change writes."""
    return {
        model.__name__: db.session.scalar(select(func.count()).select_from(model))
        for model in (PickupPerson, AuditEntry, Notice, OutboxMessage, PickupAttempt)
    }


def session_of(app, client) -> dict:
    cookie = client.get_cookie("session")
    if cookie is None:
        return {}
    return app.session_interface.get_signing_serializer(app).loads(cookie.value)


def pickup_url(kid) -> str:
    return f"/programmes/children/{kid.id}/pickup"


def add_grandma(client, kid, **extra):
    """Adds 外婆 with the PIN given on the confirm step; returns (response, code)."""
    response = client.post(pickup_url(kid) + "?lang=en", data=GRANDMA | {"secret": PIN} | extra)
    assert response.status_code == 200, response.get_data(as_text=True)
    codes = CODE_ON_PAGE.findall(response.get_data(as_text=True))
    assert len(codes) == 1
    return response, codes[0]


def check_out(client, session, kid, person_id, code):
    return client.post(
        f"/door/sessions/{session.id}/check-out?lang=en",
        data={"person_id": kid.id, "pickup_person_id": person_id, "code": code},
    )


def at(app, moment):
    app.config["FROZEN_NOW"] = moment


# --- confirm it's you --------------------------------------------------------------


def test_without_a_fresh_pin_the_guardian_is_asked_first_and_nothing_is_written(home, app, client):
    guardian, _, kid, *_ = home
    login(client, guardian)
    before = written()
    asked = client.post(pickup_url(kid) + "?lang=en", data=GRANDMA)
    html = asked.get_data(as_text=True)
    assert asked.status_code == 200 and "Please confirm it is you" in html
    assert asked.headers["Cache-Control"] == "no-store"
    # The same action continues from the confirm page, without JavaScript: the
    # typed fields ride along as hidden inputs, and the form posts to the same URL.
    assert f'action="{pickup_url(kid)}"' in html
    assert 'type="hidden" name="name" value="外婆"' in html
    assert 'name="secret"' in html
    assert written() == before
    assert "reauth_at" not in session_of(app, client)


def test_a_wrong_pin_writes_nothing_and_counts_toward_the_login_lock(home, app, client, make):
    guardian, _, kid, *_ = home
    login(client, guardian)
    before = written()
    wrong = client.post(pickup_url(kid) + "?lang=en", data=GRANDMA | {"secret": "000000"})
    assert wrong.status_code == 401
    assert "not your PIN" in wrong.get_data(as_text=True)
    assert written() == before
    assert "reauth_at" not in session_of(app, client)
    # Wrong PINs here are wrong logins: enough of them lock the number, so the
    # confirm step cannot be used to guess the PIN.
    moment = make.now
    for _ in range(30):
        moment += timedelta(minutes=10)
        at(app, moment)
        refused = client.post(pickup_url(kid), data=GRANDMA | {"secret": "000000"})
        if refused.status_code == 429:
            break
        assert refused.status_code == 401
    assert refused.status_code == 429
    right_but_locked = client.post(pickup_url(kid), data=GRANDMA | {"secret": PIN})
    assert right_but_locked.status_code == 429
    assert written() == before
    fresh = app.test_client()
    assert fresh.post("/login", data={"phone": guardian.phone, "secret": PIN}).status_code != 302


def test_the_pin_is_asked_again_after_five_minutes(home, app, client, now):
    guardian, _, kid, *_ = home
    login(client, guardian)
    _, code = add_grandma(client, kid)
    person = db.session.scalar(select(PickupPerson))
    at(app, now + timedelta(minutes=4, seconds=59))
    renewed = client.post(f"/programmes/pickup/{person.id}/new-code")
    assert CODE_ON_PAGE.search(renewed.get_data(as_text=True))
    at(app, now + timedelta(minutes=10))
    before = written()
    asked = client.post(f"/programmes/pickup/{person.id}/remove?lang=en")
    assert asked.status_code == 200 and "Please confirm it is you" in asked.get_data(as_text=True)
    assert written() == before
    gone = client.post(f"/programmes/pickup/{person.id}/remove", data={"secret": PIN})
    assert gone.status_code == 303
    assert written()["PickupPerson"] == 0


# --- an added person: audited, told, hashed, shown once ------------------------------


def test_adding_a_person_is_audited_and_told_to_every_guardian(home, app, client, caplog):
    guardian, other_guardian, kid, *_ = home
    login(client, guardian)
    caplog.set_level(logging.DEBUG)
    response, code = add_grandma(client, kid)
    person = db.session.scalar(select(PickupPerson))

    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "pickup_added"))
    assert entry.actor_id == guardian.id
    assert (entry.subject_type, entry.subject_id) == ("person", kid.id)
    assert entry.after["pickup"] == "外婆" and entry.after["child"] == kid.name
    assert entry.created_at == app.config["FROZEN_NOW"]

    for user in (guardian, other_guardian):
        notice = db.session.scalar(select(Notice).where(Notice.user_id == user.id))
        assert notice.kind == "pickup_added"
        with app.test_request_context("/?lang=en"):
            text = notice_text(notice)
        assert guardian.person.name in text and "外婆" in text and kid.name in text
        message = db.session.scalar(select(OutboxMessage).where(OutboxMessage.user_id == user.id))
        assert message.kind == "pickup_added" and "外婆" in message.body
        assert code not in message.body

    # The code: in this page once, in nothing stored on the client, in no log line.
    html = response.get_data(as_text=True)
    assert html.count(f'class="code">{code}<') == 1
    assert response.headers["Cache-Control"] == "no-store"
    assert all(code not in r.getMessage() for r in caplog.records)
    stored = session_of(app, client)
    assert "_flashes" not in stored
    allowed = {
        "_user_id",
        "_fresh",
        "_id",
        "csrf_token",
        "reauth_at",
        "lang",
        "login_at",
        "seen_at",
    }
    assert set(stored) <= allowed
    assert isinstance(stored["reauth_at"], int)
    later = client.get(pickup_url(kid) + "?lang=en").get_data(as_text=True)
    assert "外婆" in later and not CODE_ON_PAGE.search(later)

    # The database holds a keyed hash, not the code nor its bare SHA-256.
    row = db.session.execute(select(PickupPerson.__table__)).mappings().one()
    assert code not in [str(value) for value in row.values()]
    assert person.code_hash == hash_code(code)
    assert person.code_hash != hashlib.sha256(code.encode()).hexdigest()


def test_the_door_accepts_the_code_in_any_typed_digits_and_refuses_others(home, app, client, make):
    guardian, _, kid, teacher, monday, _ = home
    login(client, guardian)
    _, code = add_grandma(client, kid)
    person_id = db.session.scalar(select(PickupPerson.id))
    at(app, monday.starts_at + timedelta(minutes=5))
    door = login(app.test_client(), teacher)
    door.post(f"/door/sessions/{monday.id}/check-in", data={"person_id": [str(kid.id)]})

    wrong = "0000" if code != "0000" else "1111"
    assert check_out(door, monday, kid, person_id, wrong).status_code == 403
    full_width = code.translate(str.maketrans("0123456789", "０１２３４５６７８９"))
    went = check_out(door, monday, kid, person_id, full_width)
    assert went.status_code == 303
    attempts = db.session.scalars(select(PickupAttempt).order_by(PickupAttempt.id)).all()
    assert [(a.ok, a.reason) for a in attempts] == [(False, "wrong_code"), (True, None)]


@pytest.mark.parametrize(
    "not_ascii",
    [
        lambda code: code.translate(str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩")),  # Arabic-Indic
        lambda code: "abcd",
        lambda code: code[:2] + "\u200f" + code[2:],  # an RTL mark inside
    ],
    ids=["arabic-indic", "letters", "rtl-mark"],
)
def test_other_digits_are_a_logged_wrong_code_counting_toward_the_lock(
    home, app, client, not_ascii
):
    guardian, _, kid, teacher, monday, _ = home
    login(client, guardian)
    _, code = add_grandma(client, kid)
    person_id = db.session.scalar(select(PickupPerson.id))
    at(app, monday.starts_at + timedelta(minutes=5))
    door = login(app.test_client(), teacher)
    door.post(f"/door/sessions/{monday.id}/check-in", data={"person_id": [str(kid.id)]})
    for _ in range(MAX_WRONG_CODES):
        refused = check_out(door, monday, kid, person_id, not_ascii(code))
        assert refused.status_code == 403 and "code is wrong" in refused.get_data(as_text=True)
    reasons = db.session.scalars(select(PickupAttempt.reason)).all()
    assert reasons == ["wrong_code"] * MAX_WRONG_CODES
    locked = check_out(door, monday, kid, person_id, code)
    assert locked.status_code == 403 and "Too many wrong codes" in locked.get_data(as_text=True)


def test_a_new_code_replaces_the_old_one_at_once(home, app, client):
    guardian, other_guardian, kid, teacher, monday, _ = home
    login(client, guardian)
    _, old = add_grandma(client, kid)
    person = db.session.scalar(select(PickupPerson))
    renewed = client.post(f"/programmes/pickup/{person.id}/new-code?lang=en")
    assert renewed.status_code == 200 and renewed.headers["Cache-Control"] == "no-store"
    (new,) = CODE_ON_PAGE.findall(renewed.get_data(as_text=True))
    assert db.session.scalar(
        select(func.count(AuditEntry.id)).where(AuditEntry.action == "pickup_code_renewed")
    )
    assert db.session.scalar(
        select(func.count(Notice.id)).where(
            Notice.kind == "pickup_code_renewed", Notice.user_id == other_guardian.id
        )
    )
    at(app, monday.starts_at + timedelta(minutes=5))
    door = login(app.test_client(), teacher)
    door.post(f"/door/sessions/{monday.id}/check-in", data={"person_id": [str(kid.id)]})
    if old != new:
        assert check_out(door, monday, kid, person.id, old).status_code == 403
    assert check_out(door, monday, kid, person.id, new).status_code == 303


# --- one-day authorisations --------------------------------------------------------


def test_a_one_day_person_collects_on_that_day_only(home, app, client):
    guardian, other_guardian, kid, teacher, monday, tuesday = home
    login(client, guardian)
    tuesday_date = tuesday.starts_at.date()  # 16:30 in Shanghai is the same UTC date
    _, code = add_grandma(client, kid, valid_on=tuesday_date.isoformat())
    person = db.session.scalar(select(PickupPerson))
    assert person.valid_on == tuesday_date
    page = client.get(pickup_url(kid) + "?lang=en").get_data(as_text=True)
    assert "only" in page
    assert db.session.scalar(select(Notice.kind).where(Notice.user_id == other_guardian.id)) == (
        "pickup_day_added"
    )

    at(app, monday.starts_at + timedelta(minutes=5))
    door = login(app.test_client(), teacher)  # staff sessions end after 30 idle minutes
    door.post(f"/door/sessions/{monday.id}/check-in", data={"person_id": [str(kid.id)]})
    roster = door.get(f"/door/sessions/{monday.id}").get_data(as_text=True)
    assert f'value="{person.id}"' not in roster  # not offered on Monday
    refused = check_out(door, monday, kid, person.id, code)
    assert refused.status_code == 403 and "another day" in refused.get_data(as_text=True)

    at(app, tuesday.starts_at + timedelta(minutes=5))
    door = login(app.test_client(), teacher)  # a day later: the teacher's session has ended
    door.post(f"/door/sessions/{tuesday.id}/check-in", data={"person_id": [str(kid.id)]})
    roster = door.get(f"/door/sessions/{tuesday.id}").get_data(as_text=True)
    assert f'value="{person.id}"' in roster
    assert check_out(door, tuesday, kid, person.id, code).status_code == 303


@pytest.mark.parametrize(
    "day", ["2026-11-22", "2027-01-23", "0001-01-01", "9999-12-31", "2026-13-45", "明天"]
)
def test_odd_one_day_dates_are_a_422_with_a_field_message(home, client, day):
    guardian, _, kid, *_ = home
    login(client, guardian)
    before = written()
    response = client.post(
        pickup_url(kid) + "?lang=en", data=GRANDMA | {"secret": PIN, "valid_on": day}
    )
    assert response.status_code == 422
    assert 'class="field-error"' in response.get_data(as_text=True)
    assert written() == before


# --- who may not --------------------------------------------------------------------


def _stranger(make, kind, home):
    guardian, _, kid, *_ = home
    if kind == "other household":
        other, _ = family(make, children=1)
        return other
    if kind == "teacher":
        return home[3]
    if kind == "staff":
        return make.user(role=Role.STAFF, age=40)
    raise AssertionError(kind)


@pytest.mark.parametrize("kind", ["other household", "teacher", "staff"])
def test_anyone_but_a_guardian_gets_404_and_writes_nothing(home, app, client, make, kind):
    guardian, _, kid, *_ = home
    login(client, guardian)
    add_grandma(client, kid)
    person_id = db.session.scalar(select(PickupPerson.id))
    stranger = _stranger(make, kind, home)
    make.commit()
    other = login(app.test_client(), stranger)
    secret = PIN if stranger.role == Role.RESIDENT else PASSWORD
    before = written()
    assert other.get(pickup_url(kid)).status_code == 404
    assert other.post(pickup_url(kid), data=GRANDMA | {"secret": secret}).status_code == 404
    assert other.post(f"/programmes/pickup/{person_id}/new-code").status_code == 404
    assert other.post(f"/programmes/pickup/{person_id}/remove").status_code == 404
    # Exactly like an id that does not exist.
    assert other.get("/programmes/children/999999/pickup").status_code == 404
    assert written() == before


def test_an_adult_has_no_pickup_list(home, app, client, make):
    guardian, other_guardian, kid, *_ = home
    teen = make.person(household=guardian.person.household, age=18)
    make.commit()
    login(client, guardian)
    before = written()
    for adult in (guardian.person, other_guardian.person, teen):
        assert client.get(pickup_url(adult)).status_code == 404
        assert client.post(pickup_url(adult), data=GRANDMA | {"secret": PIN}).status_code == 404
    assert written() == before


def test_a_child_account_may_not_change_its_own_list(home, app, make):
    guardian, _, kid, *_ = home
    sibling = make.user(make.person(household=guardian.person.household, age=15))
    make.commit()
    child_client = login(app.test_client(), sibling)
    before = written()
    assert child_client.get(pickup_url(kid)).status_code == 404
    assert child_client.post(pickup_url(kid), data=GRANDMA | {"secret": PIN}).status_code == 404
    assert written() == before


# --- removal ------------------------------------------------------------------------


def test_removal_deletes_the_person_and_the_door_log_still_reads(home, app, client, make):
    guardian, other_guardian, kid, teacher, monday, _ = home
    login(client, guardian)
    _, code = add_grandma(client, kid)
    person_id = db.session.scalar(select(PickupPerson.id))
    at(app, monday.starts_at + timedelta(minutes=5))
    door = login(app.test_client(), teacher)
    door.post(f"/door/sessions/{monday.id}/check-in", data={"person_id": [str(kid.id)]})
    check_out(door, monday, kid, person_id, "0000" if code != "0000" else "1111")

    at(app, monday.starts_at + timedelta(minutes=6))
    removed = client.post(f"/programmes/pickup/{person_id}/remove", data={"secret": PIN})
    assert removed.status_code == 303
    assert db.session.get(PickupPerson, person_id) is None
    attempt = db.session.scalar(select(PickupAttempt))
    assert attempt.pickup_person_id is None and attempt.pickup_name == "外婆"
    assert db.session.scalar(
        select(func.count(AuditEntry.id)).where(AuditEntry.action == "pickup_removed")
    )
    assert db.session.scalar(
        select(func.count(Notice.id)).where(
            Notice.kind == "pickup_removed", Notice.user_id == other_guardian.id
        )
    )
    staff = login(app.test_client(), make.user(role=Role.STAFF, age=40))
    make.commit()
    here = staff.get("/door/here?lang=en")
    assert here.status_code == 200 and "外婆" in here.get_data(as_text=True)
    # The removed person's code no longer lets the child go.
    assert check_out(door, monday, kid, person_id, code).status_code == 403
