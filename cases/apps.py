from django.apps import AppConfig


class CasesConfig(AppConfig):
    name = "cases"
    verbose_name = "Cases and people"

    def ready(self):
        from people import audit  # noqa: F401  (connects the login signals)

        from . import receivers  # noqa: F401  (an accepted referral opens its case)
