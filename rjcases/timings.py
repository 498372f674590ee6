"""The programme's timings, set by an admin without a deploy: when each reminder and follow-up is due.

Ground floor: every floor reads them (referrals' screening backlog, cases' follow-ups, reminders,
the dashboard's stalled and overdue figures). The model keeps the `reminders` app label it was made
under, so that its table, its migrations and its place in the admin stay; reminders/models.py
imports it, which registers it with that app.
"""

from datetime import time

from django.core.validators import RegexValidator
from django.db import models
from django.db.models import Q

numbers_list = RegexValidator(r"^\s*\d+(\s*,\s*\d+)*\s*$", "Give whole numbers separated by commas, e.g. 48,2.")


class ReminderSettings(models.Model):
    """The timings of every reminder, set by an admin without a deploy. There is one row: see current()."""

    screening_backlog_days = models.PositiveSmallIntegerField(
        default=3, help_text="Remind supervisors of a referral still unscreened this many days after submission."
    )
    conference_hours_before = models.CharField(
        max_length=50,
        default="48,2",
        validators=[numbers_list],
        help_text="Hours before a conference to remind participants and facilitators, comma-separated.",
    )
    stalled_facilitator_days = models.PositiveSmallIntegerField(
        default=14, help_text="Tell the facilitator about an open case with no activity for this many days."
    )
    stalled_supervisor_days = models.PositiveSmallIntegerField(
        default=30, help_text="Tell the supervisors about an open case with no activity for this many days."
    )
    item_due_soon_days = models.PositiveSmallIntegerField(
        default=3, help_text="Remind about an agreement item this many days before its due date."
    )
    survey_days_after_close = models.PositiveSmallIntegerField(
        default=7, help_text="Send the harmed party the satisfaction survey this many days after the case closes."
    )
    survey_link_days = models.PositiveSmallIntegerField(default=30, help_text="How long a survey link stays valid.")
    reoffending_months = models.CharField(
        max_length=50,
        default="6,12,24",
        validators=[numbers_list],
        help_text="Months after closing to check for reoffending, comma-separated.",
    )
    quiet_hours_start = models.TimeField(default=time(21, 0), help_text="No SMS from this time…")
    quiet_hours_end = models.TimeField(default=time(8, 0), help_text="…until this time, in the recipient's time zone.")
    max_attempts = models.PositiveSmallIntegerField(
        default=5, help_text="Tries before a reminder is marked failed and shown to supervisors."
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        app_label = "reminders"
        verbose_name = "reminder settings"
        verbose_name_plural = "reminder settings"
        constraints = [models.CheckConstraint(condition=Q(pk=1), name="reminder_settings_singleton")]

    def __str__(self):
        return "Reminder settings"

    @classmethod
    def current(cls) -> "ReminderSettings":
        found, _ = cls.objects.get_or_create(pk=1)
        return found

    @property
    def conference_offsets(self) -> list[int]:
        return _numbers(self.conference_hours_before)

    @property
    def reoffending_offsets(self) -> list[int]:
        return _numbers(self.reoffending_months)


def _numbers(text: str) -> list[int]:
    return sorted({int(part) for part in text.replace(" ", "").split(",") if part.isdigit() and int(part) > 0})
