from django.apps import AppConfig


class AccountsConfig(AppConfig):
    """Staff accounts: sign-in with a second factor, lockout, session limits and inactive accounts."""

    default_auto_field = "django.db.models.BigAutoField"
    name = "accounts"
    verbose_name = "Accounts and sign-in"

    def ready(self):
        from django.contrib.auth.signals import user_logged_in

        from . import inactivity, receivers, second_factor, sessions  # noqa: F401  (signal receivers)
        from .webauthn import guard_security_key_parsing

        guard_security_key_parsing()

        user_logged_in.connect(inactivity.clear_inactivity_warning, dispatch_uid="accounts_clear_inactivity_warning")
