"""Single-purpose links for participants, who have no account: a survey, an invitation to answer.

The token is in the link only; the database keeps its SHA-256, so a copy of the database opens
nothing. A new link replaces the one before it. The pages they open need no login, are never
cached, and send no referrer (their address holds the token).
"""

import hashlib
import secrets
from functools import wraps

from django.contrib.auth.decorators import login_not_required
from django.utils.cache import add_never_cache_headers
from django.views.decorators.csrf import csrf_exempt


def new_link_token() -> tuple[str, str]:
    """Return a new token for a link, and the hash to store."""
    token = secrets.token_urlsafe(32)
    return token, link_hash(token)


def link_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def participant_page(view):
    """Let the page open without logging in, and keep it out of caches and other sites' logs."""

    @wraps(view)
    def wrapped(request, *args, **kwargs):
        response = view(request, *args, **kwargs)
        add_never_cache_headers(response)
        response.headers["Referrer-Policy"] = "no-referrer"
        return response

    # No CSRF check: under no-referrer, browsers send "Origin: null" with the form, which Django
    # refuses; and what authorises the answer is the token in the address, which a forging site
    # does not have, not a cookie that the browser would add for it.
    return login_not_required(csrf_exempt(wrapped))
