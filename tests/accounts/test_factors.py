"""Managing one's second factors: recovery codes, security keys (named, renamed, removed), each
change audited, and bad input answered with a form error."""

import json

import pytest
from allauth.mfa.models import Authenticator
from allauth.mfa.webauthn.internal.auth import STATE_SESSION_KEY
from django.test import Client
from django.urls import reverse

from people.models import AuditEntry
from tests.factories import PASSWORD, totp_code
from tests.software_key import SoftwareKey

pytestmark = pytest.mark.django_db
Type = Authenticator.Type


@pytest.fixture
def login(login):
    """Sign in, then re-authenticate with the password, as changing one's factors asks."""

    def signed_in_and_reauthenticated(user):
        client = login(user)
        assert client.post(reverse("account_reauthenticate"), {"password": PASSWORD}).status_code == 302
        return client

    return signed_in_and_reauthenticated


def add_key(client, name="Desk key") -> SoftwareKey:
    """Register a software security key through the page, as the browser's script does."""
    key = SoftwareKey()
    assert client.get(reverse("mfa_add_webauthn")).status_code == 200  # the page begins the ceremony
    challenge = client.session[STATE_SESSION_KEY]["challenge"]
    response = client.post(
        reverse("mfa_add_webauthn"), {"name": name, "credential": json.dumps(key.register(challenge))}
    )
    assert response.status_code == 302, response.content.decode()[-2000:]
    return key


@pytest.fixture
def security_key(login, officer):
    client = login(officer)
    add_key(client)
    return Authenticator.objects.get(user=officer, type=Type.WEBAUTHN)


def test_recovery_codes_are_generated_shown_and_downloadable(login, officer):
    client = login(officer)
    assert client.post(reverse("mfa_generate_recovery_codes")).status_code == 302
    codes = Authenticator.objects.get(user=officer, type=Type.RECOVERY_CODES)
    assert codes.data["seed"].startswith("gAAAAA")  # the seed is encrypted at rest
    page = client.get(reverse("mfa_view_recovery_codes"))
    assert page.status_code == 200
    download = client.get(reverse("mfa_download_recovery_codes"))
    assert download.status_code == 200 and download["Content-Type"].startswith("text/plain")
    assert AuditEntry.objects.filter(object_type="mfa.authenticator", object_id=str(codes.pk)).exists()


def test_a_security_key_is_renamed_and_removed_with_audit(login, officer, security_key):
    client = login(officer)
    assert "Desk key" in client.get(reverse("mfa_list_webauthn")).content.decode()
    edit = reverse("mfa_edit_webauthn", args=[security_key.pk])
    assert client.post(edit, {"name": "Spare key"}).status_code == 302
    security_key.refresh_from_db()
    assert security_key.data["name"] == "Spare key"

    assert client.post(reverse("mfa_remove_webauthn", args=[security_key.pk])).status_code == 302
    assert not Authenticator.objects.filter(pk=security_key.pk).exists()
    assert AuditEntry.objects.filter(
        object_type="mfa.authenticator", object_id=str(security_key.pk), action=AuditEntry.Action.DELETE
    ).exists()
    assert client.get("/").status_code == 200  # the authenticator app remains: still signed in


def test_another_users_security_key_is_out_of_reach(login, officer, supervisor, security_key):
    client = login(supervisor)
    assert client.post(reverse("mfa_edit_webauthn", args=[security_key.pk]), {"name": "x"}).status_code == 404
    assert client.post(reverse("mfa_remove_webauthn", args=[security_key.pk])).status_code == 404
    assert Authenticator.objects.filter(pk=security_key.pk).exists()


def test_a_security_key_signs_in_and_reauthenticates(login, officer):
    key = add_key(login(officer))
    client = Client()  # another browser
    assert AuditEntry.objects.filter(object_type="mfa.authenticator", action=AuditEntry.Action.CREATE).exists()

    client.post(reverse("login"), {"login": "officer", "password": PASSWORD})
    client.get(reverse("mfa_authenticate"))  # the page begins the ceremony for the key
    challenge = client.session[STATE_SESSION_KEY]["challenge"]
    response = client.post(reverse("mfa_authenticate"), {"credential": json.dumps(key.sign(challenge))})
    assert response.status_code == 302 and response["Location"] == "/"
    assert client.get("/").status_code == 200

    client.get(reverse("mfa_reauthenticate_webauthn"))
    challenge = client.session[STATE_SESSION_KEY]["challenge"]
    response = client.post(reverse("mfa_reauthenticate_webauthn"), {"credential": json.dumps(key.sign(challenge))})
    assert response.status_code == 302


def test_another_keys_signature_does_not_sign_in(login, officer):
    add_key(login(officer))
    client = Client()
    client.post(reverse("login"), {"login": "officer", "password": PASSWORD})
    client.get(reverse("mfa_authenticate"))
    challenge = client.session[STATE_SESSION_KEY]["challenge"]
    impostor = SoftwareKey()
    response = client.post(reverse("mfa_authenticate"), {"credential": json.dumps(impostor.sign(challenge))})
    assert response.status_code == 200
    assert client.get("/").status_code == 302
    assert client.post(reverse("mfa_authenticate"), {"code": totp_code()}).status_code == 302


@pytest.mark.parametrize("route", ["mfa_add_webauthn", "mfa_reauthenticate_webauthn"])
def test_a_forged_security_key_response_gets_a_form_error(login, officer, security_key, route):
    client = login(officer)
    client.get(reverse(route))
    before = Authenticator.objects.filter(user=officer).count()
    for forged in ['{"id": "forged", "response": {}}', "[1, 2]", '"text"', "{}", "not json"]:
        response = client.post(reverse(route), {"name": "Forged", "credential": forged})
        # The form again with its error; a failed re-authentication goes back with a message (allauth's way).
        assert response.status_code == (200 if route == "mfa_add_webauthn" else 302), forged
        assert client.get("/").status_code == 200
    assert Authenticator.objects.filter(user=officer).count() == before


def test_the_second_factor_pages_open(login, officer):
    client = login(officer)
    for route in ["mfa_index", "mfa_list_webauthn", "mfa_add_webauthn"]:
        assert client.get(reverse(route)).status_code == 200, route
