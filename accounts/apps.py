from django.apps import AppConfig


class AccountsConfig(AppConfig):
    """Staff accounts: sign-in with a second factor, lockout, session limits and inactive accounts."""

    default_auto_field = "django.db.models.BigAutoField"
    name = "accounts"
    verbose_name = "Accounts and sign-in"
