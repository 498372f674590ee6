"""Who may call the API: keys (hashed, scoped, revocable, with last use) and people's sessions (with CSRF)."""

import io

import pytest
from django.core.management import call_command
from rest_framework.test import APIClient

from people.models import AuditEntry
from referrals.models import Referral
from rjcases.api.clients import issue_api_key, revoke_api_key
from rjcases.api.models import ApiClient, hash_key
from tests.api.conftest import REFERRAL_BODY

pytestmark = pytest.mark.django_db


def test_without_credentials_the_api_answers_401_in_the_error_shape(api):
    response = api.get("/api/v1/referrals/")
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Bearer"
    assert response.json()["error"]["status"] == 401
    assert response.json()["error"]["code"] == "not_authenticated"


def test_an_unknown_key_is_401(api):
    api.credentials(HTTP_AUTHORIZATION="Bearer rjk_deadbeef_not-a-real-key")
    response = api.get("/api/v1/referrals/")
    assert response.status_code == 401
    assert "not valid" in response.json()["error"]["message"]


def test_a_malformed_authorization_header_is_401(api):
    api.credentials(HTTP_AUTHORIZATION="Bearer two words")
    assert api.get("/api/v1/referrals/").status_code == 401


def test_the_key_is_stored_only_as_its_hash_and_use_is_stamped(unit):
    client, key = issue_api_key(name="Records system", scope="read", unit=unit)
    assert key not in {client.key_hash, client.key_prefix}
    assert client.key_hash == hash_key(key)
    assert key.startswith(f"rjk_{client.key_prefix}_")
    assert client.last_used_at is None
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {key}")
    assert api.get("/api/v1/referrals/").status_code == 200
    client.refresh_from_db()
    assert client.last_used_at is not None


def test_a_revoked_key_is_refused(agency_writer):
    record, api = agency_writer
    assert api.get("/api/v1/referrals/").status_code == 200
    revoke_api_key(client=record)
    response = api.get("/api/v1/referrals/")
    assert response.status_code == 401
    assert "revoked" in response.json()["error"]["message"]


def test_a_read_only_key_reads_but_cannot_write(agency_reader):
    _, api = agency_reader
    assert api.get("/api/v1/referrals/").status_code == 200
    response = api.post("/api/v1/referrals/", REFERRAL_BODY, format="json")
    assert response.status_code == 403
    assert "read-only" in response.json()["error"]["message"]
    assert not Referral.objects.exists()


def test_a_client_writes_as_its_service_user_and_the_audit_names_it(agency_writer):
    record, api = agency_writer
    response = api.post("/api/v1/referrals/", REFERRAL_BODY, format="json")
    assert response.status_code == 201
    referral = Referral.objects.get()
    assert referral.referring_officer == record.user
    assert str(record.user) == "Records system (API client)"
    entry = AuditEntry.objects.filter(object_type="referrals.referral", action=AuditEntry.Action.CREATE).get()
    assert (entry.actor, entry.object_id) == (record.user, str(referral.pk))
    assert entry.client == f"api key {record.pk} ({record.key_prefix})"
    # The parties and the first event are audited in the same request, naming the same key.
    assert AuditEntry.objects.filter(object_type="referrals.referralparty", client=entry.client).exists()


def test_people_use_their_session_and_writes_need_the_csrf_token(officer):
    api = APIClient(enforce_csrf_checks=True)
    api.force_login(officer)
    assert api.get("/api/v1/referrals/").status_code == 200
    response = api.post("/api/v1/referrals/", REFERRAL_BODY, format="json")
    assert response.status_code == 403
    assert "CSRF" in response.json()["error"]["message"]


def test_issue_and_revoke_commands(unit):
    out = io.StringIO()
    call_command("issue_api_key", "Northby records", "--unit", str(unit.pk), "--scope", "write", stdout=out)
    key = out.getvalue().strip().splitlines()[-1]
    client = ApiClient.objects.get(name="Northby records")
    assert client.key_hash == hash_key(key) and client.can_write and client.unit == unit
    out = io.StringIO()
    call_command("revoke_api_key", client.key_prefix, stdout=out)
    client.refresh_from_db()
    assert client.is_revoked and not client.user.is_active
    assert "revoked" in out.getvalue()


def test_issue_command_refuses_a_client_without_unit_or_partner():
    from django.core.management.base import CommandError

    with pytest.raises(CommandError):
        call_command("issue_api_key", "Nobody", stdout=io.StringIO())


def test_the_admin_issues_a_key_and_shows_it_once(client, unit):
    from tests.factories import UserFactory

    admin_user = UserFactory(username="root", admin=True)
    client.force_login(admin_user)
    response = client.post(
        "/admin/api/apiclient/add/", {"name": "Northby records", "unit": unit.pk, "scope": "read"}, follow=True
    )
    assert response.status_code == 200
    record = ApiClient.objects.get(name="Northby records")
    shown = [str(m) for m in response.context["messages"]]
    assert any(f"rjk_{record.key_prefix}_" in message for message in shown)
    response = client.post(
        "/admin/api/apiclient/",
        {"action": "revoke_keys", "_selected_action": [record.pk]},
        follow=True,
    )
    record.refresh_from_db()
    assert record.is_revoked
