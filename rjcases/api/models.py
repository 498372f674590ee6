"""The systems that call the API, and the replies kept so that a retried request is answered again."""

import hashlib

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone


def hash_key(key: str) -> str:
    """Return the stored form of an API key: its SHA-256. The key itself is never stored."""
    return hashlib.sha256(key.encode()).hexdigest()


class ApiClientQuerySet(models.QuerySet):
    def active(self):
        return self.filter(revoked_at__isnull=True)


class ApiClient(models.Model):
    """A records system or a partner's system, with its key and scope.

    It acts through a service user of its own (an officer of its unit, or staff of its partner), so
    that the permission getters and services that take `by=<User>` work unchanged, and every write in
    the audit trail and the timelines names the client.
    """

    class Scope(models.TextChoices):
        READ = "read", "Read only"
        WRITE = "write", "Read and write"

    name = models.CharField(max_length=100, unique=True)
    unit = models.ForeignKey(
        "cases.Unit",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text="For a referring agency's system: the unit its referrals are logged for.",
    )
    partner = models.ForeignKey(
        "cases.Partner",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text="For a community partner's system.",
    )
    scope = models.CharField(max_length=10, choices=Scope.choices, default=Scope.READ)
    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="api_client")
    key_prefix = models.CharField(max_length=12, unique=True, editable=False)
    key_hash = models.CharField(max_length=64, unique=True, editable=False)
    created_at = models.DateTimeField(default=timezone.now)
    last_used_at = models.DateTimeField(null=True, blank=True, editable=False)
    revoked_at = models.DateTimeField(null=True, blank=True, editable=False)
    expires_at = models.DateTimeField(
        null=True, blank=True, help_text="When the key stops working. Empty: it works until it is revoked."
    )

    objects = ApiClientQuerySet.as_manager()

    class Meta:
        verbose_name = "API client"
        constraints = [
            models.CheckConstraint(
                condition=(Q(unit__isnull=False) & Q(partner__isnull=True))
                | (Q(unit__isnull=True) & Q(partner__isnull=False)),
                name="api_client_agency_or_partner",
            )
        ]

    def __str__(self):
        return self.name

    @property
    def agency(self):
        return self.unit.agency if self.unit_id else None

    @property
    def can_write(self) -> bool:
        return self.scope == self.Scope.WRITE

    @property
    def is_revoked(self) -> bool:
        return self.revoked_at is not None

    @property
    def is_expired(self) -> bool:
        return self.expires_at is not None and self.expires_at <= timezone.now()


class IdempotencyRecord(models.Model):
    """The first reply to a request sent with an `Idempotency-Key`, replayed when it is retried.

    Keys belong to the user who sent them: two clients may use the same key without meeting.
    """

    audited = False  # a stored reply: the write it answered was audited

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    key = models.CharField(max_length=255)
    operation = models.CharField(max_length=100)
    request_hash = models.CharField(max_length=64)
    status_code = models.PositiveSmallIntegerField()
    response_body = models.JSONField()
    location = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "operation", "key"], name="idempotency_key_once_per_user")
        ]

    def __str__(self):
        return f"{self.operation} {self.key}"
