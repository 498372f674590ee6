"""Model fields encrypted at rest, for participants' contact details (DESIGN.md, data protection rule 2).

The encryption is django-fernet-encrypted-fields (`encrypted_fields`): each value is a Fernet token
(AES-128-CBC with an HMAC) under a key derived from SECRET_KEY and a salt. SALT_KEY is the list
FIELD_ENCRYPTION_KEYS (rjcases/settings.py): the first entry encrypts, every entry decrypts, and so
does every SECRET_KEY_FALLBACKS entry. `reencrypt_all` (command `rotate_field_key`) rewrites every
value under the first key, after which older keys can be dropped (docs/data-protection.md).

A token is random: an encrypted column cannot be searched, filtered, ordered or indexed by its value.
"""

from collections.abc import Iterator

from cryptography.fernet import InvalidToken
from django.apps import apps
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.core.signals import setting_changed
from django.db import connection, transaction
from django.dispatch import receiver
from encrypted_fields import fields as encrypted

# What a Fernet token starts with (its version byte, base64): a value that starts so and does not
# decrypt was written under a key that is no longer configured.
FERNET_TOKEN_PREFIX = "gAAAAA"


def require_field_encryption_keys() -> None:
    """Refuse to go on without a field encryption key: called as the web and Celery processes
    start, and before any encrypted value is read or written."""
    if not settings.SALT_KEY:
        raise ImproperlyConfigured(
            "FIELD_ENCRYPTION_KEYS is not set. Contact details are encrypted at rest: set it to one long random "
            "key (or a comma-separated list, newest first, while rotating). See docs/data-protection.md."
        )


class KeepBlankMixin:
    """Store a blank value as "" rather than the library's NULL, so that columns stay NOT NULL and
    the code keeps reading "" for "no phone number". A blank says no more than NULL would."""

    def get_prep_value(self, value):
        if value == "":
            return ""
        require_field_encryption_keys()
        return super().get_prep_value(value)

    def from_db_value(self, value, expression, connection):
        if value:
            require_field_encryption_keys()
        return super().from_db_value(value, expression, connection)


class EncryptedCharField(KeepBlankMixin, encrypted.EncryptedCharField):
    pass


class EncryptedEmailField(KeepBlankMixin, encrypted.EncryptedEmailField):
    pass


class EncryptedTextField(KeepBlankMixin, encrypted.EncryptedTextField):
    pass


class UndecryptableValue(Exception):
    """A stored token that none of the configured keys opens."""


def encrypted_columns() -> Iterator[tuple[type, list]]:
    """Yield each model with encrypted fields (history tables included) and those fields."""
    for model in apps.get_models():
        fields = [f for f in model._meta.concrete_fields if isinstance(f, encrypted.EncryptedFieldMixin)]
        if fields:
            yield model, fields


def forget_keys() -> None:
    """Drop the keys each field derived and cached, so that the next use reads the settings again."""
    for _model, fields in encrypted_columns():
        for field in fields:
            field.__dict__.pop("keys", None)
            field.__dict__.pop("f", None)


@receiver(setting_changed)
def _forget_keys_on_change(*, setting, **kwargs):
    if setting in ("SALT_KEY", "SECRET_KEY", "SECRET_KEY_FALLBACKS"):
        forget_keys()


def decrypt_stored(field, stored: str) -> str:
    """Return the clear value of a stored column value: a token under any configured key, or clear
    text written before encryption. Raise UndecryptableValue for a token no key opens."""
    try:
        return field.f.decrypt(stored.encode("utf-8")).decode("utf-8")
    except InvalidToken:
        if stored.startswith(FERNET_TOKEN_PREFIX):
            raise UndecryptableValue(f"{field.model._meta.label}.{field.name}") from None
        return stored


def reencrypt_all(*, batch_size: int = 500) -> dict[str, int]:
    """Rewrite every encrypted value (and any clear one left) under the first key; return rows per model.

    All or nothing: a token that no configured key opens stops the run before anything is committed,
    because rewriting it would lose the value for good. Rows are written with update(), so that
    re-encrypting adds no history rows and changes no timestamps.
    """
    rewritten = {}
    with transaction.atomic():
        for model, fields in encrypted_columns():
            rewritten[model._meta.label] = _reencrypt_table(model, fields, batch_size)
    return rewritten


def _reencrypt_table(model, fields, batch_size: int) -> int:
    quote = connection.ops.quote_name
    pk = quote(model._meta.pk.column)
    columns = ", ".join(quote(f.column) for f in fields)
    select = f"SELECT {pk}, {columns} FROM {quote(model._meta.db_table)} WHERE {pk} > %s ORDER BY {pk} LIMIT %s"
    count, last = 0, 0
    while True:
        with connection.cursor() as cursor:
            cursor.execute(select, [last, batch_size])
            rows = cursor.fetchall()
        if not rows:
            return count
        for row_pk, *stored in rows:
            values = {f.attname: decrypt_stored(f, s) for f, s in zip(fields, stored, strict=True) if s}
            if values:
                model._base_manager.filter(pk=row_pk).update(**values)
                count += 1
        last = rows[-1][0]
