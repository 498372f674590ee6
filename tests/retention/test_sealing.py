"""Sealing a juvenile's record once the case completed successfully, and unsealing it with a reason."""

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from cases import services as case_services
from cases.models import Case
from people.models import AuditEntry
from referrals.models import PartyRole, Referral
from retention.models import RetentionSettings, Seal
from retention.sealing import seal_due_records, seal_record, unseal_record
from tests.cases.builders import build_world, years_ago
from tests.helpers import page_text

from .conftest import complete

pytestmark = pytest.mark.django_db


def test_the_schedule_seals_a_juvenile_case_that_completed_long_enough_ago(completed_juvenile):
    assert seal_due_records() == 1

    referral = Referral.objects.get(pk=completed_juvenile.case.referral_id)
    assert referral.sealed_at is not None
    seal = Seal.objects.get(referral=referral)
    assert seal.in_force and seal.sealed_by is None and seal.rule == "juvenile_completed"
    entry = AuditEntry.objects.get(action="seal")
    assert (entry.object_type, entry.object_id) == ("cases.case", str(completed_juvenile.case.pk))
    assert entry.detail == f"referral={referral.pk} seal={seal.pk} rule=juvenile_completed"
    assert seal_due_records() == 0  # once


def test_the_period_is_the_admins_setting(completed_juvenile):
    RetentionSettings.objects.update_or_create(pk=1, defaults={"seal_after_days": 90})
    assert seal_due_records() == 0
    Case.objects.filter(pk=completed_juvenile.case.pk).update(closed_at=timezone.now() - timedelta(days=91))
    assert seal_due_records() == 1


def test_a_case_completed_recently_is_not_sealed_yet(officer, supervisor, facilitator):
    world = build_world(officer=officer, supervisor=supervisor, facilitator=facilitator)
    complete(world, facilitator=facilitator, supervisor=supervisor, days_ago=59)
    assert seal_due_records() == 0


def test_an_adults_completed_case_is_not_sealed(officer, supervisor, facilitator):
    world = build_world(officer=officer, supervisor=supervisor, facilitator=facilitator)
    world.responsible.date_of_birth = years_ago(30)
    world.responsible.save()
    complete(world, facilitator=facilitator, supervisor=supervisor)
    assert seal_due_records() == 0


def test_juvenile_means_on_the_incident_date_not_today(officer, supervisor, facilitator):
    """17 when it happened, 19 now: a juvenile's record."""
    world = build_world(officer=officer, supervisor=supervisor, facilitator=facilitator)
    world.responsible.date_of_birth = years_ago(19)
    world.responsible.save()
    Referral.objects.filter(pk=world.case.referral_id).update(incident_date=years_ago(2))
    complete(world, facilitator=facilitator, supervisor=supervisor)
    assert seal_due_records() == 1


@pytest.mark.parametrize("closing", ["return", "close"])
def test_a_juvenile_case_that_did_not_complete_is_not_sealed(closing, officer, supervisor, facilitator):
    world = build_world(officer=officer, supervisor=supervisor, facilitator=facilitator)
    if closing == "return":
        case_services.return_case(case=world.case, by=facilitator, reason_code="no_contact")
    else:
        case_services.close_without_conference(case=world.case, by=facilitator, reason="Harmed party declined.")
    Case.objects.filter(pk=world.case.pk).update(closed_at=timezone.now() - timedelta(days=400))
    assert seal_due_records() == 0


def test_an_unsealed_record_is_not_sealed_again_by_the_schedule(completed_juvenile, administrator):
    seal_due_records()
    unseal_record(
        referral=completed_juvenile.case.referral, by=administrator, reason="Court order 2026/114 to disclose."
    )
    assert seal_due_records() == 0
    assert Referral.objects.get(pk=completed_juvenile.case.referral_id).sealed_at is None


# Unsealing


