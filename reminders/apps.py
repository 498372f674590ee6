from django.apps import AppConfig


class RemindersConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "reminders"
    verbose_name = "Reminders and follow-ups"

    def ready(self):
        from django.core import checks

        from . import receivers  # noqa: F401  (the planner listens to the writers' announcements)
        from .sending import check_lease

        checks.register(check_lease)
