"""What an API caller may do at all, before each record's own permission getter has its say."""

from rest_framework.permissions import SAFE_METHODS, BasePermission

from .models import ApiClient


class HasScope(BasePermission):
    """A read-only key may read; only a write key (or a signed-in person) may change anything."""

    message = "This API key is read-only: ask an administrator for a key with write scope."

    def has_permission(self, request, view):
        if not (request.user and request.user.is_authenticated):
            return False
        client = request.auth if isinstance(request.auth, ApiClient) else None
        return request.method in SAFE_METHODS or client is None or client.can_write


def api_client(request) -> ApiClient | None:
    """Return the client a request came from, or None for a person signed in to the site."""
    return request.auth if isinstance(request.auth, ApiClient) else None
