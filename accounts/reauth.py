"""Re-authentication before what would hurt most in the wrong hands: the admin and the full export.

Both the password and the second factor must have been given within ACCOUNT_REAUTHENTICATION_TIMEOUT
(at sign-in or since, through allauth's re-authentication pages). Whichever is missing is asked for,
password first, and the user comes back to the page they wanted.
"""

import time

from allauth.account.internal.flows.login import get_authentication_records
from allauth.mfa.utils import is_mfa_enabled
from django.conf import settings
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.http import urlencode


def missing_reauthentication(request) -> str:
    """Return the URL name of the re-authentication still needed, or "" when none is."""
    cutoff = time.time() - settings.ACCOUNT_REAUTHENTICATION_TIMEOUT
    records = get_authentication_records(request, request.user)
    recent = {record.get("method") for record in records if record.get("at", 0) >= cutoff}
    if "password" not in recent:
        return "account_reauthenticate"
    if "mfa" not in recent and is_mfa_enabled(request.user):
        return "mfa_reauthenticate"
    return ""


def reauthenticate_if_needed(request):
    """Return a redirect to the re-authentication still needed, or None when none is."""
    route = missing_reauthentication(request) if request.user.is_authenticated else ""
    return redirect(f"{reverse(route)}?{urlencode({'next': request.get_full_path()})}") if route else None


class AdminReauthenticationMiddleware:
    """Every page of the admin asks for a recent password and second factor."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.path_info.startswith(reverse("admin:index")):
            again = reauthenticate_if_needed(request)
            if again:
                return again
        return self.get_response(request)
