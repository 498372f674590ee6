"""Sealing and retention (DESIGN.md, data protection 6): the admin's settings and the seals.

A record is a referral with everything that hangs from it: the case it opened, its conferences,
agreements, items, notes and follow-ups. The referral carries whether the record is sealed
(`Referral.sealed_at`) so that every floor's scoped queryset can leave it out; a Seal row here
says who sealed it, why, and who unsealed it with what reason.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone


class RetentionSettings(models.Model):
    """When juvenile records are sealed and when each class of record is purged. There is one row."""

    seal_after_days = models.PositiveIntegerField(
        default=60,
        help_text="Seal the record of a juvenile's case this many days after it completed successfully.",
    )
    declined_referral_days = models.PositiveIntegerField(
        default=730,
        help_text="Purge the personal data of a declined or withdrawn referral this many days after it was closed.",
    )
    closed_case_days = models.PositiveIntegerField(
        default=2190,
        help_text="Purge the personal data of a completed, returned or closed case this many days after it closed.",
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "retention settings"
        verbose_name_plural = "retention settings"
        constraints = [
            models.CheckConstraint(condition=Q(pk=1), name="retention_settings_singleton"),
            models.CheckConstraint(condition=Q(seal_after_days__gte=1), name="retention_seal_after_a_day"),
            # A record is kept at least a year: a slip of the keyboard must not purge the live caseload.
            models.CheckConstraint(
                condition=Q(declined_referral_days__gte=365, closed_case_days__gte=365),
                name="retention_at_least_a_year",
            ),
        ]

    def __str__(self):
        return "Retention settings"

    @classmethod
    def current(cls) -> "RetentionSettings":
        found, _ = cls.objects.get_or_create(pk=1)
        return found


class SealRule(models.TextChoices):
    JUVENILE_COMPLETED = "juvenile_completed", "A juvenile's case completed successfully"


class Seal(models.Model):
    """One sealing of a record: when and by which rule, and, once lifted, who unsealed it and why."""

    referral = models.ForeignKey("referrals.Referral", on_delete=models.CASCADE, related_name="seals")
    rule = models.CharField(max_length=30, choices=SealRule.choices)
    sealed_at = models.DateTimeField(default=timezone.now)
    sealed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text="Blank: the nightly schedule.",
    )
    unsealed_at = models.DateTimeField(null=True, blank=True)
    unsealed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    unseal_reason = models.TextField(blank=True, help_text="Why the record had to be opened again.")

    class Meta:
        ordering = ["-sealed_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["referral"], condition=Q(unsealed_at__isnull=True), name="seal_one_in_force_per_record"
            ),
            models.CheckConstraint(
                condition=Q(unsealed_at__isnull=True) | ~Q(unseal_reason=""), name="seal_unsealed_with_a_reason"
            ),
        ]

    def __str__(self):
        return f"Seal {self.pk} of referral {self.referral_id}"

    @property
    def in_force(self) -> bool:
        return self.unsealed_at is None
