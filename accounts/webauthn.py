"""A guard around allauth's reading of security-key answers.

allauth parses the JSON a browser posts after a security-key ceremony, and turns a malformed answer
into a form error, but fido2 2.x raises KeyError for a missing member (`rawId`, `response`), which
allauth lets through as a server error. Any client can post such a body, so a missing member must
get the same form error as any other malformed answer.
"""

from allauth.mfa.adapter import get_adapter
from allauth.mfa.webauthn.internal import auth

MALFORMED = (KeyError, TypeError, ValueError, AttributeError)


def _guarded(parse):
    def parse_or_refuse(response):
        try:
            return parse(response)
        except MALFORMED:
            raise get_adapter().validation_error("incorrect_code") from None

    parse_or_refuse.__wrapped__ = parse
    return parse_or_refuse


def guard_security_key_parsing() -> None:
    """Make a malformed security-key answer a form error, on every form that reads one."""
    for name in ("parse_authentication_response", "parse_registration_response"):
        parse = getattr(auth, name)
        if not hasattr(parse, "__wrapped__"):
            setattr(auth, name, _guarded(parse))
