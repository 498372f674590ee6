"""Passwords: reset by e-mail with a link that works once and for an hour, change while signed in,
at least 12 characters and long passphrases welcome; re-authentication before the admin and the full export."""

import re

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from tests.factories import PASSWORD, UserFactory, totp_code
from tests.signing_in import sign_in

pytestmark = pytest.mark.django_db


def reset_link(officer, client):
    mail.outbox.clear()
    response = client.post(reverse("account_reset_password"), {"email": officer.email})
    assert response.status_code == 302
    assert len(mail.outbox) == 1 and mail.outbox[0].to == [officer.email]
    return re.search(r"https?://[^/\s]+(/accounts/password/reset/key/\S+/)", mail.outbox[0].body).group(1)


def set_through(client, link, password):
    form = client.get(link, follow=True)
    assert form.status_code == 200
    url = form.redirect_chain[-1][0] if form.redirect_chain else link
    return client.post(url, {"password1": password, "password2": password})


def test_a_reset_link_sets_a_new_password_once(client, officer):
    link = reset_link(officer, client)
    new = "a-brand-new-passphrase"
    assert set_through(client, link, new).status_code == 302
    officer.refresh_from_db()
    assert officer.check_password(new)
    assert client.get("/").status_code == 302  # the reset signs nobody in: sign-in still asks for the factor

    again = Client().get(link, follow=True)
    assert "invalid" in again.content.decode().lower()  # used once: the link no longer works
    assert sign_in(Client(), "officer", password=new).status_code == 302


def test_a_reset_link_expires_after_an_hour(client, officer, time_machine):
    time_machine.move_to(timezone.now(), tick=False)
    link = reset_link(officer, client)
    time_machine.shift(3601)
    set_through(client, link, "a-brand-new-passphrase")
    officer.refresh_from_db()
    assert officer.check_password(PASSWORD)


def test_a_reset_for_an_unknown_address_looks_the_same_and_sends_nothing(client):
    response = client.post(reverse("account_reset_password"), {"email": "nobody@example.org"})
    assert response.status_code == 302 and response["Location"] == reverse("account_reset_password_done")
    assert mail.outbox == []


@pytest.mark.parametrize(
    ("password", "accepted"),
    [
        ("short-pass1", False),
        ("password1234", False),
        ("twelve-chars", True),
        ("x" * 30 + "-long-passphrase-" + "y" * 17, True),
    ],
)
def test_password_rules(client, officer, password, accepted):
    client.force_login(officer)
    response = client.post(
        reverse("account_change_password"), {"oldpassword": PASSWORD, "password1": password, "password2": password}
    )
    officer.refresh_from_db()
    assert officer.check_password(password) is accepted
    if not accepted:
        assert response.status_code == 200
        assert "too short" in response.content.decode() or "too common" in response.content.decode()


def test_a_64_character_password_is_allowed(client, officer):
    password = "correct horse battery staple " * 2 + "and more"
    assert len(password) >= 64
    client.force_login(officer)
    client.post(
        reverse("account_change_password"), {"oldpassword": PASSWORD, "password1": password, "password2": password}
    )
    officer.refresh_from_db()
    assert officer.check_password(password)


def test_the_admin_asks_again_for_the_password_and_the_second_factor(client, time_machine):
    time_machine.move_to(timezone.now(), tick=False)
    UserFactory(username="root", admin=True)
    sign_in(client, "root")
    assert client.get(reverse("admin:index")).status_code == 200  # just signed in with both
    time_machine.shift(16 * 60)
    asked = client.get(reverse("admin:index"))
    assert asked.status_code == 302 and asked["Location"].startswith(reverse("account_reauthenticate"))
    after_password = client.post(asked["Location"], {"password": PASSWORD})
    assert after_password["Location"] == reverse("admin:index")
    asked = client.get(reverse("admin:index"))
    assert asked["Location"].startswith(reverse("mfa_reauthenticate"))
    time_machine.shift(31)  # a fresh code
    back = client.post(asked["Location"], {"code": totp_code()})
    assert back["Location"] == reverse("admin:index")
    assert client.get(reverse("admin:index")).status_code == 200


def test_the_full_export_asks_again_but_the_pseudonymised_one_does_not(client, time_machine):
    time_machine.move_to(timezone.now(), tick=False)
    UserFactory(username="root", admin=True)
    sign_in(client, "root")
    time_machine.shift(16 * 60)
    assert client.get(reverse("dashboard:export_csv")).status_code == 200
    full = client.get(reverse("dashboard:export_csv") + "?full=1")
    assert full.status_code == 302 and full["Location"].startswith(reverse("account_reauthenticate"))
