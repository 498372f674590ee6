"""What a locked-out login sees: the login page, saying the account is locked, and nothing about
whether the password it was just given was right (django-axes answers before checking it)."""

from allauth.account.forms import LoginForm
from django.conf import settings
from django.shortcuts import render


def lockout_response(request, original_response=None, credentials=None):
    minutes = int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)
    form = LoginForm(request=request, initial={"login": (credentials or {}).get("username", "")})
    message = (
        f"Sign-in is locked after {settings.AXES_FAILURE_LIMIT} failed attempts. Try again in {minutes} minutes, "
        "or ask an administrator to release the lock."
    )
    return render(request, "account/login.html", {"form": form, "locked_message": message}, status=429)


def username_of(request, credentials=None) -> str:
    """Return the attempted account, in lower case: allauth matches usernames without regard to
    case, so "Officer" and "officer" must count as one account's failures."""
    username = (credentials or {}).get("username") or request.POST.get("login") or request.POST.get("username")
    return (username or "").strip().lower() or None
