"""The append-only audit log (logins, failed logins, views, changes) and the change history of referrals."""

import pytest
from django.db import DatabaseError, connection, transaction
from django.urls import reverse

from people.models import AuditEntry
from tests.helpers import edit_form_data, existing_party_row, referral_form_data
from tests.signing_in import sign_in

pytestmark = pytest.mark.django_db


def test_logging_in_is_audited(client, officer):
    response = sign_in(client, "officer", REMOTE_ADDR="203.0.113.7")

    assert response.status_code == 302
    entry = AuditEntry.objects.get(action=AuditEntry.Action.LOGIN)
    assert entry.actor == officer
    assert entry.ip_address == "203.0.113.7"
    assert entry.created_at is not None


def test_logging_out_is_audited(client, officer):
    client.force_login(officer)
    assert client.post(reverse("logout")).status_code == 302
    assert AuditEntry.objects.filter(action=AuditEntry.Action.LOGOUT, actor=officer).count() == 1


@pytest.mark.parametrize("username", ["officer", "no-such-user"])
def test_a_failed_login_is_audited_with_the_account_attempted(client, officer, username):
    response = client.post(
        reverse("login"), {"login": username, "password": "wrong-password"}, REMOTE_ADDR="198.51.100.2"
    )

    assert response.status_code == 200
    entry = AuditEntry.objects.get(action=AuditEntry.Action.LOGIN_FAILED)
    assert (entry.actor, entry.actor_username, entry.outcome) == (None, username, AuditEntry.Outcome.FAILED)
    assert entry.ip_address == "198.51.100.2"
    for value in (entry.detail, entry.object_type, entry.object_id, entry.client, str(entry)):
        assert "wrong-password" not in value


def test_viewing_a_referral_is_audited(login, officer, draft):
    response = login(officer).get(reverse("referrals:detail", args=[draft.pk]))

    assert response.status_code == 200
    entry = AuditEntry.objects.filter(action=AuditEntry.Action.VIEW).get()
    assert (entry.actor, entry.object_type, entry.object_id) == (officer, "referrals.referral", str(draft.pk))


def test_screening_a_referral_is_audited_as_a_view(login, supervisor, submitted):
    assert login(supervisor).get(reverse("referrals:screen", args=[submitted.pk])).status_code == 200
    entry = AuditEntry.objects.filter(action=AuditEntry.Action.VIEW).get()
    assert (entry.actor, entry.object_id, entry.detail) == (supervisor, str(submitted.pk), "screening")


def test_viewing_a_case_is_audited(login, supervisor, case):
    response = login(supervisor).get(reverse("cases:detail", args=[case.pk]))

    assert response.status_code == 200
    entry = AuditEntry.objects.filter(action=AuditEntry.Action.VIEW).get()
    assert (entry.actor, entry.object_type, entry.object_id) == (supervisor, "cases.case", str(case.pk))


def test_a_refused_view_is_not_recorded_as_a_view(login, other_officer, draft):
    assert login(other_officer).get(reverse("referrals:detail", args=[draft.pk])).status_code == 404
    assert not AuditEntry.objects.filter(action=AuditEntry.Action.VIEW).exists()


def test_creating_and_changing_a_referral_is_audited(login, officer):
    client = login(officer)
    assert client.post(reverse("referrals:create"), referral_form_data()).status_code == 302
    referral = officer.referrals.get()
    data = edit_form_data(referral, incident_place="Station Road")
    assert client.post(reverse("referrals:edit", args=[referral.pk]), data).status_code == 302

    actions = AuditEntry.objects.filter(object_type="referrals.referral", object_id=str(referral.pk), actor=officer)
    assert sorted(actions.values_list("action", flat=True)) == [AuditEntry.Action.CHANGE, AuditEntry.Action.CREATE]


def test_an_audit_entry_cannot_be_changed(login, officer, draft):
    login(officer).get(reverse("referrals:detail", args=[draft.pk]))
    entry = AuditEntry.objects.filter(action=AuditEntry.Action.VIEW).get()

    entry.detail = "tampered"
    with pytest.raises(ValueError, match="append-only"):
        entry.save()
    entry.refresh_from_db()
    assert entry.detail == ""


def test_an_audit_entry_cannot_be_deleted(login, officer, draft):
    login(officer).get(reverse("referrals:detail", args=[draft.pk]))
    entry = AuditEntry.objects.filter(action=AuditEntry.Action.VIEW).get()

    with pytest.raises(ValueError, match="append-only"):
        entry.delete()
    assert AuditEntry.objects.filter(pk=entry.pk).exists()


def test_audit_entries_cannot_be_changed_or_deleted_in_bulk(login, officer, draft):
    login(officer).get(reverse("referrals:detail", args=[draft.pk]))
    entries = AuditEntry.objects.all()
    count = entries.count()

    for attempt in (lambda: entries.update(detail="tampered"), entries.delete):
        try:
            with transaction.atomic():  # a refusal by the database must not break the test's transaction
                attempt()
        except Exception:  # refusing is the expected outcome
            pass
    assert AuditEntry.objects.count() == count
    assert not AuditEntry.objects.filter(detail="tampered").exists()


# The change history (django-simple-history)


def test_editing_a_referral_adds_to_its_history(login, officer, draft):
    before = draft.history.count()
    client = login(officer)
    data = edit_form_data(draft, incident_place="Station Road")
    assert client.post(reverse("referrals:edit", args=[draft.pk]), data).status_code == 302

    assert draft.history.count() == before + 1
    latest = draft.history.first()
    assert latest.incident_place == "Station Road"
    assert latest.history_user == officer
    assert latest.prev_record.incident_place == "Market Street"


def test_each_move_is_in_the_history_with_its_reason(login, officer, supervisor, draft):
    before = draft.history.count()
    login(officer).post(reverse("referrals:submit", args=[draft.pk]))
    login(supervisor).post(reverse("referrals:screen", args=[draft.pk]), {"action": "accept"})

    assert draft.history.count() == before + 2
    reasons = list(
        draft.history.order_by("-history_date", "-history_id").values_list("history_change_reason", flat=True)
    )
    assert reasons[:2] == ["accepted", "submitted"]
    assert draft.history.first().history_user == supervisor


def test_changing_a_party_is_in_the_persons_history(login, officer, draft):
    person = draft.parties.get().person
    before = person.history.count()
    rows = [existing_party_row(draft.parties.select_related("person__contact").get(), first_name="Alexandra")]
    data = edit_form_data(draft, rows=rows)
    assert login(officer).post(reverse("referrals:edit", args=[draft.pk]), data).status_code == 302

    assert person.history.count() == before + 1
    assert person.history.first().first_name == "Alexandra"
    assert person.history.first().history_user == officer


@pytest.mark.postgres
@pytest.mark.parametrize(
    "statement",
    ["UPDATE cases_auditentry SET detail = 'x'", "DELETE FROM cases_auditentry", "TRUNCATE cases_auditentry"],
)
def test_the_database_refuses_to_change_the_audit_log(client, officer, statement):
    sign_in(client, "officer")
    count = AuditEntry.objects.count()
    assert AuditEntry.objects.filter(action=AuditEntry.Action.LOGIN).exists()

    # The trigger refuses it; connected as the app's own role (as CI is), the grants refuse it first.
    refused = "append-only|permission denied"
    with pytest.raises(DatabaseError, match=refused), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(statement)
    assert AuditEntry.objects.count() == count
