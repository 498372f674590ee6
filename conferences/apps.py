from django.apps import AppConfig


class ConferencesConfig(AppConfig):
    name = "conferences"
    verbose_name = "Conferences and agreements"

    def ready(self):
        from . import receivers  # noqa: F401  (a case that can no longer meet cancels its conferences)
