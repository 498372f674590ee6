"""Response headers that the security libraries do not set: no caching of what a signed-in user sees.

The Content-Security-Policy (django-csp), Permissions-Policy (django-permissions-policy) and HSTS
(Django's SecurityMiddleware) headers are configured in settings; this module only adds what none
of them covers.
"""

from django.http import HttpResponseBadRequest
from django.template.loader import render_to_string
from django.utils.cache import add_never_cache_headers

from rjcases.api.errors import error_response


class NoStoreForAuthenticatedMiddleware:
    """Mark every response to an authenticated request `Cache-Control: no-store`.

    Case files hold personal data of victims and juveniles: neither the browser's cache (a shared
    computer, the back button after signing out) nor a proxy may keep a copy. Static files and the
    anonymous pages stay cacheable.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        # The session's user is read before the view, which may replace it: logging out does, and so
        # does a REST framework view, with the client of a bearer key or with no one (the schema).
        signed_in = request.user.is_authenticated
        response = self.get_response(request)
        # A request that carries credentials is answered for one caller, even when they are refused.
        if signed_in or request.user.is_authenticated or "HTTP_AUTHORIZATION" in request.META:
            add_never_cache_headers(response)
        return response


class RefuseNulCharacterMiddleware:
    """Answer 400, naming the field, to a query or form field holding the NUL character.

    PostgreSQL cannot store it and a lookup with it fails in the database, so it is refused before
    any view runs, for the pages and the API's query parameters alike. JSON bodies are checked by
    the API's parser (rjcases/api/parsers.py).
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        field = _field_with_nul(request)
        if field is None:
            return self.get_response(request)
        reason = f"The field “{field}” contains the NUL character, which is not allowed."
        if request.path_info.startswith("/api/"):
            return error_response(400, "invalid", reason, {field: ["The NUL character is not allowed."]})
        return HttpResponseBadRequest(render_to_string("400.html", {"reason": reason}, request=request))


def _field_with_nul(request):
    sources = [request.GET]
    if request.content_type in ("application/x-www-form-urlencoded", "multipart/form-data"):
        sources.append(request.POST)
    for source in sources:
        for name, values in source.lists():
            if "\x00" in name or any("\x00" in value for value in values):
                return name.replace("\x00", "") or "?"
    return None
