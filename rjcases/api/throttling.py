"""Request limits, counted in Django's cache: Redis in production, so every process shares them."""

from rest_framework.settings import api_settings
from rest_framework.throttling import AnonRateThrottle, SimpleRateThrottle, UserRateThrottle


class ByConnectionAddress:
    """Count requests without a user by the address the audit log records for them.

    Without NUM_PROXIES, DRF takes the whole X-Forwarded-For header as the address, and any caller
    can send that header: one guesser would become a new address with every request. So the
    connection's own address counts, unless NUM_PROXIES says how many proxies in front to trust.
    """

    def get_ident(self, request):
        if api_settings.NUM_PROXIES is None:
            return request.META.get("REMOTE_ADDR")
        return super().get_ident(request)


class ClientRateThrottle(ByConnectionAddress, UserRateThrottle):
    """A limit per API client or per signed-in person (the user each acts as)."""

    scope = "client"


class AnonymousRateThrottle(ByConnectionAddress, AnonRateThrottle):
    """A limit per address for requests without credentials, which are refused anyway."""

    scope = "anonymous"


class FailedAuthenticationThrottle(ByConnectionAddress, SimpleRateThrottle):
    """A limit per address on API keys refused (unknown, revoked, expired, of a deactivated user).

    DRF answers a refused key with 401 before any view throttle counts, so the key authentication
    uses this one itself: `allow_request` before looking at the key, `record_failure` when the key is
    refused. Only failures are counted. Once an address is over the limit, every key it sends is
    refused with 429, a correct one too, until its oldest failure leaves the window: were a correct
    key let through, a 429 would only mean "wrong key", and guessing could go on at full speed.
    """

    scope = "failed_auth"

    def get_cache_key(self, request, view):
        return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}

    def throttle_success(self):
        return True  # a request under the limit is not a failure: `record_failure` counts those

    def record_failure(self) -> None:
        """Count a refused key against the address `allow_request` was last asked about."""
        if self.rate is None:
            return
        # Read, append, write: two failures at the same moment may count once, as with every DRF
        # throttle. That lets a few more guesses through under load, never fewer legitimate calls.
        self.history.insert(0, self.now)
        self.cache.set(self.key, self.history, self.duration)
