"""The security headers of the pages and the API: Content-Security-Policy, Permissions-Policy, HSTS,
and no caching of anything a signed-in user or an API client is shown."""

import pytest
from django.conf import settings
from django.shortcuts import resolve_url
from rest_framework.test import APIClient

from rjcases.api.clients import issue_api_key

pytestmark = pytest.mark.django_db

# The whole policy, directive by directive (django-csp writes them in no fixed order).
CSP = {
    "default-src": ["'self'"],
    "script-src": ["'self'"],
    "style-src": ["'self'"],
    "img-src": ["'self'", "data:"],
    "font-src": ["'self'"],
    "connect-src": ["'self'"],
    "frame-ancestors": ["'none'"],
    "form-action": ["'self'"],
    "base-uri": ["'none'"],
    "object-src": ["'none'"],
}
PERMISSIONS_POLICY = (
    "accelerometer=(), autoplay=(), browsing-topics=(), camera=(), display-capture=(), encrypted-media=(), "
    "geolocation=(), gyroscope=(), hid=(), idle-detection=(), local-fonts=(), magnetometer=(), microphone=(), "
    "midi=(), otp-credentials=(), payment=(), picture-in-picture=(), publickey-credentials-create=(self), "
    "publickey-credentials-get=(self), screen-wake-lock=(), serial=(), usb=(), window-management=(), "
    "xr-spatial-tracking=()"
)


def directives(response) -> dict[str, list[str]]:
    """Return the Content-Security-Policy of `response` as {directive: sources}."""
    parts = (part.split() for part in response["Content-Security-Policy"].split(";"))
    return {name: sources for name, *sources in parts}


@pytest.fixture
def api_key(unit):
    _, key = issue_api_key(name="Records system", scope="read", unit=unit)
    return key


def bearer(key) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {key}")
    return client


def test_a_signed_in_page_has_the_policies_and_is_not_stored(login, supervisor):
    response = login(supervisor).get("/")

    assert response.status_code == 200
    assert directives(response) == CSP
    assert response["Permissions-Policy"] == PERMISSIONS_POLICY
    assert "no-store" in response["Cache-Control"]


def test_the_login_page_has_the_policies(client):
    response = client.get(resolve_url(settings.LOGIN_URL))

    assert response.status_code == 200
    assert directives(response) == CSP
    assert response["Permissions-Policy"] == PERMISSIONS_POLICY


def test_an_api_response_to_a_key_has_the_policies_and_is_not_stored(api_key):
    response = bearer(api_key).get("/api/v1/referrals/")

    assert response.status_code == 200
    assert directives(response) == CSP
    assert response["Permissions-Policy"] == PERMISSIONS_POLICY
    assert "no-store" in response["Cache-Control"]


def test_an_api_response_to_a_session_is_not_stored(officer):
    client = APIClient()
    client.force_login(officer)

    response = client.get("/api/v1/referrals/")

    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]


def test_a_refused_key_is_not_stored_either():
    response = bearer("rjk_00000000_not-a-key").get("/api/v1/referrals/")

    assert response.status_code == 401
    assert "no-store" in response["Cache-Control"]


def test_anonymous_public_responses_may_be_cached(client, login, supervisor):
    # The schema is public; only the copy a signed-in user is shown must not be kept.
    assert "no-store" not in client.get("/api/schema/").get("Cache-Control", "")
    assert "no-store" in login(supervisor).get("/api/schema/")["Cache-Control"]


def test_hsts_covers_subdomains_and_asks_for_preloading(client, settings):
    settings.SECURE_HSTS_SECONDS = 31536000

    response = client.get(resolve_url(settings.LOGIN_URL), secure=True)

    assert response["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains; preload"


def test_without_hsts_seconds_no_hsts_header_is_sent(client):
    assert settings.SECURE_HSTS_SECONDS == 0
    assert "Strict-Transport-Security" not in client.get(resolve_url(settings.LOGIN_URL), secure=True)


def test_the_swagger_page_keeps_the_policy_and_has_no_inline_code(client):
    page = client.get("/api/docs/")
    script = client.get("/api/docs/?script=")

    assert directives(page) == CSP
    html = page.content.decode()
    assert "<style" not in html
    assert html.count("<script") == html.count("<script src=") == 3
    assert script["Content-Type"] == "application/javascript"
    assert b"SwaggerUIBundle(" in script.content


def test_only_the_redoc_page_allows_inline_styles_and_a_blob_worker(client):
    response = client.get("/api/redoc/")

    assert directives(response) == {
        **CSP,
        "style-src": ["'self'", "'unsafe-inline'"],
        "worker-src": ["'self'", "blob:"],
    }
    html = response.content.decode()
    assert "<style" not in html and "fonts.googleapis.com" not in html
    assert html.count("<script") == html.count("<script src=") == 1