@pytest.mark.parametrize("reason", ["", "   ", "because"])
def test_unsealing_needs_a_written_reason(completed_juvenile, administrator, reason):
    seal_due_records()
    with pytest.raises(ValidationError):
        unseal_record(referral=completed_juvenile.case.referral, by=administrator, reason=reason)
    assert Referral.objects.get(pk=completed_juvenile.case.referral_id).sealed_at is not None
    assert not AuditEntry.objects.filter(action="unseal").exists()


def test_only_an_administrator_unseals(completed_juvenile, supervisor):
    seal_due_records()
    with pytest.raises(PermissionDenied):
        unseal_record(referral=completed_juvenile.case.referral, by=supervisor, reason="I would like to see it again.")


def test_unsealing_in_the_admin_keeps_the_reason_on_the_seal_and_audits_ids_only(
    completed_juvenile, administrator, login
):
    seal_due_records()
    seal = Seal.objects.get()
    url = reverse("admin:retention_seal_change", args=[seal.pk])
    client = login(administrator)

    refused = client.post(url, {"unseal_reason": "  "})
    assert refused.status_code == 200
    assert "Give the reason for unsealing" in page_text(refused)
    assert Referral.objects.get(pk=seal.referral_id).sealed_at is not None

    reason = "Jamie Doyle asked for his file, request 77."
    response = client.post(url, {"unseal_reason": reason})
    assert response.status_code == 302
    seal.refresh_from_db()
    assert (seal.unseal_reason, seal.unsealed_by) == (reason, administrator)
    assert Referral.objects.get(pk=seal.referral_id).sealed_at is None
    entry = AuditEntry.objects.get(action="unseal")
    assert entry.actor == administrator
    assert entry.detail == f"referral={seal.referral_id} seal={seal.pk}"
    assert "Jamie" not in entry.detail and "77" not in entry.detail
    # A lifted seal is read only.
    assert client.post(url, {"unseal_reason": "Once more with feeling"}).status_code == 403


def test_supervisors_cannot_reach_the_seals_in_the_admin(completed_juvenile, supervisor, login):
    seal_due_records()
    seal = Seal.objects.get()
    client = login(supervisor)
    for url in (reverse("admin:retention_seal_changelist"), reverse("admin:retention_seal_change", args=[seal.pk])):
        assert client.post(url, {"unseal_reason": "Let me in, please."}).status_code in (302, 403)
    assert Referral.objects.get(pk=seal.referral_id).sealed_at is not None


def test_the_retention_settings_refuse_a_period_that_would_purge_the_live_caseload(administrator, login):
    url = reverse("admin:retention_retentionsettings_change", args=[RetentionSettings.current().pk])
    data = {"seal_after_days": "60", "declined_referral_days": "7", "closed_case_days": "2190"}
    response = login(administrator).post(url, data)
    assert response.status_code == 200  # the form again, with its error
    assert RetentionSettings.current().declined_referral_days == 730
    response = login(administrator).post(url, {**data, "seal_after_days": "-1"})
    assert response.status_code == 200
    assert RetentionSettings.current().seal_after_days == 60


def test_an_admin_sees_that_a_record_is_sealed(completed_juvenile, administrator, login):
    seal_due_records()
    client = login(administrator)
    for url in (completed_juvenile.case.get_absolute_url(), completed_juvenile.case.referral.get_absolute_url()):
        assert "Sealed record." in page_text(client.get(url))


def test_the_command_seals_and_its_dry_run_only_counts(completed_juvenile, capsys):
    call_command("apply_retention", "--dry-run")
    assert "Due to be sealed: 1 records. Due to be purged: 0 records." in capsys.readouterr().out
    assert not Seal.objects.exists()
    call_command("apply_retention")
    assert "Sealed 1 records." in capsys.readouterr().out
    assert Referral.objects.get(pk=completed_juvenile.case.referral_id).sealed_at is not None


def test_sealing_twice_seals_once(completed_juvenile):
    referral = completed_juvenile.case.referral
    assert seal_record(referral=referral) is not None
    assert seal_record(referral=Referral.objects.get(pk=referral.pk)) is None
    assert Seal.objects.count() == 1
    assert referral.parties.filter(role=PartyRole.RESPONSIBLE).exists()
