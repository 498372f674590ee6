"""Sealing a juvenile's record once the case completed successfully, and unsealing it with a reason.

A sealed record vanishes for everyone but administrators: each floor's scoped queryset leaves out
the referrals with `sealed_at` set (`referrals.permissions.can_see_sealed`). The rollup reads the
base tables, so the dashboard's figures keep counting sealed records without naming them.
"""

from datetime import datetime, timedelta

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone

from cases.models import Case, CaseStatus
from people.audit import record_audit, record_bulk_change
from people.models import AuditEntry, Person
from referrals.models import PartyRole, Referral, ReferralParty
from referrals.permissions import can_see_sealed
from rjcases.workflow import InvalidTransition

from .models import RetentionSettings, Seal, SealRule

MIN_REASON_LENGTH = 10


def records_due_for_sealing(*, now: datetime | None = None) -> list[int]:
    """Return the ids of the referrals whose record is due to be sealed.

    Due: the case completed successfully at least `seal_after_days` ago and a responsible party
    was under JUVENILE_AGE on the incident date (as screening and the dashboard count age). A record
    an administrator unsealed is never sealed again by the schedule.
    """
    now = now or timezone.now()
    days = RetentionSettings.current().seal_after_days
    candidates = (
        Referral.objects.filter(
            sealed_at__isnull=True,
            purged_at__isnull=True,
            case__status=CaseStatus.COMPLETED,
            case__closed_at__lte=now - timedelta(days=days),
        )
        .exclude(Exists(Seal.objects.filter(referral=OuterRef("pk"))))
        .order_by()
    )
    parties = ReferralParty.objects.filter(
        referral__in=candidates, role=PartyRole.RESPONSIBLE, person__date_of_birth__isnull=False
    ).values_list("referral_id", "referral__incident_date", "person__date_of_birth")
    due = {
        referral_id
        for referral_id, incident_date, born in parties.iterator(chunk_size=2000)
        if Person(date_of_birth=born).is_juvenile_on(incident_date)
    }
    return sorted(due)


def seal_record(*, referral: Referral, rule: str = SealRule.JUVENILE_COMPLETED, by=None) -> Seal | None:
    """Seal the referral's record; return the seal, or None if it was sealed already."""
    now = timezone.now()
    with transaction.atomic():
        # Compare-and-set: two runs of the schedule seal a record once.
        if not Referral.objects.filter(pk=referral.pk, sealed_at__isnull=True).update(sealed_at=now):
            return None
        record_bulk_change(Referral, [referral.pk], detail="fields: sealed_at")
        seal = Seal.objects.create(referral_id=referral.pk, rule=rule, sealed_at=now, sealed_by=by)
        record = Case.objects.filter(referral_id=referral.pk).first() or referral
        record_audit(by, AuditEntry.Action.SEAL, record, detail=f"referral={referral.pk} seal={seal.pk} rule={rule}")
    referral.sealed_at = now
    return seal


def seal_due_records(*, now: datetime | None = None) -> int:
    """Seal every record that is due; return how many were sealed."""
    sealed = 0
    for referral in Referral.objects.filter(pk__in=records_due_for_sealing(now=now)).select_related("case"):
        sealed += seal_record(referral=referral) is not None
    return sealed


def clean_unseal_reason(reason: str) -> str:
    """Return the reason stripped, or raise ValidationError: opening a sealed record needs a written why."""
    reason = (reason or "").strip()
    if len(reason) < MIN_REASON_LENGTH:
        raise ValidationError(
            f"Give the reason for unsealing in at least {MIN_REASON_LENGTH} characters.", code="reason_required"
        )
    if len(reason) > 2000:
        raise ValidationError("Keep the reason under 2000 characters.", code="reason_too_long")
    return reason


def unseal_record(*, referral: Referral, by, reason: str) -> Seal:
    """Lift the seal in force on the referral's record, with the administrator's written reason."""
    if not can_see_sealed(by):
        raise PermissionDenied("Only administrators can unseal a record.")
    reason = clean_unseal_reason(reason)
    with transaction.atomic():
        seal = Seal.objects.select_for_update().filter(referral_id=referral.pk, unsealed_at__isnull=True).first()
        if seal is None:
            raise InvalidTransition("This record is not sealed.")
        seal.unsealed_at = timezone.now()
        seal.unsealed_by = by
        seal.unseal_reason = reason
        seal.save(update_fields=["unsealed_at", "unsealed_by", "unseal_reason"])
        Referral.objects.filter(pk=referral.pk).update(sealed_at=None)
        record_bulk_change(Referral, [referral.pk], detail="fields: sealed_at")
        # The reason stays on the seal: the audit log keeps ids and codes only.
        record = Case.objects.filter(referral_id=referral.pk).first() or referral
        record_audit(by, AuditEntry.Action.UNSEAL, record, detail=f"referral={referral.pk} seal={seal.pk}")
    referral.sealed_at = None
    return seal
