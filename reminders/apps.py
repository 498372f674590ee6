from django.apps import AppConfig


class RemindersConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "reminders"
    verbose_name = "Reminders and follow-ups"

    def ready(self):
        from . import receivers  # noqa: F401  (the planner listens to the writers' announcements)
