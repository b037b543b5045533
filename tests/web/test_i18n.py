"""Chinese by default, English on request, and nothing left untranslated."""

import subprocess
import sys
from pathlib import Path

from babel.messages.pofile import read_po

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


def test_a_logged_in_user_keeps_their_language(make, auth, app):
    user = make.resident()
    make.commit()
    first = app.test_client()
    auth.client = first
    auth.login(user)
    first.get("/classes?lang=en")
    second = app.test_client()  # another device, no cookie
    auth.client = second
    auth.login(user)
    assert "This week's classes" in second.get("/classes").get_data(as_text=True)


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
