"""Signing in as an attacker meets it: lockout after 5 failures, a second factor, no session without it."""

from io import StringIO

import pytest
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import SECRET_SESSION_KEY, format_hotp_value, hotp_value
from axes.models import AccessAttempt
from django.core.management import call_command
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone

from accounts.adapters import StaffMFAAdapter
from people.models import AuditEntry
from tests.factories import PASSWORD, TOTP_SECRET, UserFactory, totp_code
from tests.signing_in import sign_in

pytestmark = pytest.mark.django_db
Action = AuditEntry.Action


def fail(client, username, address="203.0.113.5", password="not-the-password"):
    return client.post(reverse("login"), {"login": username, "password": password}, REMOTE_ADDR=address)


def test_the_fifth_failure_locks_the_account_and_the_right_password_is_then_refused(client, officer):
    for _ in range(4):
        response = fail(client, "officer")
        assert response.status_code == 200
        assert "not correct" in response.content.decode()
    locked = fail(client, "officer")
    assert locked.status_code == 429
    assert "Sign-in is locked after 5 failed attempts" in locked.content.decode()

    right = fail(client, "officer", address="198.51.100.20", password=PASSWORD)  # from elsewhere, too
    assert right.status_code == 429
    assert "Sign-in is locked" in right.content.decode()
    assert "not correct" not in right.content.decode()  # the page never says whether it was right
    assert client.get("/").status_code == 302
    assert AuditEntry.objects.filter(action=Action.LOCKOUT, actor_username="officer").exists()


def test_failures_count_whatever_the_case_of_the_username(client, officer):
    for username in ["officer", "Officer", "OFFICER", "oFFicer", "officeR"]:
        response = fail(client, username, address="192.0.2.1" if username.islower() else "192.0.2.2")
    assert response.status_code == 429


def test_five_failures_from_one_address_lock_the_address(client, officer, supervisor):
    for n in range(5):
        response = fail(client, f"guess{n}", address="203.0.113.66")
    assert response.status_code == 429
    assert fail(client, supervisor.username, address="203.0.113.66", password=PASSWORD).status_code == 429
    # The same account from another address is not locked.
    assert sign_in(client, supervisor.username, REMOTE_ADDR="203.0.113.67").status_code == 302


def test_a_lock_ends_after_thirty_minutes(client, officer, time_machine):
    time_machine.move_to(timezone.now(), tick=False)
    for _ in range(5):
        fail(client, "officer")
    time_machine.shift(29 * 60)
    assert fail(client, "officer", password=PASSWORD).status_code == 429
    time_machine.shift(30 * 60 + 1)  # 30 minutes after the last failure
    assert sign_in(client, "officer", REMOTE_ADDR="203.0.113.5").status_code == 302


def test_an_admin_releases_a_lock_in_the_admin_and_the_release_is_audited(client, officer):
    for _ in range(5):
        fail(client, "officer")
    attempts = AccessAttempt.objects.filter(username="officer")
    assert attempts.exists()

    admin = UserFactory(admin=True)
    staff = client.__class__()
    staff.force_login(admin)
    page = staff.get(reverse("admin:axes_accessattempt_changelist"))
    assert page.status_code == 200 and "officer" in page.content.decode()
    ids = [str(pk) for pk in attempts.values_list("pk", flat=True)]
    staff.post(
        reverse("admin:axes_accessattempt_changelist"),
        {"action": "delete_selected", "_selected_action": ids, "post": "yes"},
    )
    assert not attempts.exists()
    release = AuditEntry.objects.get(action=Action.UNLOCK)
    assert (release.actor, release.actor_username) == (admin, admin.username)
    assert sign_in(client, "officer", REMOTE_ADDR="203.0.113.5").status_code == 302


def test_a_password_without_the_second_factor_gets_no_session(client, officer):
    response = client.post(reverse("login"), {"login": "officer", "password": PASSWORD})
    assert response["Location"] == reverse("mfa_authenticate")
    for path in ["/", reverse("referrals:list"), reverse("admin:index"), reverse("usersessions_list")]:
        assert client.get(path).status_code == 302, path
    wrong = client.post(reverse("mfa_authenticate"), {"code": "000000" if totp_code() != "000000" else "111111"})
    assert wrong.status_code == 200 and "Incorrect code" in wrong.content.decode()
    assert client.get("/").status_code == 302

    assert client.post(reverse("mfa_authenticate"), {"code": totp_code()}).status_code == 302
    assert client.get("/").status_code == 200


