"""Sessions end after 30 idle minutes and 12 hours in all; signing out, a new password and a
deactivated account end them everywhere; a user sees where they are signed in and can end it."""

import pytest
from allauth.usersessions.models import UserSession
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.sessions.models import Session
from django.core import mail
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from tests.factories import PASSWORD
from tests.signing_in import sign_in

pytestmark = pytest.mark.django_db


@pytest.fixture
def clock(time_machine):
    time_machine.move_to(timezone.now(), tick=False)
    return time_machine


def test_an_idle_session_lasts_29_59_and_ends_at_30_00(client, officer, clock):
    assert sign_in(client, "officer").status_code == 302
    clock.shift(29 * 60 + 59)
    assert client.get("/").status_code == 200  # activity: the 30 minutes start again
    clock.shift(29 * 60 + 59)
    assert client.get("/").status_code == 200
    clock.shift(30 * 60)
    response = client.get(reverse("referrals:list"))
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))
    page = client.get(response["Location"])
    assert "signed out after 30 minutes without activity" in page.content.decode()


def test_asking_how_long_is_left_is_not_activity_but_staying_signed_in_is(client, officer, clock):
    client.force_login(officer)
    client.get("/")
    clock.shift(29 * 60)
    status = client.get(reverse("session_status")).json()
    assert status == {"signed_in": True, "seconds_left": 60}
    clock.shift(30)
    assert client.post(reverse("session_status")).json()["seconds_left"] == settings.SESSION_IDLE_SECONDS
    clock.shift(29 * 60 + 59)
    assert client.get("/").status_code == 200
    clock.shift(29 * 60)
    client.get(reverse("session_status"))
    clock.shift(60)
    assert client.get("/").status_code == 302


def test_a_session_ends_twelve_hours_after_sign_in_however_active(client, officer, clock):
    sign_in(client, "officer")
    for _ in range(35):  # a request every 20 minutes for 11 h 40 min
        clock.shift(20 * 60)
        assert client.get("/").status_code == 200
    clock.shift(20 * 60)
    response = client.get("/")
    assert response.status_code == 302
    assert "12 hours after signing in" in client.get(response["Location"]).content.decode()


def test_the_page_warns_a_minute_before_and_offers_to_stay(client, officer):
    client.force_login(officer)
    page = client.get("/").content.decode()
    assert 'id="session-timeout"' in page and "Stay signed in" in page and 'data-warn-before="60"' in page
    assert "js/session-timeout.js" in page


def test_an_old_session_id_is_refused_after_signing_out(officer):
    browser = Client()
    sign_in(browser, "officer")
    old = browser.cookies[settings.SESSION_COOKIE_NAME].value
    browser.post(reverse("logout"))
    thief = Client()
    thief.cookies[settings.SESSION_COOKIE_NAME] = old
    assert thief.get("/").status_code == 302


def test_a_new_password_ends_every_other_session(officer):
    laptop, phone = Client(), Client()
    sign_in(laptop, "officer")
    phone.force_login(officer)
    assert phone.get("/").status_code == 200
    new = "a-much-longer-passphrase-2026"
    response = laptop.post(
        reverse("account_change_password"), {"oldpassword": PASSWORD, "password1": new, "password2": new}
    )
    assert response.status_code == 302
    assert laptop.get("/").status_code == 200  # the one that changed it stays signed in
    assert phone.get("/").status_code == 302
    assert any("password" in message.subject.lower() for message in mail.outbox)  # the owner is told


def test_deactivating_an_account_ends_its_sessions(client, officer):
    sign_in(client, "officer")
    assert client.get("/").status_code == 200
    session_key = client.session.session_key
    assert UserSession.objects.filter(user=officer).count() == 1
    officer.is_active = False
    officer.save()
    assert not Session.objects.filter(session_key=session_key).exists()
    assert not UserSession.objects.filter(user=officer).exists()
    assert client.get("/").status_code == 302


def test_a_user_sees_their_sessions_and_ends_the_others(officer, clock):
    laptop, phone = Client(), Client()
    sign_in(laptop, "officer", HTTP_USER_AGENT="Laptop browser")
    clock.shift(30)  # the next code
    sign_in(phone, "officer", HTTP_USER_AGENT="Phone browser")
    page = laptop.get(reverse("usersessions_list"), HTTP_USER_AGENT="Laptop browser")
    assert page.status_code == 200
    text = page.content.decode()
    assert "Laptop browser" in text and "Phone browser" in text and "This browser" in text
    assert laptop.post(reverse("usersessions_list"), HTTP_USER_AGENT="Laptop browser").status_code == 302
    assert phone.get("/", HTTP_USER_AGENT="Phone browser").status_code == 302
    assert laptop.get("/", HTTP_USER_AGENT="Laptop browser").status_code == 200


def test_a_deactivated_user_cannot_sign_in(client, officer):
    get_user_model().objects.filter(pk=officer.pk).update(is_active=False)
    response = client.post(reverse("login"), {"login": "officer", "password": PASSWORD})
    assert client.get("/").status_code == 302
    assert response.status_code in (200, 302)
