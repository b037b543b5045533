"""Chinese by default, English on request, and nothing left untranslated."""

import subprocess
import sys
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

from app.extensions import db
from app.models import User

ROOT = Path(__file__).resolve().parents[2]
CATALOG = ROOT / "app/translations/zh_Hans_CN/LC_MESSAGES/messages.po"


def test_pages_speak_chinese_by_default(client):
    html = client.get("/classes").get_data(as_text=True)
    assert '<html lang="zh-CN">' in html and "本周课程" in html


def test_english_on_request_and_remembered(client):
    html = client.get("/classes?lang=en").get_data(as_text=True)
    assert '<html lang="en">' in html and "This week's classes" in html
    again = client.get("/classes").get_data(as_text=True)
    assert "This week's classes" in again


def test_browser_language_is_honoured(client):
    html = client.get("/classes", headers={"Accept-Language": "en-GB,en;q=0.9"}).get_data(
        as_text=True
    )
    assert '<html lang="en">' in html


def _logged_in(app, auth, user):
    """A new client (a device of its own, no cookie) logged in as `user`."""
    client = app.test_client()
    auth.client = client
    auth.login(user)
    return client


def test_a_logged_in_user_keeps_their_language(make, auth, app):
    user = make.resident()
    make.commit()
    first = _logged_in(app, auth, user)
    switched = first.post("/language", data={"lang": "en", "next": "/me/bookings"})
    assert switched.status_code == 303 and switched.headers["Location"] == "/me/bookings"
    assert first.get_cookie("lang").value == "en"
    db.session.expire_all()
    assert db.session.get(User, user.id).locale == "en"
    second = _logged_in(app, auth, user)  # another device, no cookie
    assert "This week's classes" in second.get("/classes").get_data(as_text=True)


def test_lang_in_a_link_changes_that_page_and_the_cookie_but_writes_nothing(make, auth, app):
    user = make.resident()
    make.commit()
    client = _logged_in(app, auth, user)
    html = client.get("/classes?lang=en").get_data(as_text=True)
    assert "This week's classes" in html and client.get_cookie("lang").value == "en"
    db.session.expire_all()
    assert db.session.get(User, user.id).locale is None  # a GET never writes


def test_the_switch_is_a_form_posting_back_to_this_page(client):
    html = client.get("/classes?category=dance&lang=zh_CN").get_data(as_text=True)
    assert 'action="/language"' in html and 'name="csrf_token"' in html
    assert 'name="lang" value="en"' in html
    assert 'name="next" value="/classes"' in html  # the path: nothing typed is echoed
    switched = client.post("/language", data={"lang": "en", "next": "/classes"})
    assert switched.headers["Location"] == "/classes"
    assert "This week's classes" in client.get("/classes").get_data(as_text=True)


@pytest.mark.parametrize(
    "data",
    [{"lang": "fr"}, {"lang": ""}, {}],
)
def test_the_switch_refuses_a_language_it_does_not_have(client, data):
    assert client.post("/language", data=data).status_code == 400
    assert client.get_cookie("lang") is None


@pytest.mark.parametrize("next_", ["https://evil.example/", "//evil.example/", ""])
def test_the_switch_goes_back_only_to_this_site(client, next_):
    switched = client.post("/language", data={"lang": "en", "next": next_})
    assert switched.status_code == 303 and switched.headers["Location"] == "/classes"


def test_the_switch_needs_the_csrf_token(app, client):
    app.config["WTF_CSRF_ENABLED"] = True
    assert client.post("/language", data={"lang": "en"}).status_code == 400
    assert client.get_cookie("lang") is None


def test_every_string_in_the_code_has_a_chinese_translation(tmp_path):
    pot = tmp_path / "messages.pot"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "babel.messages.frontend",
            "extract",
            "-F",
            "babel.cfg",
            "-k",
            "_l",
            "-k",
            "lazy_gettext",
            "-o",
            str(pot),
            "--no-location",
            ".",
        ],
        cwd=ROOT,
        check=True,
        capture_output=True,
    )
    with pot.open("rb") as f:
        wanted = {m.id if isinstance(m.id, str) else m.id[0] for m in read_po(f) if m.id}
    with CATALOG.open("rb") as f:
        catalog = read_po(f)
    translated = {
        (m.id if isinstance(m.id, str) else m.id[0])
        for m in catalog
        if m.id
        and not m.fuzzy
        and all(s for s in ([m.string] if isinstance(m.string, str) else m.string[:1]))
    }
    missing = sorted(wanted - translated)
    assert not missing, f"untranslated (run `make messages` and fill in zh_CN): {missing[:20]}"