def test_a_code_works_once(client, officer):
    assert sign_in(client, "officer").status_code == 302
    client.post(reverse("logout"))
    client.post(reverse("login"), {"login": "officer", "password": PASSWORD})
    replay = client.post(reverse("mfa_authenticate"), {"code": totp_code()})
    assert replay.status_code == 200  # the code just used is refused
    assert client.get("/").status_code == 302


def test_a_new_account_must_enrol_a_second_factor_before_anything_else(client):
    user = UserFactory(username="newstaff", second_factor=False)
    response = client.post(reverse("login"), {"login": "newstaff", "password": PASSWORD})
    assert response.status_code == 302
    for path in ["/", reverse("referrals:list"), reverse("dashboard:index"), "/api/v1/referrals/"]:
        response = client.get(path)
        assert response.status_code in (302, 403), path
        if response.status_code == 302:
            assert response["Location"] == reverse("mfa_activate_totp")
    page = client.get(reverse("mfa_activate_totp"))
    assert page.status_code == 200
    secret = client.session[SECRET_SESSION_KEY]
    code = format_hotp_value(hotp_value(secret, int(timezone.now().timestamp()) // 30))
    assert client.post(reverse("mfa_activate_totp"), {"code": code}).status_code == 302
    assert client.get("/").status_code == 200

    factor = Authenticator.objects.get(user=user, type=Authenticator.Type.TOTP)
    assert factor.data["secret"].startswith("gAAAAA") and secret not in str(factor.data)  # encrypted at rest
    assert AuditEntry.objects.filter(object_type="mfa.authenticator", action=Action.CREATE, actor=user).exists()


def test_factor_secrets_are_encrypted_at_rest(officer):
    stored = Authenticator.objects.get(user=officer).data["secret"]
    assert TOTP_SECRET not in stored and stored.startswith("gAAAAA")


def test_the_last_factor_cannot_be_removed_by_its_user(client, officer):
    client.force_login(officer)
    client.post(reverse("account_reauthenticate"), {"password": PASSWORD})  # changing factors asks again
    response = client.post(reverse("mfa_deactivate_totp"))
    assert response.status_code == 200
    assert Authenticator.objects.filter(user=officer, type=Authenticator.Type.TOTP).exists()


def test_an_admin_resets_a_users_factors_which_ends_their_sessions(client, officer):
    sign_in(client, "officer")
    assert client.get("/").status_code == 200
    admin = UserFactory(admin=True)
    staff = client.__class__()
    staff.force_login(admin)
    factor = Authenticator.objects.get(user=officer)
    response = staff.post(reverse("admin:mfa_authenticator_delete", args=[factor.pk]), {"post": "yes"})
    assert response.status_code == 302
    assert not Authenticator.objects.filter(user=officer).exists()
    entry = AuditEntry.objects.get(object_type="mfa.authenticator", action=Action.DELETE)
    assert entry.actor == admin

    assert client.get("/").status_code == 302  # signed out everywhere
    client.post(reverse("login"), {"login": "officer", "password": PASSWORD})
    assert client.get("/")["Location"] == reverse("mfa_activate_totp")  # and must enrol again


def test_the_admins_own_login_form_is_not_a_way_around_the_second_factor(client):
    UserFactory(username="root", admin=True)
    response = client.get(reverse("admin:login"))
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))
    client.post(reverse("admin:login"), {"username": "root", "password": PASSWORD})
    assert client.get(reverse("admin:index")).status_code == 302


def test_signing_up_is_not_possible(client):
    assert client.get("/accounts/signup/").status_code == 404


def test_rotating_the_field_key_rewrites_the_factor_secrets():
    with override_settings(SALT_KEY=["key-one"]):
        user = UserFactory(second_factor=False)
        factor = Authenticator.objects.create(
            user=user, type="totp", data={"secret": StaffMFAAdapter().encrypt(TOTP_SECRET)}
        )
    with override_settings(SALT_KEY=["key-two", "key-one"]):
        call_command("rotate_field_key", stdout=StringIO())
    factor.refresh_from_db()
    with override_settings(SALT_KEY=["key-two"]):
        assert StaffMFAAdapter().decrypt(factor.data["secret"]) == TOTP_SECRET


def test_guessing_the_second_factor_stops_after_five_wrong_codes(client, officer):
    client.post(reverse("login"), {"login": "officer", "password": PASSWORD})
    right = totp_code()
    wrong = [f"{n:06d}" for n in range(100000, 100010) if f"{n:06d}" != right][:5]
    for code in wrong:
        assert "Incorrect code" in client.post(reverse("mfa_authenticate"), {"code": code}).content.decode()
    refused = client.post(reverse("mfa_authenticate"), {"code": right})
    assert refused.status_code == 200 and "Too many failed" in refused.content.decode()
    assert client.get("/").status_code == 302
