"""Reminders as rows: every planned message, its recipient, due time, idempotency key and outcome.

A reminder is planned in the transaction of the change that causes it (reminders/planning.py) and
sent by a periodic Celery task that claims due rows (reminders/sending.py). The unique `key` makes
planning idempotent; the claim (status, claim token, lease) makes sending happen once.
"""

from datetime import time

from django.conf import settings
from django.core.validators import RegexValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone


class ReminderKind(models.TextChoices):
    SCREENING_BACKLOG = "screening_backlog", "Referral waiting for screening"
    CONFERENCE_UPCOMING = "conference_upcoming", "Conference coming up"
    CASE_STALLED = "case_stalled", "Case without activity"
    ITEM_DUE_SOON = "item_due_soon", "Agreement item due soon"
    ITEM_OVERDUE = "item_overdue", "Agreement item overdue"
    CASE_CLOSED = "case_closed", "Case closed"
    SATISFACTION_SURVEY = "satisfaction_survey", "Satisfaction survey"
    REOFFENDING_CHECK = "reoffending_check", "Reoffending check due"


class Channel(models.TextChoices):
    EMAIL = "email", "Email"
    SMS = "sms", "SMS"
    IN_APP = "in_app", "In the app"


class ReminderStatus(models.TextChoices):
    PENDING = "pending", "Planned"
    SENDING = "sending", "Being sent"
    SENT = "sent", "Sent"
    FAILED = "failed", "Failed"
    CANCELLED = "cancelled", "Cancelled"


class ReminderQuerySet(models.QuerySet):
    def due(self, now=None):
        """Return reminders a sweep may claim: pending and due, or claimed by a sweep whose lease ran out."""
        now = now or timezone.now()
        return self.filter(
            Q(status=ReminderStatus.PENDING, due_at__lte=now) | Q(status=ReminderStatus.SENDING, claimed_until__lt=now)
        )

    def planned(self):
        return self.filter(status__in=(ReminderStatus.PENDING, ReminderStatus.SENDING))


# A reminder to a group (supervisors, a partner's staff) is sent as one copy per member, keyed
# "<group's key>:u<user id>": the planners leave these copies alone, the group's row stands for them.
MEMBER_COPY_KEY = r":u[0-9]+$"


def member_copy_key(group_key: str, user_pk: int) -> str:
    return f"{group_key}:u{user_pk}"


class Reminder(models.Model):
    """One planned message to one recipient on one channel.

    The recipient is a user, a participant (a person, reached through their contact details), or a
    group expanded when the reminder falls due: the supervisors, or a partner organisation's staff.
    """

    kind = models.CharField(max_length=30, choices=ReminderKind.choices)
    variant = models.CharField(max_length=20, blank=True, help_text="Which of a kind's reminders: 48h, 14d, 6m…")
    referral = models.ForeignKey(
        "referrals.Referral", on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    case = models.ForeignKey("cases.Case", on_delete=models.CASCADE, null=True, blank=True, related_name="reminders")
    conference = models.ForeignKey(
        "conferences.Conference", on_delete=models.CASCADE, null=True, blank=True, related_name="reminders"
    )
    item = models.ForeignKey(
        "conferences.AgreementItem", on_delete=models.CASCADE, null=True, blank=True, related_name="reminders"
    )
    recipient_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, null=True, blank=True, related_name="reminders"
    )
    recipient_person = models.ForeignKey(
        "cases.Person", on_delete=models.CASCADE, null=True, blank=True, related_name="reminders"
    )
    recipient_partner = models.ForeignKey(
        "cases.Partner", on_delete=models.CASCADE, null=True, blank=True, related_name="+", help_text="Its staff."
    )
    to_supervisors = models.BooleanField(default=False)
    channel = models.CharField(max_length=10, choices=Channel.choices)
    due_at = models.DateTimeField()
    expires_at = models.DateTimeField(null=True, blank=True, help_text="Not worth sending after this (e.g. the start).")
    key = models.CharField(max_length=200, unique=True, help_text="Idempotency key: one reminder per key, ever.")
    status = models.CharField(max_length=10, choices=ReminderStatus.choices, default=ReminderStatus.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    last_error = models.TextField(blank=True)
    claim_token = models.UUIDField(null=True, blank=True, editable=False)
    claimed_until = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    cancelled_reason = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    objects = ReminderQuerySet.as_manager()

    class Meta:
        ordering = ["due_at", "pk"]
        indexes = [
            models.Index(
                fields=["due_at"],
                name="reminder_pending_due",
                condition=Q(status__in=["pending", "sending"]),
            ),
            models.Index(fields=["status", "due_at"], name="reminder_status_due"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=(
                    Q(recipient_user__isnull=False, recipient_person__isnull=True, recipient_partner__isnull=True)
                    & Q(to_supervisors=False)
                )
                | (
                    Q(recipient_user__isnull=True, recipient_person__isnull=False, recipient_partner__isnull=True)
                    & Q(to_supervisors=False)
                )
                | (
                    Q(recipient_user__isnull=True, recipient_person__isnull=True, recipient_partner__isnull=False)
                    & Q(to_supervisors=False)
                )
                | Q(recipient_user__isnull=True, recipient_person__isnull=True, recipient_partner__isnull=True)
                & Q(to_supervisors=True),
                name="reminder_has_one_recipient",
            ),
            models.CheckConstraint(
                condition=~Q(channel="sms") | Q(recipient_person__isnull=False), name="reminder_sms_to_participants"
            ),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} {self.variant} ({self.get_channel_display()}, {self.get_status_display()})"

    @property
    def is_group(self) -> bool:
        return self.to_supervisors or self.recipient_partner_id is not None

    @property
    def recipient_label(self) -> str:
        """Return who it is for, without contact details: safe to show to anyone who sees the case."""
        if self.recipient_user_id:
            return str(self.recipient_user)
        if self.recipient_person_id:
            return self.recipient_person.display_name
        if self.recipient_partner_id:
            return f"Staff of {self.recipient_partner}"
        return "Supervisors"


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
