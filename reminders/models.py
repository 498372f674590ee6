"""Reminders as rows: every planned message, its recipient, due time, idempotency key and outcome.

A reminder is planned in the transaction of the change that causes it (reminders/planning.py) and
sent by a periodic Celery task that claims due rows (reminders/sending.py). The unique `key` makes
planning idempotent; the claim (status, claim token, lease) makes sending happen once.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

# The programme's timings sit on the ground floor; importing them here registers them with this app.
from rjcases.timings import ReminderSettings  # noqa: F401


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

    audited = False  # planned from audited records and replanned whenever they change; a resend is audited

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
