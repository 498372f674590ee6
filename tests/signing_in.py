"""Signing in through the real pages: the password, then the second factor's code."""

from django.urls import reverse

from tests.factories import PASSWORD, totp_code


def sign_in(client, username: str, *, password: str = PASSWORD, url: str = "", follow: bool = False, **extra):
    """Post the login form, then the TOTP code when asked for it; return the last response."""
    response = client.post(url or reverse("login"), {"login": username, "password": password}, **extra)
    if response.status_code == 302 and response["Location"].startswith(reverse("mfa_authenticate")):
        response = client.post(reverse("mfa_authenticate"), {"code": totp_code()}, follow=follow, **extra)
    return response
