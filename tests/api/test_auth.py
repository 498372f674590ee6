"""Who may call the API: keys (hashed, scoped, revocable, expiring, with last use) and people's sessions (with CSRF)."""

import io
from datetime import UTC, datetime, timedelta

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone
from rest_framework.test import APIClient

from people.models import AuditEntry
from referrals.models import Referral
from rjcases.api.clients import issue_api_key, revoke_api_key
from rjcases.api.models import ApiClient, hash_key
from tests.api.conftest import REFERRAL_BODY

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)


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


def test_revoking_in_the_admin_refuses_the_key_at_once(client, agency_writer):
    from tests.factories import UserFactory

    record, api = agency_writer
    assert api.get("/api/v1/referrals/").status_code == 200
    client.force_login(UserFactory(username="root", admin=True))
    client.post("/admin/api/apiclient/", {"action": "revoke_keys", "_selected_action": [record.pk]})
    response = api.get("/api/v1/referrals/")
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Bearer"


def test_deactivating_the_service_user_refuses_the_key_at_once(agency_writer):
    record, api = agency_writer
    assert api.get("/api/v1/referrals/").status_code == 200
    record.user.is_active = False
    record.user.save(update_fields=["is_active"])
    response = api.get("/api/v1/referrals/")
    assert response.status_code == 401
    assert "not valid" in response.json()["error"]["message"]
    response = api.post("/api/v1/referrals/", REFERRAL_BODY, format="json")
    assert response.status_code == 401
    assert not Referral.objects.exists()


def _expiring(record, when):
    record.expires_at = when
    record.save(update_fields=["expires_at"])


def test_an_expired_key_is_401_saying_when_it_expired(agency_writer, time_machine, settings):
    settings.TIME_ZONE = "Europe/London"
    record, api = agency_writer
    time_machine.move_to(NOW, tick=False)
    _expiring(record, datetime(2026, 3, 31, 17, 0, tzinfo=UTC))
    response = api.get("/api/v1/referrals/")
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Bearer"
    error = response.json()["error"]
    assert error["code"] == "key_expired"
    assert "expired on 2026-03-31T18:00+01:00" in error["message"]  # in the app's time zone
    assert api.post("/api/v1/referrals/", REFERRAL_BODY, format="json").status_code == 401
    assert not Referral.objects.exists()


def test_a_key_expiring_tomorrow_works_until_then(agency_writer, time_machine):
    record, api = agency_writer
    time_machine.move_to(NOW, tick=False)
    _expiring(record, timezone.now() + timedelta(days=1))
    assert api.get("/api/v1/referrals/").status_code == 200
    assert api.post("/api/v1/referrals/", REFERRAL_BODY, format="json").status_code == 201
    time_machine.shift(timedelta(days=1, seconds=-1))
    assert api.get("/api/v1/referrals/").status_code == 200
    time_machine.shift(timedelta(seconds=1))
    response = api.get("/api/v1/referrals/")
    assert (response.status_code, response.json()["error"]["code"]) == (401, "key_expired")


def test_an_unknown_key_never_says_expired(api):
    api.credentials(HTTP_AUTHORIZATION="Bearer rjk_deadbeef_not-a-real-key")
    assert "expired" not in api.get("/api/v1/referrals/").json()["error"]["message"]


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
    with pytest.raises(CommandError):
        call_command("issue_api_key", "Nobody", stdout=io.StringIO())


def test_issue_command_sets_an_expiry(unit, time_machine, settings):
    settings.TIME_ZONE = "Europe/London"
    time_machine.move_to(NOW, tick=False)
    out, err = io.StringIO(), io.StringIO()
    call_command("issue_api_key", "Pilot", "--unit", str(unit.pk), "--expires", "2027-03-31", stdout=out, stderr=err)
    client = ApiClient.objects.get(name="Pilot")
    # A date alone: the key stops working at the start of that day, in the app's time zone.
    assert timezone.localtime(client.expires_at) == timezone.make_aware(datetime(2027, 3, 31))
    assert "expiring 2027-03-31T00:00+01:00" in err.getvalue()
    call_command("issue_api_key", "Trial", "--unit", str(unit.pk), "--expires", "2026-12-01T18:30Z", stdout=out)
    assert ApiClient.objects.get(name="Trial").expires_at == datetime(2026, 12, 1, 18, 30, tzinfo=UTC)
    call_command("issue_api_key", "Lasting", "--unit", str(unit.pk), stdout=out, stderr=err)
    assert ApiClient.objects.get(name="Lasting").expires_at is None


@pytest.mark.parametrize("expires", ["2026-11-30", "next tuesday", "2027-02-30"])
def test_issue_command_refuses_an_expiry_past_or_not_a_date(unit, time_machine, expires):
    time_machine.move_to(NOW, tick=False)
    with pytest.raises(CommandError):
        call_command("issue_api_key", "Pilot", "--unit", str(unit.pk), "--expires", expires, stdout=io.StringIO())
    assert not ApiClient.objects.exists()


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


def test_the_admin_sets_and_moves_a_key_expiry(client, unit):
    from tests.factories import UserFactory

    client.force_login(UserFactory(username="root", admin=True))
    response = client.post(
        "/admin/api/apiclient/add/",
        {"name": "Pilot", "unit": unit.pk, "scope": "read", "expires_at_0": "2027-03-31", "expires_at_1": "18:00"},
        follow=True,
    )
    assert response.status_code == 200
    record = ApiClient.objects.get(name="Pilot")
    assert timezone.localtime(record.expires_at) == timezone.make_aware(datetime(2027, 3, 31, 18, 0))
    assert "column-expires_at" in client.get("/admin/api/apiclient/").content.decode()
    response = client.post(
        f"/admin/api/apiclient/{record.pk}/change/",
        {"name": "Pilot", "expires_at_0": "2027-09-30", "expires_at_1": "18:00"},
        follow=True,
    )
    assert response.status_code == 200
    record.refresh_from_db()
    assert timezone.localtime(record.expires_at) == timezone.make_aware(datetime(2027, 9, 30, 18, 0))
    entry = AuditEntry.objects.filter(object_type="api.apiclient", object_id=str(record.pk)).latest("pk")
    assert entry.action == AuditEntry.Action.CHANGE
