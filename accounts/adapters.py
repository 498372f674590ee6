"""How allauth fits staff accounts: no self sign-up, second-factor secrets encrypted at rest, and no
second password prompt when a user who has just signed in enrols their first factor."""

from allauth.account.adapter import DefaultAccountAdapter
from allauth.core import context
from allauth.mfa.adapter import DefaultMFAAdapter
from allauth.mfa.models import Authenticator
from allauth.mfa.utils import is_mfa_enabled
from cryptography.fernet import InvalidToken
from django.core.signals import setting_changed
from django.dispatch import receiver

from people.fields import FERNET_TOKEN_PREFIX, EncryptedTextField, UndecryptableValue, require_field_encryption_keys

# A field of no model, used only for its keys: the same FIELD_ENCRYPTION_KEYS as contact details.
_secrets = EncryptedTextField()


@receiver(setting_changed)
def _forget_keys_on_change(*, setting, **kwargs):
    if setting in ("SALT_KEY", "SECRET_KEY", "SECRET_KEY_FALLBACKS"):
        _secrets.__dict__.pop("keys", None)
        _secrets.__dict__.pop("f", None)


# The encrypted entries of each kind of factor's data (a security key's are public keys, kept clear).
ENCRYPTED_DATA = {"totp": "secret", "recovery_codes": "seed"}


def reencrypt_factor_secrets() -> int:
    """Rewrite every second factor's secret under the first field key (with `rotate_field_key`);
    return how many were rewritten. Raise UndecryptableValue for a secret no configured key opens."""
    adapter, count = StaffMFAAdapter(), 0
    for factor in Authenticator.objects.filter(type__in=ENCRYPTED_DATA).select_for_update():
        name = ENCRYPTED_DATA[factor.type]
        try:
            clear = adapter.decrypt(factor.data[name])
        except InvalidToken:
            raise UndecryptableValue(f"mfa.Authenticator.data[{name}]") from None
        Authenticator.objects.filter(pk=factor.pk).update(data={**factor.data, name: adapter.encrypt(clear)})
        count += 1
    return count


class StaffAccountAdapter(DefaultAccountAdapter):
    def is_open_for_signup(self, request):
        return False  # accounts are made by an administrator, with a role and a unit

    def pre_authenticate(self, request, **credentials) -> None:
        # Wrong passwords are counted by django-axes, which locks the account and the address; a
        # second count here would answer the sixth try with another message than the lockout's.
        # allauth's limit of failed logins still guards the codes of the second factor.
        return None

    def is_reauthentication_required(self, *, app: str, **kwargs) -> bool:
        # Enrolling the first factor follows the password sign-in at once, and nothing else can be
        # done before it (RequireSecondFactorMiddleware); changing factors afterwards asks again.
        request = context.request
        if app == "allauth.mfa" and request is not None and not is_mfa_enabled(request.user):
            return False
        return super().is_reauthentication_required(app=app, **kwargs)


class StaffMFAAdapter(DefaultMFAAdapter):
    """Keep TOTP secrets and recovery-code seeds encrypted, so that a copy of the database does not
    hand over every account's second factor."""

    def encrypt(self, text: str) -> str:
        require_field_encryption_keys()
        return _secrets.f.encrypt(text.encode()).decode()

    def decrypt(self, encrypted_text: str) -> str:
        require_field_encryption_keys()
        try:
            return _secrets.f.decrypt(encrypted_text.encode()).decode()
        except InvalidToken:
            if encrypted_text.startswith(FERNET_TOKEN_PREFIX):
                raise
            return encrypted_text  # written before encryption

    def can_delete_authenticator(self, authenticator) -> bool:
        """Keep the last factor: a user removes one only after adding another (an admin may reset all)."""
        if authenticator.type == authenticator.Type.RECOVERY_CODES:
            return True
        others = type(authenticator).objects.filter(user_id=authenticator.user_id).exclude(pk=authenticator.pk)
        return others.exclude(type=authenticator.Type.RECOVERY_CODES).exists()
