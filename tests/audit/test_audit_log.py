"""The audit log's AU-3 fields, its refusals, its hash chain and verify_audit (DESIGN.md, rule 7)."""

import io
from contextlib import suppress

import pytest
from celery import shared_task
from django.core.management import CommandError, call_command
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from rest_framework.test import APIClient

from people.audit import batched_audit, chain_hash, record_audit, verify_chain
from people.models import AuditEntry, Unit
from rjcases.api.clients import issue_api_key
from tests.api.conftest import REFERRAL_BODY
from tests.signing_in import sign_in

pytestmark = pytest.mark.django_db

Action, Outcome = AuditEntry.Action, AuditEntry.Outcome


def entries_since(mark: int):
    return AuditEntry.objects.filter(pk__gt=mark).order_by("pk")


def last_id() -> int:
    return AuditEntry.objects.order_by("-pk").values_list("pk", flat=True).first() or 0


def test_a_write_names_who_what_which_record_when_and_where_from(login, officer, draft):
    mark = last_id()
    url = reverse("referrals:withdraw", args=[draft.pk])
    response = login(officer).post(url, {"reason": "The facts changed."}, REMOTE_ADDR="192.0.2.44")

    assert response.status_code == 302
    entry = entries_since(mark).get(object_type="referrals.referral", action=Action.CHANGE)
    assert (entry.actor, entry.actor_username, entry.object_id) == (officer, "officer", str(draft.pk))
    assert (entry.ip_address, entry.client, entry.outcome) == ("192.0.2.44", "web", Outcome.SUCCESS)
    assert entry.created_at.utcoffset().total_seconds() == 0
    # The move's own timeline entry is audited in the same request.
    assert entries_since(mark).filter(object_type="referrals.referralevent", action=Action.CREATE).exists()


def test_entries_are_timed_to_the_microsecond_and_in_order(officer):
    first = record_audit(officer, Action.VIEW, officer)
    second = record_audit(officer, Action.VIEW, officer)
    first.refresh_from_db()
    assert second.created_at >= first.created_at
    assert {first.created_at.microsecond, second.created_at.microsecond} != {0}


def test_a_refused_page_is_audited_with_its_outcome(login, partner, draft):
    mark = last_id()
    assert login(partner).get(reverse("referrals:detail", args=[draft.pk])).status_code in (403, 404)
    entry = entries_since(mark).get(action=Action.REFUSED)
    assert (entry.actor, entry.object_type, entry.object_id) == (partner, "referrals:detail", str(draft.pk))
    assert entry.outcome in (Outcome.DENIED, Outcome.NOT_FOUND)


def test_a_forbidden_action_is_audited_as_denied(login, officer, submitted):
    mark = last_id()
    response = login(officer).post(reverse("referrals:screen", args=[submitted.pk]), {"action": "accept"})
    assert response.status_code == 403
    entry = entries_since(mark).get(action=Action.REFUSED)
    assert (entry.actor, entry.outcome, entry.detail) == (officer, Outcome.DENIED, "403")
    submitted.refresh_from_db()
    assert submitted.status == "submitted"


def test_a_guessed_api_key_is_audited_as_denied_without_the_key():
    mark = last_id()
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION="Bearer rjk_guessed-key-0123456789")
    assert api.get("/api/v1/referrals/", REMOTE_ADDR="198.51.100.9").status_code == 401
    entry = entries_since(mark).get(action=Action.REFUSED)
    assert (entry.actor, entry.outcome, entry.ip_address) == (None, Outcome.DENIED, "198.51.100.9")
    assert "guessed" not in f"{entry.detail} {entry.client} {entry.object_id}"


def test_an_api_write_names_the_key_it_came_through(unit, draft):
    client, key = issue_api_key(name="Records system", scope="write", unit=unit)
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {key}")
    mark = last_id()
    assert api.get("/api/v1/referrals/").status_code == 200
    assert api.get(f"/api/v1/referrals/{draft.pk}/").status_code in (404, 200)
    writes = AuditEntry.objects.filter(pk__gt=mark, client=f"api key {client.pk} ({client.key_prefix})")
    assert writes.exists()
    assert not writes.exclude(actor=client.user).exists()


def test_a_failed_login_keeps_the_account_attempted_and_never_the_password(client, officer):
    client.post(reverse("login"), {"login": "officer", "password": "Wrong-horse-9"}, REMOTE_ADDR="203.0.113.9")
    entry = AuditEntry.objects.get(action=Action.LOGIN_FAILED)
    assert (entry.actor_username, entry.outcome, entry.ip_address) == ("officer", Outcome.FAILED, "203.0.113.9")
    row = " ".join(str(value) for value in AuditEntry.objects.filter(pk=entry.pk).values().get().values())
    assert "Wrong-horse-9" not in row


def test_a_login_and_its_logout_are_audited(client, officer):
    assert sign_in(client, "officer").status_code == 302
    assert client.post(reverse("logout")).status_code == 302
    actions = AuditEntry.objects.filter(actor=officer).values_list("action", flat=True)
    assert {Action.LOGIN, Action.LOGOUT} <= set(actions)


