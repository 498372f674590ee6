"""Issuing and revoking API keys: the one place the admin and the management commands call."""

import secrets

from django.db import transaction
from django.utils import timezone
from django.utils.text import slugify

from people.audit import record_bulk_change
from people.models import Role, User

from .models import ApiClient, hash_key

KEY_PREFIX = "rjk_"


def _new_key() -> tuple[str, str]:
    """Return (prefix, key). The prefix identifies the key in lists; only the key's hash is kept."""
    prefix = secrets.token_hex(4)
    return prefix, f"{KEY_PREFIX}{prefix}_{secrets.token_urlsafe(32)}"


def _service_user(*, name: str, unit=None, partner=None) -> User:
    """Create the user the client acts as: an officer leading its unit, or staff of its partner.

    A unit lead sees every referral of the unit, which is what a unit's records system sends.
    """
    user = User(
        username=f"api-{slugify(name)[:100]}-{secrets.token_hex(3)}",
        first_name=name[:150],
        last_name="(API client)",
        role=Role.PARTNER if partner else Role.OFFICER,
        unit=unit,
        is_unit_lead=unit is not None,
        partner=partner,
    )
    user.set_unusable_password()
    user.save()
    return user


@transaction.atomic
def issue_api_key(*, name: str, scope: str, by=None, unit=None, partner=None, expires_at=None) -> tuple[ApiClient, str]:
    """Create a client with a new key and return both; the key is shown once and never again.

    `expires_at`, when given, is when the key stops working; without it the key works until revoked.
    """
    if (unit is None) == (partner is None):
        raise ValueError("An API client belongs to one unit of an agency or to one partner.")
    if scope not in ApiClient.Scope.values:
        raise ValueError(f"Scope must be one of {', '.join(ApiClient.Scope.values)}.")
    prefix, key = _new_key()
    client = ApiClient.objects.create(
        name=name,
        scope=scope,
        unit=unit,
        partner=partner,
        user=_service_user(name=name, unit=unit, partner=partner),
        key_prefix=prefix,
        key_hash=hash_key(key),
        expires_at=expires_at,
    )
    return client, key


@transaction.atomic
def revoke_api_key(*, client: ApiClient, by=None) -> ApiClient:
    """Revoke the client's key at once; its service user can no longer log in either."""
    client = ApiClient.objects.select_for_update().get(pk=client.pk)
    if client.revoked_at is None:
        client.revoked_at = timezone.now()
        client.save(update_fields=["revoked_at"])
        User.objects.filter(pk=client.user_id).update(is_active=False)
        record_bulk_change(User, [client.user_id], detail="fields: is_active")
    return client


def client_for_key(key: str) -> ApiClient | None:
    """Return the active client whose key this is, or None."""
    if not key.startswith(KEY_PREFIX):
        return None
    return ApiClient.objects.active().select_related("user").filter(key_hash=hash_key(key)).first()
