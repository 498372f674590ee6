"""Single-purpose links for participants, who have no account: a survey, an invitation to answer.

The token is in the link only; the database keeps its SHA-256, so a copy of the database opens
nothing. A new link replaces the one before it. The pages they open need no login, are never
cached, and send no referrer (their address holds the token).
"""

import hashlib
import secrets
from functools import wraps

from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.utils import translation
from django.utils.cache import add_never_cache_headers
from django.views.decorators.csrf import csrf_exempt

LANGUAGE_CODES = {code for code, _ in settings.LANGUAGES}


def new_link_token() -> tuple[str, str]:
    """Return a new token for a link, and the hash to store."""
    token = secrets.token_urlsafe(32)
    return token, link_hash(token)


def link_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def participant_language(person) -> str:
    """Return the language a participant's pages and messages are in: theirs, else the programme's."""
    language = getattr(getattr(person, "contact", None), "language", "")
    return language if language in LANGUAGE_CODES else settings.LANGUAGE_CODE


def chosen_language(request) -> str:
    """Return the language the participant chose on the page (`?lang=`), or ''."""
    chosen = request.GET.get("lang", "")
    return chosen if chosen in LANGUAGE_CODES else ""


def speak_their_language(request, person) -> None:
    """Unless the participant chose a language on the page, switch to theirs (in a participant page)."""
    if not chosen_language(request):
        translation.activate(participant_language(person))


def participant_page(view):
    """Let the page open without logging in, and keep it out of caches and other sites' logs.

    It is in the language chosen on the page, else the programme's; a view that knows whose page
    it is may switch to that person's language when none was chosen.
    """

    @wraps(view)
    def wrapped(request, *args, **kwargs):
        with translation.override(chosen_language(request) or settings.LANGUAGE_CODE):
            response = view(request, *args, **kwargs)
            response.headers["Content-Language"] = translation.get_language()
        add_never_cache_headers(response)
        response.headers["Referrer-Policy"] = "no-referrer"
        return response

    # No CSRF check: under no-referrer, browsers send "Origin: null" with the form, which Django
    # refuses; and what authorises the answer is the token in the address, which a forging site
    # does not have, not a cookie that the browser would add for it.
    return login_not_required(csrf_exempt(wrapped))