@shared_task
def rename_unit(unit_id: int, name: str) -> None:
    unit = Unit.objects.get(pk=unit_id)
    unit.name = name
    unit.save(update_fields=["name"])


def test_a_task_is_named_as_the_origin_of_its_writes(unit):
    mark = last_id()
    rename_unit.delay(unit.pk, "Night team")
    entry = entries_since(mark).get(object_type="cases.unit")
    assert (entry.action, entry.detail, entry.actor) == (Action.CHANGE, "fields: name", None)
    assert entry.client == f"task {rename_unit.name}"


# The chain


def test_each_entry_is_chained_to_the_one_before(officer, draft):
    record_audit(officer, Action.VIEW, draft)
    record_audit(officer, Action.VIEW, draft)
    last_two = list(AuditEntry.objects.order_by("-pk")[:2])
    newest, before = last_two
    assert newest.prev_hash == before.entry_hash
    assert newest.entry_hash == chain_hash(newest)
    assert verify_chain().problem == ""


def test_a_batch_writes_its_entries_as_it_ends_in_order_and_chained(officer, draft):
    mark = last_id()
    with transaction.atomic(), batched_audit():
        draft.incident_place = "Station Road"
        draft.save()
        record_audit(officer, Action.VIEW, draft, detail="inside the batch")
        assert last_id() == mark  # nothing written yet: the chain's lock is not taken
    written = list(entries_since(mark))
    assert [(e.action, e.object_type) for e in written] == [
        (Action.CHANGE, "referrals.referral"),
        (Action.VIEW, "referrals.referral"),
    ]
    assert written[1].prev_hash == written[0].entry_hash
    assert verify_chain().problem == ""


def test_a_batch_leaves_out_what_a_rolled_back_savepoint_wrote(officer, draft):
    mark = last_id()
    with transaction.atomic(), batched_audit():
        record_audit(officer, Action.VIEW, draft, detail="kept")
        with suppress(RuntimeError), transaction.atomic():
            record_audit(officer, Action.VIEW, draft, detail="rolled back")
            raise RuntimeError
        record_audit(officer, Action.VIEW, draft, detail="kept too")
    assert [e.detail for e in entries_since(mark)] == ["kept", "kept too"]
    assert verify_chain().problem == ""


def test_a_batch_that_fails_writes_nothing(officer, draft):
    mark = last_id()
    with suppress(RuntimeError), transaction.atomic(), batched_audit():
        record_audit(officer, Action.VIEW, draft)
        raise RuntimeError
    assert last_id() == mark


def test_creating_a_referral_through_the_api_takes_the_chain_once(unit):
    _, key = issue_api_key(name="Records", scope="write", unit=unit)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {key}")
    mark = last_id()
    with CaptureQueriesContext(connection) as captured:
        assert client.post("/api/v1/referrals/", REFERRAL_BODY, format="json").status_code == 201
    locks = [q for q in captured.captured_queries if "pg_advisory_xact_lock" in q["sql"]]
    assert len(locks) == (1 if connection.vendor == "postgresql" else 0)
    written = list(entries_since(mark))
    assert len(written) >= 8  # the referral, its two people, their contacts and parties, its event
    assert verify_chain().problem == ""


def test_verify_audit_reports_an_intact_log_and_its_head(officer):
    record_audit(officer, Action.VIEW, officer)
    out = io.StringIO()
    call_command("verify_audit", stdout=out)
    head = AuditEntry.objects.order_by("-pk").first().entry_hash
    assert "intact" in out.getvalue() and head in out.getvalue()
    call_command("verify_audit", "--head", head, stdout=io.StringIO())


def test_a_head_that_is_gone_means_entries_were_cut_from_the_end(officer):
    record_audit(officer, Action.VIEW, officer)
    with pytest.raises(CommandError, match="no longer in the log"):
        call_command("verify_audit", "--head", "0" * 64, stdout=io.StringIO())


@pytest.mark.postgres
@pytest.mark.schema_owner
@pytest.mark.parametrize("tamper", ["delete", "edit"])
def test_verify_audit_finds_an_entry_the_owner_deleted_or_edited_behind_the_trigger(officer, draft, tamper):
    entries = [record_audit(officer, Action.VIEW, draft, detail=f"look {n}") for n in range(3)]
    victim, after = entries[1], entries[2]
    with connection.cursor() as cursor:
        # What the table's owner (or a superuser) can do: switch the refusal off, then tamper.
        cursor.execute("ALTER TABLE cases_auditentry DISABLE TRIGGER cases_auditentry_append_only")
        if tamper == "delete":
            cursor.execute("DELETE FROM cases_auditentry WHERE id = %s", [victim.pk])
        else:
            cursor.execute("UPDATE cases_auditentry SET detail = 'nothing to see' WHERE id = %s", [victim.pk])
        cursor.execute("ALTER TABLE cases_auditentry ENABLE TRIGGER cases_auditentry_append_only")

    with pytest.raises(CommandError) as refused:
        call_command("verify_audit", stdout=io.StringIO())
    broken = after.pk if tamper == "delete" else victim.pk
    assert f"broken at entry {broken}" in str(refused.value)
