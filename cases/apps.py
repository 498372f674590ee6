from django.apps import AppConfig


class CasesConfig(AppConfig):
    name = "cases"
    verbose_name = "Cases and people"

    def ready(self):
        from people import audit

        audit.connect_change_auditing()  # every model is loaded by now

        from . import receivers  # noqa: F401  (an accepted referral opens its case)
