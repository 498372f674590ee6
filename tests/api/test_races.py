"""Races between API requests, with real row locks: PostgreSQL only (see tests/referrals/test_concurrency.py)."""

import copy

import pytest
from rest_framework.test import APIClient

from referrals.models import Referral
from rjcases.api.clients import issue_api_key
from tests.api.conftest import REFERRAL_BODY
from tests.factories import UnitFactory
from tests.helpers import reseed_reference_data, run_at_once

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def seeded():
    reseed_reference_data()


@pytest.fixture
def key():
    _, key = issue_api_key(name="Records system", scope="write", unit=UnitFactory())
    return key


def _client(key):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {key}")
    return client


def test_the_same_idempotency_key_sent_twice_at_once_creates_one_referral(key):
    def send():
        return _client(key).post(
            "/api/v1/referrals/", REFERRAL_BODY, format="json", HTTP_IDEMPOTENCY_KEY="one-key-two-requests"
        )

    first, second = run_at_once([send, send])

    assert Referral.objects.count() == 1
    assert first.status_code == second.status_code == 201
    assert first.json()["id"] == second.json()["id"]


def test_two_updates_of_the_same_version_at_once_one_wins_the_other_is_412(key):
    client = _client(key)
    created = client.post("/api/v1/referrals/", REFERRAL_BODY, format="json")
    pk, etag = created.json()["id"], created["ETag"]

    def change(place):
        body = copy.deepcopy({"incident_place": place})
        return lambda: _client(key).patch(f"/api/v1/referrals/{pk}/", body, format="json", HTTP_IF_MATCH=etag)

    results = run_at_once([change("Station Road"), change("Mill Lane")])

    assert sorted(r.status_code for r in results) == [200, 412]
    winner = next(r for r in results if r.status_code == 200)
    assert Referral.objects.get(pk=pk).incident_place == winner.json()["incident_place"]
