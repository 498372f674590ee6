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
    anonymous pages stay cacheable. An API client is authenticated by its bearer key inside the view,
    and REST framework then sets the user on the request; a request that carries credentials is
    treated as authenticated even when they were refused, since its answer is still meant for one caller.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if "HTTP_AUTHORIZATION" in request.META or request.user.is_authenticated:
            add_never_cache_headers(response)
        return response
