"""Page weights as served: HTML + CSS + JS bytes of a page and the files it links,
fetched with `Accept-Encoding: gzip` (Flask-Compress), on a temp database loaded
with the demo; beside it what Chromium gets (it also offers br and zstd) and the
plain gzip size of each file. Also the kiosk tap counts.

Flask-Compress does not gzip streamed responses (static files): with only gzip on
offer they are sent uncompressed, a browser gets them as br/zstd.

    python bench/page_weight.py [--lang zh_CN|en]
"""

from __future__ import annotations

import argparse
import gzip
import re
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from app import create_app  # noqa: E402
from app.extensions import db  # noqa: E402
from config import TestingConfig  # noqa: E402

PAGES = [("kiosk start", "/kiosk/"), ("class list", "/classes")]
LINKED = re.compile(r'<(?:link[^>]+href|script[^>]+src)="(/static/[^"?]+)[^"]*"')


BROWSER = "gzip, deflate, br, zstd"


def fetch(client, path: str, lang: str, accept: str) -> tuple[bytes, str]:
    response = client.get(
        path, headers={"Accept-Encoding": accept, "Accept-Language": lang.replace("_", "-")}
    )
    assert response.status_code == 200, (path, response.status_code)
    response.direct_passthrough = False
    return response.get_data(), response.headers.get("Content-Encoding", "identity")


def served(client, path: str, lang: str) -> tuple[int, str, int, str, int, int]:
    """Bytes sent for gzip-only, for a browser, the gzip size and the raw size."""
    body, encoding = fetch(client, path, lang, "gzip")
    raw = gzip.decompress(body) if encoding == "gzip" else body
    browser, browser_encoding = fetch(client, path, lang, BROWSER)
    return (
        len(body),
        encoding,
        len(browser),
        browser_encoding,
        len(gzip.compress(raw, 6)),
        len(raw),
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--lang", default="zh_CN")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        app = create_app(
            TestingConfig,
            SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp}/weight.db",
            RATELIMIT_ENABLED=False,
        )
        with app.app_context():
            db.create_all()
            from app.demo import seed_demo
            from app.timeutil import utcnow

            seed_demo(utcnow())
            db.session.commit()
            client = app.test_client()
            print(f"Page weights as served (gzip where the server compresses), lang={args.lang}")
            for label, path in PAGES:
                html = client.get(path).get_data(as_text=True)
                rows = [("html", path, *served(client, path, args.lang))]
                for asset in dict.fromkeys(LINKED.findall(html)):
                    kind = "css" if asset.endswith(".css") else "js"
                    rows.append((kind, asset, *served(client, asset, args.lang)))
                print(f"\n{label} ({path})")
                print(
                    f"  {'':4} {'':28} {'gzip-only':>18} {'browser':>16} {'gzipped':>9} {'raw':>9}"
                )
                for kind, url, wire, enc, bwire, benc, gz, raw in rows:
                    print(
                        f"  {kind:4} {url:28} {wire:9,d} {enc:8} {bwire:9,d} {benc:6}"
                        f" {gz:9,d} {raw:9,d}"
                    )
                for column, name in ((2, "served, gzip-only"), (4, "browser"), (6, "gzipped")):
                    totals = {
                        k: sum(r[column] for r in rows if r[0] == k) for k in ("html", "css", "js")
                    }
                    print(
                        f"  total {name:18} {sum(totals.values()):7,d} B"
                        f" (html {totals['html']:,d} + css {totals['css']:,d}"
                        f" + js {totals['js']:,d})"
                    )
            db.session.remove()
            db.engine.dispose()
    print(
        "\nKiosk taps (tests/browser/test_kiosk_journey.py):"
        "\n  log in: 11 digits + 6 PIN digits on the number pad + Next = 18 taps"
        "\n  book 书法班 after login: Book a class, Book = 2 taps"
        "\n  check in for today's booked class after login: Check in = 1 tap"
    )


if __name__ == "__main__":
    main()
