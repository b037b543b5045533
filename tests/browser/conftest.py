"""Browser journeys: Playwright driving Debian's Chromium against a live server.

Skipped with a clear reason when no Chromium is installed (CI installs it and
must not skip). The server runs the real app (CSRF on, real clock) on a temp
SQLite file loaded with the demo programme.
"""

from __future__ import annotations

import os
import shutil
import threading
from pathlib import Path

import pytest
from werkzeug.serving import make_server

from app import create_app
from app.extensions import db
from config import TestingConfig
from tests.conftest import require_server

CHROMIUM = (
    os.environ.get("CHROMIUM_PATH") or shutil.which("chromium") or shutil.which("chromium-browser")
)
SCREENSHOTS = Path(__file__).resolve().parents[2] / "screenshots"


# Werkzeug's threaded dev server leaves a static file to the garbage collector when
# it answers 304 Not Modified; that is the test server's habit, not the app's.
STATIC_FILE_LEFT_OPEN = (
    r"ignore:Exception ignored in. <_io.FileIO name='[^']*/static/:"
    "pytest.PytestUnraisableExceptionWarning"
)


def pytest_collection_modifyitems(items):
    for item in items:
        if "tests/browser/" in str(item.fspath):
            item.add_marker(pytest.mark.browser)
            item.add_marker(pytest.mark.filterwarnings(STATIC_FILE_LEFT_OPEN))


@pytest.fixture(scope="session", autouse=True)
def _need_chromium():
    require_server("Chromium", bool(CHROMIUM), "install it with `apt-get install chromium`")


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    return {
        **browser_type_launch_args,
        "executable_path": CHROMIUM,
        "args": [
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
            "--disable-quic",
        ],
    }


@pytest.fixture(scope="session")
def live_app(tmp_path_factory):
    path = tmp_path_factory.mktemp("live") / "zhaoxi-live.db"
    app = create_app(
        TestingConfig,
        SQLALCHEMY_DATABASE_URI=f"sqlite:///{path}",
        WTF_CSRF_ENABLED=True,
        RATELIMIT_ENABLED=False,
    )
    with app.app_context():
        db.create_all()
        from app.demo import seed_demo
        from app.timeutil import utcnow

        seed_demo(utcnow())
        db.session.commit()
        db.session.remove()
    return app


@pytest.fixture(scope="session")
def live_server(live_app):
    server = make_server("127.0.0.1", 0, live_app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(5)
    with live_app.app_context():
        db.engine.dispose()


@pytest.fixture(scope="session")
def base_url(live_server):
    return live_server


# Every journey runs in both languages, with JavaScript and without.
@pytest.fixture(params=["zh-CN", "en"])
def language(request):
    return request.param


@pytest.fixture(params=[True, False], ids=["js", "nojs"])
def javascript(request):
    return request.param


def check_accessibility(page, label: str) -> None:
    """Fails on any serious or critical axe-core violation (WCAG 2.1 A/AA rules)."""
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(
        page,
        options={
            "runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]}
        },
    )
    bad = [
        f"{v['id']} ({v['impact']}): {v['help']} — {[n['target'] for n in v['nodes']][:3]}"
        for v in results.response["violations"]
        if v["impact"] in ("serious", "critical")
    ]
    assert not bad, f"axe on {label} ({page.url}):\n" + "\n".join(bad)


def screenshot(page, folder: str, name: str) -> None:
    target = SCREENSHOTS / folder
    target.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(target / f"{name}.png"), full_page=True)
