"""Request limits, counted in Django's cache: Redis in production, so every process shares them."""

from rest_framework.throttling import AnonRateThrottle, UserRateThrottle


class ClientRateThrottle(UserRateThrottle):
    """A limit per API client or per signed-in person (the user each acts as)."""

    scope = "client"


class AnonymousRateThrottle(AnonRateThrottle):
    """A limit per address for requests without credentials, which are refused anyway."""

    scope = "anonymous"
