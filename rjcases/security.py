"""Response headers that the security libraries do not set: no caching of what a signed-in user sees.

The Content-Security-Policy (django-csp), Permissions-Policy (django-permissions-policy) and HSTS
(Django's SecurityMiddleware) headers are configured in settings; this module only adds what none
of them covers.
"""

from django.utils.cache import add_never_cache_headers


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
