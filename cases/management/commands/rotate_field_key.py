"""Re-encrypt every encrypted column under the first of FIELD_ENCRYPTION_KEYS (docs/data-protection.md)."""

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from accounts.adapters import reencrypt_factor_secrets
from people.fields import UndecryptableValue, reencrypt_all


class Command(BaseCommand):
    help = (
        "Rewrite every encrypted value (contact details, their history, proposed details, second-factor "
        "secrets) under the first "
        "of FIELD_ENCRYPTION_KEYS and SECRET_KEY, so that older keys can then be removed. Nothing is written "
        "if any value opens with none of the configured keys."
    )

    def handle(self, *args, **options):
        try:
            with transaction.atomic():
                rewritten = reencrypt_all()
                rewritten["mfa.Authenticator"] = reencrypt_factor_secrets()
        except UndecryptableValue as error:
            raise CommandError(
                f"A value of {error} opens with none of the configured keys; nothing was rewritten. "
                "Put the key it was written under back into FIELD_ENCRYPTION_KEYS (or SECRET_KEY_FALLBACKS)."
            ) from None
        for label, count in rewritten.items():
            self.stdout.write(f"{label}: {count} rows re-encrypted")
