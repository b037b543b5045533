"""Logging in with phone + PIN; guessing is slowed, then locked."""

import threading
from datetime import timedelta

import pytest
from sqlalchemy import text

from app.extensions import db
from app.models import LoginAttempt, Role
from app.services.people import login as people_login


def test_resident_logs_in_with_phone_and_pin(make, auth, client):
    user = make.resident()
    make.commit()
    response = client.post("/login", data={"phone": f"+86 {user.phone}", "secret": "123456"})
    assert response.status_code == 302
    assert "欢迎" in client.get("/classes").get_data(as_text=True)
    assert client.get("/me/").status_code == 200  # the session is logged in


def test_teacher_logs_in_with_a_password(make, auth, client):
    teacher = make.user(role=Role.TEACHER, age=30)
    make.commit()
    assert auth.login(teacher, "teach-and-learn").status_code == 302
    assert client.get("/teach/").status_code == 200  # logged in, as a teacher


def test_wrong_pin_is_refused_with_a_message_tied_to_the_field(make, client):
    user = make.resident()
    make.commit()
    response = client.post("/login?lang=en", data={"phone": user.phone, "secret": "000000"})
    assert response.status_code == 401
    html = response.get_data(as_text=True)
    assert "phone number or PIN is not right" in html
    assert 'aria-describedby="secret-hint secret-error"' in html
    assert client.get("/me/").status_code == 302  # still logged out


def test_empty_form_is_a_422_with_messages(client):
    response = client.post("/login?lang=en", data={"phone": "", "secret": ""})
    assert response.status_code == 422
    assert "Please enter your phone number." in response.get_data(as_text=True)


def test_repeated_failures_slow_down_then_lock_the_number(app, make, client, now):
    user = make.resident()
    make.commit()

    def attempt(pin, at):
        app.config["FROZEN_NOW"] = at
        return client.post("/login", data={"phone": user.phone, "secret": pin})

    for i in range(3):
        assert attempt("000000", now + timedelta(seconds=i)).status_code == 401
    # After three failures the next try must wait, even with the right PIN.
    assert attempt("123456", now + timedelta(seconds=3)).status_code == 429
    t = now + timedelta(seconds=10)
    for _ in range(3):
        t += timedelta(minutes=1)
        assert attempt("000000", t).status_code == 401
    # Six failures: locked for 15 minutes, right PIN or not.
    assert attempt("123456", t + timedelta(minutes=5)).status_code == 429
    assert attempt("123456", t + timedelta(minutes=16)).status_code == 302


def test_a_successful_login_forgets_earlier_failures(app, make, client, now):
    user = make.resident()
    make.commit()
    for _ in range(2):
        client.post("/login", data={"phone": user.phone, "secret": "000000"})
    assert client.post("/login", data={"phone": user.phone, "secret": "123456"}).status_code == 302
    client.post("/logout")
    for i in range(2):
        app.config["FROZEN_NOW"] = now + timedelta(minutes=i + 1)
        assert (
            client.post("/login", data={"phone": user.phone, "secret": "000000"}).status_code == 401
        )
    app.config["FROZEN_NOW"] = now + timedelta(minutes=3)
    assert client.post("/login", data={"phone": user.phone, "secret": "123456"}).status_code == 302


@pytest.mark.parametrize(
    "target", ["https://evil.example/", "//evil.example/x", "javascript:alert(1)"]
)
def test_login_never_redirects_off_site(make, client, target):
    user = make.resident()
    make.commit()
    response = client.post("/login", data={"phone": user.phone, "secret": "123456", "next": target})
    assert response.headers["Location"] == "/classes"


def test_login_returns_to_the_page_that_asked(make, client):
    user = make.resident()
    make.commit()
    response = client.post(
        "/login", data={"phone": user.phone, "secret": "123456", "next": "/me/bookings"}
    )
    assert response.headers["Location"] == "/me/bookings"


def test_logout_leaves_nothing_of_the_previous_visitor(make, auth, client):
    first, second = make.resident(), make.resident()
    make.commit()
    auth.login(first)  # its welcome message is never displayed
    auth.logout()
    auth.login(second)
    page = client.get("/classes").get_data(as_text=True)
    assert first.person.name not in page and second.person.name in page


def test_pins_are_stored_hashed(make):
    user = make.resident()
    assert "123456" not in user.secret_hash and user.secret_hash.startswith("pbkdf2:")


@pytest.fixture
def limited_app(database_url):
    """Another instance of the app with the limits on; its connections are closed
    afterwards."""
    from app import create_app
    from config import TestingConfig

    made = []

    def build(storage_uri):
        made.append(
            create_app(
                TestingConfig,
                SQLALCHEMY_DATABASE_URI=database_url,
                RATELIMIT_ENABLED=True,
                RATELIMIT_STORAGE_URI=storage_uri,
                WTF_CSRF_ENABLED=False,
            )
        )
        return made[-1]

    yield build
    for instance in made:
        with instance.app_context():
            db.session.remove()
            db.engine.dispose()


def _hammer_login(limited_app, times=31):
    """Wrong PINs for as many different numbers from one address."""
    client = limited_app.test_client()
    return [
        client.post("/login", data={"phone": f"1370000{i:04d}", "secret": "000000"}).status_code
        for i in range(times)
    ]


def test_wrong_logins_are_rate_limited_per_address(app, limited_app):
    limited = limited_app("memory://")
    codes = _hammer_login(limited)
    assert 429 not in codes[:30] and codes[-1] == 429


def test_rate_limits_are_kept_in_redis_when_configured(app, limited_app, redis_url):
    """Several app instances behind a proxy count one address together in Redis."""
    import redis

    store = redis.Redis.from_url(redis_url)
    store.flushdb()
    limited = limited_app(redis_url)
    codes = _hammer_login(limited)
    assert codes[-1] == 429
    assert store.keys("LIMITS*"), "the counts are not in Redis"
    store.flushdb()


def test_others_can_write_while_a_pin_is_being_checked(app, make, client, monkeypatch):
    """Checking a hash is slow on purpose: on SQLite a login that held the write
    lock meanwhile would keep every booking waiting."""
    resident = make.resident()
    make.commit()
    written, written_meanwhile = [], []
    real_check = people_login.check_password_hash

    def check_while_someone_writes(stored, given):
        def write():
            with app.app_context():
                db.session.execute(text("UPDATE activity SET taken = taken WHERE id = 0"))
                db.session.commit()
                db.session.remove()
            written.append(True)

        thread = threading.Thread(target=write)
        thread.start()
        thread.join(5)
        written_meanwhile.append(bool(written))
        return real_check(stored, given)

    monkeypatch.setattr(people_login, "check_password_hash", check_while_someone_writes)
    response = client.post("/login", data={"phone": resident.phone, "secret": "000000"})
    assert response.status_code == 401
    assert written_meanwhile == [True]
    attempt = db.session.get(LoginAttempt, (resident.phone, "127.0.0.1"))
    assert attempt.failures == 1  # and the failure was still counted
