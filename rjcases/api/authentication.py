"""`Authorization: Bearer <key>` for systems; people use their session (with CSRF) as on the pages."""

from datetime import timedelta

from django.utils import timezone
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import authentication, exceptions

from .clients import client_for_key
from .models import ApiClient
from .throttling import FailedAuthenticationThrottle

# last_used_at is written at most this often per client, not on every request.
LAST_USED_RESOLUTION = timedelta(minutes=1)


class ApiKeyAuthentication(authentication.BaseAuthentication):
    """Check the key, after the limit on refused keys from the caller's address.

    DRF answers a refused key before its throttles run, so the limit is checked here: an address
    over it gets 429 whatever key it sends (rjcases/api/throttling.py says why).
    """

    keyword = "Bearer"

    def authenticate(self, request):
        header = authentication.get_authorization_header(request).split()
        if not header or header[0].lower() != self.keyword.lower().encode():
            return None
        throttle = FailedAuthenticationThrottle()
        if not throttle.allow_request(request, None):
            raise exceptions.Throttled(throttle.wait(), "Too many requests with a refused API key from this address.")
        try:
            client = self._client_for(header)
        except exceptions.AuthenticationFailed:
            throttle.record_failure()
            raise
        self._touch(client)
        return client.user, client

    def authenticate_header(self, request):
        return self.keyword

    @staticmethod
    def _client_for(header: list[bytes]) -> ApiClient:
        if len(header) != 2:
            raise exceptions.AuthenticationFailed("The Authorization header must be 'Bearer <key>'.")
        try:
            key = header[1].decode()
        except UnicodeError:
            raise exceptions.AuthenticationFailed("The API key is not valid.") from None
        client = client_for_key(key)
        if client is None or not client.user.is_active:
            raise exceptions.AuthenticationFailed("The API key is not valid or has been revoked.")
        if client.is_expired:
            expired = timezone.localtime(client.expires_at).isoformat(timespec="minutes")
            raise exceptions.AuthenticationFailed(
                f"The API key expired on {expired}: ask an administrator to renew it or for a new key.",
                code="key_expired",
            )
        return client

    @staticmethod
    def _touch(client: ApiClient) -> None:
        now = timezone.now()
        if client.last_used_at is None or now - client.last_used_at > LAST_USED_RESOLUTION:
            ApiClient.objects.filter(pk=client.pk).update(last_used_at=now)
            client.last_used_at = now


class ApiKeyScheme(OpenApiAuthenticationExtension):
    target_class = ApiKeyAuthentication
    name = "apiKey"

    def get_security_definition(self, auto_schema):
        return {
            "type": "http",
            "scheme": "bearer",
            "description": "An API key issued by an administrator: `Authorization: Bearer rjk_…`. A key that is "
            "unknown, revoked or expired is 401; after too many of those from one address, every request "
            "with a key from it is 429 until the time in Retry-After has passed.",
        }
