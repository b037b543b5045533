"""Every page a demo user can reach by following links answers without a server
error, in both languages: a net under all the areas' templates."""

import re
from urllib.parse import urlsplit

import pytest

from app.demo import DEMO_PASSWORD, DEMO_PIN, LOGINS

HREF = re.compile(r'href="(/[^"#]*)"')
SKIP = ("/static/", "/logout", "/kiosk/timeout", ".csv")


def _crawl(client, start: str, limit: int = 80) -> dict[str, int]:
    seen: dict[str, int] = {}
    queue = [start]
    while queue and len(seen) < limit:
        url = queue.pop(0)
        if url in seen or any(part in url for part in SKIP):
            continue
        response = client.get(url)
        seen[url] = response.status_code
        if response.status_code == 200 and response.mimetype == "text/html":
            for href in HREF.findall(response.get_data(as_text=True)):
                path = urlsplit(href.replace("&amp;", "&"))
                target = path.path + (f"?{path.query}" if path.query else "")
                if target not in seen and "lang=" not in target:
                    queue.append(target)
    return seen


CASES = [(phone, role, "zh_CN") for phone, role, _ in LOGINS] + [
    (phone, role, "en") for phone, role, _ in LOGINS if role in ("resident", "staff")
][:2]


@pytest.mark.parametrize("phone,role,lang", CASES)
def test_demo_users_reach_no_server_error(app, runner, phone, role, lang):
    assert runner.invoke(args=["seed-demo"]).exit_code == 0
    client = app.test_client()
    client.get(f"/classes?lang={lang}")
    secret = DEMO_PIN if role == "resident" else DEMO_PASSWORD
    assert client.post("/login", data={"phone": phone, "secret": secret}).status_code == 302
    seen = _crawl(client, "/classes")
    for start in ("/me/", "/teach/", "/staff/", "/welfare/", "/door/", "/programmes/", "/kiosk/"):
        seen |= _crawl(client, start, limit=40)
    errors = {url: status for url, status in seen.items() if status >= 500}
    assert errors == {}
    assert len(seen) > 10
