"""Reminders as rows: every planned message, its recipient, due time, idempotency key and outcome.

A reminder is planned in the transaction of the change that causes it (reminders/planning.py) and
sent by a periodic Celery task that claims due rows (reminders/sending.py). The unique `key` makes
planning idempotent; the claim (status, claim token, lease) makes sending happen once.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from people.fields import EncryptedCharField

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
    CONFERENCE_INVITATION = "conference_invitation", "Conference invitation"
    CONFERENCE_CANCELLED = "conference_cancelled", "Conference cancelled"
    HARMED_PARTY_NOTICE = "harmed_party_notice", "Harmed party kept informed"
    EXCHANGE_MESSAGE = "exchange_message", "Exchange: something to write or read"
    ACCREDITATION_EXPIRING = "accreditation_expiring", "Accreditation expiring"
    ACCREDITATION_LAPSED = "accreditation_lapsed", "Accreditation lapsed"
    TRAINING_INVITATION = "training_invitation", "Training session invitation"
    TRAINING_MOVED = "training_moved", "Training session moved"
    TRAINING_CANCELLED = "training_cancelled", "Training session cancelled"


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
    exchange = models.ForeignKey(
        "conferences.Exchange", on_delete=models.CASCADE, null=True, blank=True, related_name="reminders"
    )
    accreditation = models.ForeignKey(
        "training.Accreditation", on_delete=models.CASCADE, null=True, blank=True, related_name="reminders"
    )
    # The session rather than one attendance: a move or a cancellation is news to everyone invited,
    # and the session's sequence is what makes each of them a new message.
    training_session = models.ForeignKey(
        "training.TrainingSession", on_delete=models.CASCADE, null=True, blank=True, related_name="reminders"
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


class WebhookEvent(models.TextChoices):
    """What a client may subscribe to. Agency clients hear of their referrals; partner clients of their items."""

    REFERRAL_SCREENED = "referral.screened", "Referral screened (accepted or declined)"
    REFERRAL_NEEDS_INFO = "referral.needs_info", "Referral needs information"
    CASE_CLOSED = "case.closed", "Case closed, with its outcome"
    ITEM_OVERDUE = "item.overdue", "Agreement item overdue"


AGENCY_EVENTS = (WebhookEvent.REFERRAL_SCREENED, WebhookEvent.REFERRAL_NEEDS_INFO, WebhookEvent.CASE_CLOSED)
PARTNER_EVENTS = (WebhookEvent.ITEM_OVERDUE,)


class WebhookSubscription(models.Model):
    """An API client's address for the events it chose, with the secret its deliveries are signed with."""

    client = models.ForeignKey("api.ApiClient", on_delete=models.CASCADE, related_name="webhooks")
    url = models.URLField(max_length=500, help_text="Where deliveries are POSTed (https).")
    events = models.JSONField(default=list, help_text="The event types it receives.")
    secret = EncryptedCharField(max_length=100, editable=False)
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["pk"]

    def __str__(self):
        return f"Webhook {self.pk} of {self.client}"


class DeliveryStatus(models.TextChoices):
    PENDING = "pending", "Waiting"
    SENDING = "sending", "Being sent"
    DELIVERED = "delivered", "Delivered"
    FAILED = "failed", "Failed for 24 hours"
    CANCELLED = "cancelled", "Cancelled"


class WebhookDeliveryQuerySet(models.QuerySet):
    def due(self, now=None):
        """Deliveries a sweep may claim: waiting and due, or claimed by a sweep whose lease ran out."""
        now = now or timezone.now()
        return self.filter(
            Q(status=DeliveryStatus.PENDING, due_at__lte=now) | Q(status=DeliveryStatus.SENDING, claimed_until__lt=now)
        )


class WebhookDelivery(models.Model):
    """One event for one subscription: written with the change it reports, sent by the sweep.

    The body is frozen when the event happens and holds only what the client may read through the
    API (no contact details, no notes). `event_id` is the same on every try: receivers drop repeats by it.
    """

    audited = False  # written with audited changes; its sending is logged on the row; a resend is audited

    subscription = models.ForeignKey(WebhookSubscription, on_delete=models.CASCADE, related_name="deliveries")
    event_id = models.UUIDField(unique=True, editable=False)
    event = models.CharField(max_length=40, choices=WebhookEvent.choices)
    key = models.CharField(max_length=200, help_text="One delivery per subscription and key, ever.")
    payload = models.JSONField()
    occurred_at = models.DateTimeField()
    due_at = models.DateTimeField()
    retry_until = models.DateTimeField(help_text="Tries end here: 24 hours after it fell due, or was sent again.")
    status = models.CharField(max_length=10, choices=DeliveryStatus.choices, default=DeliveryStatus.PENDING)
    attempts = models.PositiveIntegerField(default=0)
    claim_token = models.UUIDField(null=True, blank=True, editable=False)
    claimed_until = models.DateTimeField(null=True, blank=True)
    last_attempt_at = models.DateTimeField(null=True, blank=True)
    last_status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    last_error = models.CharField(max_length=500, blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)
    cancelled_reason = models.CharField(max_length=200, blank=True)

    objects = WebhookDeliveryQuerySet.as_manager()

    class Meta:
        ordering = ["-occurred_at", "-pk"]
        verbose_name_plural = "webhook deliveries"
        indexes = [
            models.Index(fields=["due_at"], name="webhook_waiting_due", condition=Q(status__in=["pending", "sending"]))
        ]
        constraints = [models.UniqueConstraint(fields=["subscription", "key"], name="webhook_delivery_once_per_key")]

    def __str__(self):
        return f"{self.event} {self.event_id}"
