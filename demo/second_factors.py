"""The demo's second factors: a TOTP secret per demo user that anyone trying the demo can know.

Derived from the username, so that `manage.py demo_codes` can print the current codes and an
authenticator app can be given the same secret. For the demo database only: real accounts enrol
their own, random secret at first sign-in.
"""

import base64
import hashlib
import hmac
import time

from allauth.mfa import app_settings as mfa_settings
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import TOTP, format_hotp_value, hotp_value


def demo_totp_secret(username: str) -> str:
    digest = hmac.new(b"rj-cases demo second factor", username.encode(), hashlib.sha256).digest()
    return base64.b32encode(digest[:20]).decode()


def current_code(username: str, at: float | None = None) -> str:
    counter = int(time.time() if at is None else at) // mfa_settings.TOTP_PERIOD
    return format_hotp_value(hotp_value(demo_totp_secret(username), counter))


def ensure_demo_factor(user) -> None:
    """Give `user` the demo TOTP factor, unless they already have a factor of that kind."""
    if not Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists():
        TOTP.activate(user, demo_totp_secret(user.username))
