"""Safe retries (Idempotency-Key) and optimistic concurrency (ETag / If-Match)."""

import copy
from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

from referrals.models import Referral
from rjcases.api.idempotency import purge_expired_records
from rjcases.api.models import IdempotencyRecord
from tests.api.conftest import REFERRAL_BODY

pytestmark = pytest.mark.django_db


def post(api, data=None, key="9b2f0c1e-retry"):
    return api.post("/api/v1/referrals/", data or REFERRAL_BODY, format="json", HTTP_IDEMPOTENCY_KEY=key)


def test_a_retry_with_the_same_key_and_body_replays_the_first_reply(agency_writer):
    _, api = agency_writer
    first = post(api)
    again = post(api)
    assert first.status_code == again.status_code == 201
    assert again.json() == first.json()
    assert again["Location"] == first["Location"]
    assert again["Idempotent-Replayed"] == "true"
    assert Referral.objects.count() == 1


def test_the_same_key_with_another_body_is_409(agency_writer):
    _, api = agency_writer
    post(api)
    changed = copy.deepcopy(REFERRAL_BODY)
    changed["incident_place"] = "Station Road"
    response = post(api, changed)
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "idempotency_key_reused"
    assert Referral.objects.count() == 1


def test_keys_belong_to_their_client(agency_writer, other_agency_writer):
    _, api = agency_writer
    _, other = other_agency_writer
    post(api)
    changed = copy.deepcopy(REFERRAL_BODY)
    changed["parties"][0]["on_match"] = "new"
    assert post(other, changed).status_code == 201
    assert Referral.objects.count() == 2


def test_a_failed_request_does_not_use_up_its_key(agency_writer):
    _, api = agency_writer
    broken = copy.deepcopy(REFERRAL_BODY)
    broken["incident_place"] = ""
    assert post(api, broken).status_code == 400
    assert not IdempotencyRecord.objects.exists()
    assert post(api).status_code == 201


def test_without_a_key_each_request_creates(agency_writer):
    _, api = agency_writer
    api.post("/api/v1/referrals/", REFERRAL_BODY, format="json")
    changed = copy.deepcopy(REFERRAL_BODY)
    changed["parties"][0]["on_match"] = "new"
    api.post("/api/v1/referrals/", changed, format="json")
    assert Referral.objects.count() == 2


def test_an_overlong_key_is_400(agency_writer):
    _, api = agency_writer
    response = post(api, key="k" * 256)
    assert response.status_code == 400 and "Idempotency-Key" in response.json()["error"]["fields"]


def test_replies_are_kept_for_24_hours(agency_writer):
    _, api = agency_writer
    post(api)
    with time_machine.travel(timezone.now() + timedelta(hours=23)):
        assert purge_expired_records() == 0
    with time_machine.travel(timezone.now() + timedelta(hours=25)):
        changed = copy.deepcopy(REFERRAL_BODY)
        changed["parties"][0]["on_match"] = "new"
        assert post(api, changed).status_code == 201  # the old reply is gone: the key is free again
    assert Referral.objects.count() == 2


def _draft(api):
    response = api.post("/api/v1/referrals/", REFERRAL_BODY, format="json")
    return response.json()["id"], response["ETag"]


def test_an_update_without_if_match_is_428(agency_writer):
    _, api = agency_writer
    pk, _ = _draft(api)
    response = api.patch(f"/api/v1/referrals/{pk}/", {"incident_place": "Station Road"}, format="json")
    assert response.status_code == 428
    assert response.json()["error"]["code"] == "precondition_required"


def test_an_update_with_the_current_etag_applies_and_returns_the_next_one(agency_writer):
    _, api = agency_writer
    pk, etag = _draft(api)
    assert api.get(f"/api/v1/referrals/{pk}/")["ETag"] == etag
    response = api.patch(
        f"/api/v1/referrals/{pk}/", {"incident_place": "Station Road"}, format="json", HTTP_IF_MATCH=etag
    )
    assert response.status_code == 200
    assert response.json()["incident_place"] == "Station Road"
    assert response["ETag"] != etag
    assert api.get(f"/api/v1/referrals/{pk}/")["ETag"] == response["ETag"]


def test_a_weak_etag_does_not_pass_if_match(agency_writer):
    _, api = agency_writer
    pk, etag = _draft(api)
    response = api.patch(
        f"/api/v1/referrals/{pk}/", {"incident_place": "Station Road"}, format="json", HTTP_IF_MATCH=f"W/{etag}"
    )
    assert response.status_code == 412
    assert api.get(f"/api/v1/referrals/{pk}/").json()["incident_place"] != "Station Road"


def test_two_clients_cannot_silently_overwrite_each_other(agency_writer, officer, as_user):
    _, api = agency_writer
    pk, etag = _draft(api)
    lead = as_user(officer)  # both read the same version…
    first = api.patch(f"/api/v1/referrals/{pk}/", {"incident_place": "Station Road"}, format="json", HTTP_IF_MATCH=etag)
    assert first.status_code == 200
    second = lead.patch(f"/api/v1/referrals/{pk}/", {"incident_place": "Mill Lane"}, format="json", HTTP_IF_MATCH=etag)
    # …the officer is not the unit lead, so cannot even see the client's referral; the client retries stale:
    assert second.status_code == 404
    stale = api.patch(f"/api/v1/referrals/{pk}/", {"incident_place": "Mill Lane"}, format="json", HTTP_IF_MATCH=etag)
    assert stale.status_code == 412
    assert stale.json()["error"]["code"] == "precondition_failed"
    assert Referral.objects.get(pk=pk).incident_place == "Station Road"


def test_a_move_honours_if_match_when_sent(agency_writer):
    _, api = agency_writer
    pk, etag = _draft(api)
    api.patch(f"/api/v1/referrals/{pk}/", {"incident_place": "Station Road"}, format="json", HTTP_IF_MATCH=etag)
    response = api.post(f"/api/v1/referrals/{pk}/submit/", {}, format="json", HTTP_IF_MATCH=etag)
    assert response.status_code == 412
    assert Referral.objects.get(pk=pk).status == "draft"


def test_parties_sent_on_update_replace_them(agency_writer):
    _, api = agency_writer
    pk, etag = _draft(api)
    current = api.get(f"/api/v1/referrals/{pk}/").json()
    responsible = next(p for p in current["parties"] if p["role"] == "responsible")
    parties = [
        {
            "id": responsible["id"],
            "role": "responsible",
            "first_name": "Sam",
            "last_name": "Jones-Smith",
            "admits_responsibility": True,
        }
    ]
    response = api.patch(f"/api/v1/referrals/{pk}/", {"parties": parties}, format="json", HTTP_IF_MATCH=etag)
    assert response.status_code == 200, response.content
    assert [(p["role"], p["name"]) for p in response.json()["parties"]] == [("responsible", "Sam Jones-Smith")]


def test_a_screened_referral_can_no_longer_be_changed(agency_writer):
    _, api = agency_writer
    pk, _ = _draft(api)
    etag = api.post(f"/api/v1/referrals/{pk}/submit/", {}, format="json")["ETag"]
    response = api.patch(f"/api/v1/referrals/{pk}/", {"incident_place": "X"}, format="json", HTTP_IF_MATCH=etag)
    assert response.status_code == 409
