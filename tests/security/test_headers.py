"""Response headers: pages of a logged-in user and the login pages are never stored
by a (shared) browser; HSTS in production only; no page may use the camera,
microphone or location; the content security policy stays."""

from __future__ import annotations

import pytest

from config import ProductionConfig
from tests.conftest import PIN
from tests.programme_helpers import family
from tests.security.extra_apps import extra_app

PERMISSIONS = "camera=(), microphone=(), geolocation=()"


def test_pages_of_a_logged_in_user_are_never_stored(client, make):
    guardian, (kid,) = family(make, children=1)
    make.commit()
    client.post("/login", data={"phone": guardian.phone, "secret": PIN})
    for url in ("/me/", f"/programmes/children/{kid.id}/pickup", "/classes"):
        response = client.get(url)
        assert response.status_code == 200, url
        assert response.headers["Cache-Control"] == "no-store", url


def test_kiosk_pages_of_a_kiosk_login_are_never_stored(client, make):
    elder = make.resident()
    make.commit()
    client.post("/kiosk/login", data={"who": elder.phone, "pin": PIN})
    response = client.get("/kiosk/me")
    assert response.status_code == 200 and response.headers["Cache-Control"] == "no-store"


@pytest.mark.parametrize("url", ["/login", "/kiosk/login"])
def test_login_pages_are_never_stored(client, url):
    assert client.get(url).headers["Cache-Control"] == "no-store"


def test_a_refused_login_is_never_stored(client):
    response = client.post("/login", data={"phone": "13900000000", "secret": "000000"})
    assert response.headers["Cache-Control"] == "no-store"


def test_static_files_keep_their_caching(client, make):
    resident = make.resident()
    make.commit()
    client.post("/login", data={"phone": resident.phone, "secret": PIN})
    response = client.get("/static/css/site.css")
    assert response.status_code == 200
    assert "no-store" not in response.headers.get("Cache-Control", "")


@pytest.mark.parametrize("url", ["/", "/login", "/kiosk/", "/static/css/site.css", "/nowhere"])
def test_every_response_denies_camera_microphone_and_location(client, url):
    response = client.get(url)
    assert response.headers["Permissions-Policy"] == PERMISSIONS
    assert "Strict-Transport-Security" not in response.headers  # not outside production


def test_the_content_security_policy_is_kept(client):
    policy = client.get("/").headers["Content-Security-Policy"]
    assert "default-src 'self'" in policy and "script-src 'self'" in policy
    assert "frame-ancestors 'none'" in policy


def test_production_sends_hsts_for_a_year(database_url):
    assert ProductionConfig.HSTS_ENABLED
    with extra_app(
        ProductionConfig,
        SECRET_KEY="test-production-secret",
        SQLALCHEMY_DATABASE_URI=database_url,
        RATELIMIT_STORAGE_URI="memory://",
    ) as production:
        response = production.test_client().get("/healthz")
    assert response.headers["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains"
    assert response.headers["Permissions-Policy"] == PERMISSIONS
