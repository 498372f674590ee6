"""Every staff account has a second factor: until it has one, it can only enrol one or sign out."""

from allauth.mfa.utils import is_mfa_enabled
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.signals import user_logged_in
from django.core.exceptions import PermissionDenied
from django.dispatch import receiver
from django.shortcuts import redirect
from django.urls import Resolver404, resolve
from django.utils.translation import gettext as _

ENROLLED = "accounts_second_factor_enrolled"

# What a user without a second factor may still open.
ENROLMENT_ROUTES = {
    "mfa_index",
    "mfa_activate_totp",
    "mfa_add_webauthn",
    "mfa_view_recovery_codes",
    "mfa_generate_recovery_codes",
    "mfa_download_recovery_codes",
    "logout",
    "account_logout",
    "session_status",
}


def has_second_factor(request) -> bool:
    """Say whether the signed-in user has a second factor; remembered in the session once true.

    Removing a user's factors ends their sessions (accounts/receivers.py), so a remembered "yes"
    never outlives the factors.
    """
    if request.session.get(ENROLLED):
        return True
    if is_mfa_enabled(request.user):
        request.session[ENROLLED] = True
        return True
    return False


@receiver(user_logged_in)
def _remember_second_factor(sender, request, user, **kwargs):
    # Asked once at sign-in, so that no request after it has to ask again.
    if request is not None and hasattr(request, "session") and is_mfa_enabled(user):
        request.session[ENROLLED] = True


class RequireSecondFactorMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if (
            request.user.is_authenticated
            and not settings.DEMO_SKIP_SECOND_FACTOR
            and not _is_allowed(request)
            and not has_second_factor(request)
        ):
            if request.path_info.startswith("/api/"):  # answered by the site's 403, in the API's shape
                raise PermissionDenied(
                    _("Set up a second factor for your account before using the API from a browser.")
                )
            messages.warning(request, _("Set up a second factor for your account before you go on."))
            return redirect("mfa_activate_totp")
        return self.get_response(request)


def _is_allowed(request) -> bool:
    try:
        return resolve(request.path_info).view_name in ENROLMENT_ROUTES
    except Resolver404:
        return False
