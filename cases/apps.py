from django.apps import AppConfig


class CasesConfig(AppConfig):
    name = "cases"
    verbose_name = "Cases and people"

    def ready(self):
        from . import audit  # noqa: F401  (connects the login signals)
