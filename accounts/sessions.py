"""How long a signed-in session lasts: 30 idle minutes and 12 hours in all (CJIS 5.5.5, ASVS 7.3).

The session keeps when its user signed in and when it last made a request. Django's own expiry
(SESSION_COOKIE_AGE, the idle limit, renewed at every save) already drops an idle session from the
store; the middleware also ends a session past either limit with a message saying why, and keeps
the absolute limit, which activity never renews.
"""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.signals import user_logged_in
from django.dispatch import receiver
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _

SIGNED_IN_AT = "accounts_signed_in_at"
LAST_SEEN = "accounts_last_seen"


@receiver(user_logged_in)
def _stamp_sign_in(sender, request, user, **kwargs):
    if request is not None and hasattr(request, "session"):
        now = timezone.now().timestamp()
        request.session[SIGNED_IN_AT] = now
        request.session[LAST_SEEN] = now


def seconds_left(session, now: float) -> int:
    """Return how long `session` has before it ends, by the nearer of its two limits."""
    idle_end = session.get(LAST_SEEN, now) + settings.SESSION_IDLE_SECONDS
    absolute_end = session.get(SIGNED_IN_AT, now) + settings.SESSION_ABSOLUTE_SECONDS
    return max(0, int(min(idle_end, absolute_end) - now))


def expiry_reason(session, now: float) -> str:
    """Say why `session` has ended, or return "" while it lasts."""
    if now - session.get(SIGNED_IN_AT, now) >= settings.SESSION_ABSOLUTE_SECONDS:
        hours = settings.SESSION_ABSOLUTE_SECONDS // 3600
        return _("You were signed out because sessions end %(hours)s hours after signing in. Please sign in again.") % {
            "hours": hours
        }
    if now - session.get(LAST_SEEN, now) >= settings.SESSION_IDLE_SECONDS:
        minutes = settings.SESSION_IDLE_SECONDS // 60
        return _("You were signed out after %(minutes)s minutes without activity. Please sign in again.") % {
            "minutes": minutes
        }
    return ""


class SessionLimitsMiddleware:
    """End a session past its idle or absolute limit; otherwise note the request as activity.

    The session-status endpoint only reads: the page's warning asks it how long is left, and asking
    must not count as activity.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.user.is_authenticated:
            session = request.session
            now = timezone.now().timestamp()
            session.setdefault(SIGNED_IN_AT, now)
            reason = expiry_reason(session, now)
            if reason:
                logout(request)
                if request.path_info.startswith("/api/"):
                    return self.get_response(request)  # the API answers an anonymous request itself
                messages.info(request, reason)
                return redirect(f"{reverse('login')}?{urlencode({'next': request.get_full_path()})}")
            if not (request.method == "GET" and request.path_info == reverse("session_status")):
                session[LAST_SEEN] = now
        return self.get_response(request)
