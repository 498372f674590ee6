"""Guessing keys: refused keys are limited per address (API_RATE_FAILED_AUTH, 10 a minute by default)."""

from datetime import UTC, datetime, timedelta

import pytest
from rest_framework.settings import api_settings
from rest_framework.test import APIClient
from rest_framework.throttling import SimpleRateThrottle

from rjcases.api.clients import issue_api_key, revoke_api_key

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
GUESSER = "203.0.113.10"
NEIGHBOUR = "203.0.113.11"
LIMIT = 10


@pytest.fixture(autouse=True)
def _frozen(time_machine):
    time_machine.move_to(NOW, tick=False)
    return time_machine


def call(key: str, address: str, **headers):
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {key}")
    return api.get("/api/v1/units/", REMOTE_ADDR=address, **headers)


def guess(address: str, n: int = 0, **headers):
    return call(f"rjk_deadbeef_guess-number-{n}", address, **headers)


def exhaust(address: str) -> None:
    for n in range(LIMIT):
        assert guess(address, n).status_code == 401, n


@pytest.fixture
def key(unit):
    _, key = issue_api_key(name="Records system", scope="read", unit=unit)
    return key


def test_the_guess_after_the_limit_is_429_with_retry_after_in_the_error_shape():
    exhaust(GUESSER)
    response = guess(GUESSER, LIMIT)
    assert response.status_code == 429
    assert response["Retry-After"] == "60"
    error = response.json()["error"]
    assert (error["status"], error["code"], error["fields"]) == (429, "throttled", {})
    assert "refused API key" in error["message"] and "60 seconds" in error["message"]


def test_a_correct_key_from_an_address_over_the_limit_is_refused_too(key):
    assert call(key, GUESSER).status_code == 200
    exhaust(GUESSER)
    response = call(key, GUESSER)
    assert response.status_code == 429
    assert int(response["Retry-After"]) > 0


def test_another_address_is_not_limited(key):
    exhaust(GUESSER)
    assert guess(NEIGHBOUR).status_code == 401
    assert call(key, NEIGHBOUR).status_code == 200


def test_the_address_may_try_again_after_retry_after_seconds(key, _frozen):
    exhaust(GUESSER)
    _frozen.shift(30)
    response = call(key, GUESSER)
    assert (response.status_code, response["Retry-After"]) == (429, "30")
    _frozen.shift(int(response["Retry-After"]))
    assert call(key, GUESSER).status_code == 200
    assert guess(GUESSER).status_code == 401


def test_the_window_slides_so_a_steady_guesser_stays_limited(_frozen):
    for n in range(LIMIT):
        assert guess(GUESSER, n).status_code == 401
        _frozen.shift(5)  # ten guesses over 50 seconds
    assert guess(GUESSER).status_code == 429
    _frozen.shift(10)  # the first guess has left the window: one more may be tried
    assert guess(GUESSER).status_code == 401
    assert guess(GUESSER).status_code == 429


def test_revoked_expired_and_deactivated_keys_count_as_failures(unit):
    revoked, revoked_key = issue_api_key(name="Old records", scope="read", unit=unit)
    revoke_api_key(client=revoked)
    expired, expired_key = issue_api_key(name="Pilot records", scope="read", unit=unit)
    expired.expires_at = NOW - timedelta(days=1)
    expired.save(update_fields=["expires_at"])
    deactivated, deactivated_key = issue_api_key(name="Paused records", scope="read", unit=unit)
    deactivated.user.is_active = False
    deactivated.user.save(update_fields=["is_active"])
    refused = [revoked_key, expired_key, deactivated_key, "rjk_deadbeef_x", "not-even-a-prefix", "two words"]
    for n in range(LIMIT):
        assert call(refused[n % len(refused)], GUESSER).status_code == 401, n
    assert call(expired_key, GUESSER).status_code == 429


def test_correct_keys_and_requests_without_a_key_are_not_failures(key):
    for _ in range(LIMIT + 5):
        assert call(key, GUESSER).status_code == 200
        assert APIClient().get("/api/v1/units/", REMOTE_ADDR=GUESSER).status_code == 401
    assert guess(GUESSER).status_code == 401


def test_a_new_forwarded_for_header_with_each_guess_does_not_escape_the_limit():
    for n in range(LIMIT):
        assert guess(GUESSER, n, HTTP_X_FORWARDED_FOR=f"198.51.100.{n}").status_code == 401
    assert guess(GUESSER, LIMIT, HTTP_X_FORWARDED_FOR="198.51.100.99").status_code == 429


def test_guessed_writes_are_limited_too(key):
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION="Bearer rjk_deadbeef_guess")
    for _ in range(LIMIT):
        assert api.post("/api/v1/referrals/", {}, format="json", REMOTE_ADDR=GUESSER).status_code == 401
    assert api.post("/api/v1/referrals/", {}, format="json", REMOTE_ADDR=GUESSER).status_code == 429


def test_the_limit_is_the_configured_rate(monkeypatch):
    rates = {**api_settings.DEFAULT_THROTTLE_RATES, "failed_auth": "3/hour"}
    monkeypatch.setattr(SimpleRateThrottle, "THROTTLE_RATES", rates)
    for n in range(3):
        assert guess(GUESSER, n).status_code == 401
    response = guess(GUESSER, 3)
    assert (response.status_code, response["Retry-After"]) == (429, "3600")


def test_behind_trusted_proxies_the_forwarded_address_counts(settings, key):
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "NUM_PROXIES": 1}
    proxy = "10.0.0.2"
    replies = [guess(proxy, n, HTTP_X_FORWARDED_FOR=GUESSER) for n in range(LIMIT + 1)]
    assert [r.status_code for r in replies] == [401] * LIMIT + [429]
    assert call(key, proxy, HTTP_X_FORWARDED_FOR=NEIGHBOUR).status_code == 200
    assert call(key, proxy, HTTP_X_FORWARDED_FOR=GUESSER).status_code == 429
