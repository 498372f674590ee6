"""Purging personal data per the retention schedule: what goes, what stays, and that figures hold."""

from datetime import date, timedelta

import pytest
from django.core.management import call_command
from django.db import connection, models
from django.db.models import Q
from django.utils import timezone

from cases.models import Case, CaseNote, ContactAttempt
from conferences.models import Agreement, AgreementItem, Conference, Exchange, ExchangeMember, Participant, Statement
from people.models import AuditEntry, ContactDetails, Person, PersonMerge
from referrals.models import ContactUpdate, PartyRole, Referral, ReferralParty
from reminders.models import Reminder
from reporting.figures import compute_from_rollup, refresh
from reporting.filters import Filters
from reporting.models import PersonPseudonym
from reporting.recount import recount
from retention.models import Seal
from retention.purge import purge_due_records, records_due_for_purge
from retention.sealing import seal_record, unseal_record
from tests.cases.builders import build_world

pytestmark = pytest.mark.django_db

CANARY = "zq7canary"
# Fields that hold codes the app writes, never what a person typed or said. A new text field of a
# record is either purged (retention/purge.py) or named here on purpose.
CODES = {
    ("referrals.Referral", "reference"),
    ("cases.CaseEvent", "from_status"),
    ("cases.CaseEvent", "to_status"),
    ("referrals.ReferralEvent", "from_status"),
    ("referrals.ReferralEvent", "to_status"),
    ("reminders.Reminder", "variant"),
}


def _age_past_retention(referral_ids):
    long_ago = timezone.now() - timedelta(days=7 * 365)
    Case.objects.filter(referral__in=referral_ids).update(closed_at=long_ago)
    Referral.objects.filter(pk__in=referral_ids).update(created_at=long_ago, screened_at=long_ago)
    from referrals.models import ReferralEvent

    ReferralEvent.objects.filter(referral__in=referral_ids).update(created_at=long_ago)


def _canary_value(field, n: int):
    if isinstance(field, models.JSONField):
        return [f"{CANARY}{n}"]
    if isinstance(field, models.EmailField):
        return f"{CANARY}{n}@example.org"
    if isinstance(field, models.URLField):
        return f"https://{CANARY}{n}.example.org/"
    return f"{CANARY}{n}"[: field.max_length or 100]


def _plant(instance) -> list[str]:
    """Write the canary into every text field of `instance` (saved, so that history keeps it too)."""
    planted, counter = [], instance.pk
    for field in instance._meta.concrete_fields:
        if not isinstance(field, (models.CharField, models.TextField, models.JSONField)) or field.choices:
            continue
        if (instance._meta.label, field.name) in CODES or field.primary_key:
            continue
        setattr(instance, field.attname, _canary_value(field, counter))
        planted.append(f"{instance._meta.label}.{field.name}")
    instance.save()
    return planted


def _record_rows(world):
    case = world.case
    people = Person.objects.filter(referral_roles__referral=case.referral).distinct()
    return [
        *people,
        *ContactDetails.objects.filter(person__in=people),
        *ContactUpdate.objects.filter(referral=case.referral),
        case.referral,
        *case.referral.events.all(),
        case,
        *case.events.all(),
        *ContactAttempt.objects.filter(case=case),
        *case.consents.all(),
        *case.assessments.all(),
        *CaseNote.objects.filter(case=case),
        *case.reoffending_checks.all(),
        *case.surveys.all(),
        *Conference.objects.filter(case=case),
        *Participant.objects.filter(conference__case=case),
        *Agreement.objects.filter(case=case),
        *AgreementItem.objects.filter(agreement__case=case),
        *Exchange.objects.filter(case=case),
        *ExchangeMember.objects.filter(exchange__case=case),
        *Statement.objects.filter(member__exchange__case=case),
        *Reminder.objects.filter(case=case),
        *Seal.objects.filter(referral=case.referral),
    ]


def _text_columns() -> list[tuple[str, str]]:
    with connection.cursor() as cursor:
        cursor.execute(
            """SELECT table_name, column_name FROM information_schema.columns
               WHERE table_schema = current_schema()
                 AND data_type IN ('character varying', 'character', 'text', 'json', 'jsonb')
                 AND table_name IN (SELECT table_name FROM information_schema.tables
                                    WHERE table_schema = current_schema() AND table_type = 'BASE TABLE')
               ORDER BY table_name, column_name"""
        )
        return cursor.fetchall()


def _where_the_canary_is(columns) -> list[str]:
    found = []
    with connection.cursor() as cursor:
        for table, column in columns:
            quote = connection.ops.quote_name
            cursor.execute(
                f"SELECT COUNT(*) FROM {quote(table)} WHERE CAST({quote(column)} AS text) LIKE %s", [f"%{CANARY}%"]
            )
            if cursor.fetchone()[0]:
                found.append(f"{table}.{column}")
    return found


@pytest.mark.postgres
def test_no_trace_of_a_purged_record_is_left_in_any_text_column(
    completed_juvenile, administrator, officer, supervisor, facilitator
):
    world = completed_juvenile
    case = world.case
    CaseNote.objects.create(case=case, author=facilitator, text="Note about the family.")
    ContactAttempt.objects.create(
        case=case, person=world.harmed, contacted_at=timezone.now(), channel="phone", outcome="reached",
        recorded_by=facilitator,
    )  # fmt: skip
    seal = seal_record(referral=case.referral)
    unseal_record(referral=case.referral, by=administrator, reason="A request from the court about it.")
    seal.refresh_from_db()
    PersonPseudonym.objects.create(person=world.responsible, pseudonym="P-canary-test")
    ContactUpdate.objects.create(person=world.harmed, referral=case.referral, phone="07700 900123", proposed_by=officer)
    duplicate = Person.objects.create(first_name="Pat", last_name="Lee", date_of_birth=world.harmed.date_of_birth)
    PersonMerge.objects.create(kept=world.harmed, merged=duplicate, merged_by=supervisor)
    exchange = Exchange.objects.create(case=case, open_until=timezone.localdate(), opened_by=facilitator)
    member = ExchangeMember.objects.create(exchange=exchange, person=world.harmed, side="harmed")
    Statement.objects.create(member=member, purpose="harm", requested_by=facilitator, status="shared")
    planted = [name for row in [*_record_rows(world), duplicate] for name in _plant(row)]
    assert "conferences.Statement.shared_text" in planted
    columns = _text_columns()
    assert _where_the_canary_is(columns), "the canary was planted"
    people = list(Person.objects.filter(referral_roles__referral=case.referral).values_list("pk", flat=True))

    _age_past_retention([case.referral_id])
    report = purge_due_records()

    assert (report.referrals, report.cases, report.people) == (1, 1, 4)  # with the merged duplicate
    assert _where_the_canary_is(columns) == []
    assert len(columns) > 100 and len(planted) > 40
    # Contact details go through the ORM too: encrypted columns would hide the canary from SQL.
    assert not ContactDetails.objects.filter(person__in=people).exists()
    assert not ContactDetails.history.model.objects.filter(person_id__in=people).exists()
    assert not ContactUpdate.objects.filter(Q(person__in=people) | Q(referral=case.referral)).exists()
    assert list(Statement.objects.filter(member=member).values_list("text", "shared_text")) == [("", "")]
    duplicate.refresh_from_db()
    assert (duplicate.display_name, duplicate.date_of_birth) == ("Purged", None)
    assert not Reminder.objects.filter(recipient_person__in=people).exists()
    assert not PersonPseudonym.objects.filter(person__in=people).exists()
    for person in Person.objects.filter(pk__in=people):
        assert (person.display_name, person.date_of_birth, person.purged_at is not None) == ("Purged", None, True)
    # What the figures need stays.
    case.refresh_from_db()
    assert case.status == "completed" and case.closed_at is not None
    assert AgreementItem.objects.filter(agreement__case=case).count() == 2
    assert ReferralParty.objects.get(referral=case.referral, role=PartyRole.RESPONSIBLE).age_group == "juvenile"


def test_purging_is_idempotent_and_audited_once_per_run(completed_juvenile):
    _age_past_retention([completed_juvenile.case.referral_id])
    before = AuditEntry.objects.filter(action="purge").count()

    first = purge_due_records()
    second = purge_due_records()

    assert str(first) == "referrals=1 cases=1 people=3"
    assert str(second) == "referrals=0 cases=0 people=0"
    details = list(AuditEntry.objects.filter(action="purge").order_by("pk").values_list("detail", flat=True))
    assert details[before:] == [str(first), str(second)]


def test_open_records_and_records_within_retention_are_kept(officer, supervisor, facilitator, completed_juvenile):
    open_world = build_world(officer=officer, supervisor=supervisor, facilitator=facilitator)
    Referral.objects.filter(pk=open_world.case.referral_id).update(created_at=timezone.now() - timedelta(days=4000))
    # Completed 61 days ago: within the six years.
    assert records_due_for_purge() == []
    purge_due_records()
    assert Person.objects.filter(last_name="Doyle").count() == 4


def test_a_person_on_a_kept_record_keeps_their_name(officer, supervisor, facilitator, completed_juvenile):
    from tests.factories import ReferralFactory, ReferralPartyFactory

    kept = ReferralFactory(referring_officer=officer)
    ReferralPartyFactory(referral=kept, person=completed_juvenile.harmed, role=PartyRole.HARMED)
    _age_past_retention([completed_juvenile.case.referral_id])

    assert purge_due_records().people == 2
    completed_juvenile.harmed.refresh_from_db()
    assert completed_juvenile.harmed.display_name == "Pat Lee"
    assert ContactDetails.objects.filter(person=completed_juvenile.harmed).exists()


def test_declined_and_withdrawn_referrals_are_purged_after_their_own_period(submitted, supervisor, officer):
    from referrals import services as referral_services

    referral_services.decline_referral(referral=submitted, by=supervisor, reason_code="risk", note="Too risky.")
    Referral.objects.filter(pk=submitted.pk).update(screened_at=timezone.now() - timedelta(days=700))
    from referrals.models import ReferralEvent

    ReferralEvent.objects.filter(referral=submitted).update(created_at=timezone.now() - timedelta(days=700))
    assert records_due_for_purge() == []
    ReferralEvent.objects.filter(referral=submitted).update(created_at=timezone.now() - timedelta(days=731))
    assert records_due_for_purge() == [submitted.pk]


def test_the_command_purges_and_its_dry_run_changes_nothing(completed_juvenile, capsys):
    _age_past_retention([completed_juvenile.case.referral_id])
    call_command("apply_retention", "--dry-run")
    assert "Due to be purged: 1 records." in capsys.readouterr().out
    assert Person.objects.filter(last_name="Doyle").count() == 2
    call_command("apply_retention")
    assert "Purged referrals=1 cases=1 people=3." in capsys.readouterr().out
    assert not Person.objects.filter(last_name="Doyle").exists()


# The dashboard's figures


def test_figures_are_unchanged_by_sealing_and_purging(programme, time_machine):
    """The known-answer programme, seven years on: seal and purge what can be, recount, compare."""
    time_machine.move_to(timezone.now() + timedelta(days=7 * 365), tick=False)
    view = Filters(start=date(2026, 3, 1), end=date(2026, 3, 1))

    def figures():
        build = refresh()
        rollup, counted = compute_from_rollup(view), recount(view, now=build.computed_at)
        assert rollup == counted  # what check_dashboard checks
        return rollup

    before = figures()
    for referral in (programme.ada, programme.ben):
        seal_record(referral=referral)
    sealed = figures()
    report = purge_due_records()
    purged = figures()

    assert report.referrals == 2  # Ben's returned case and Cal's declined referral
    assert Person.objects.filter(purged_at__isnull=False).count() == 4
    assert before == sealed == purged
    assert before["total"]["referred"] == 4
    assert before["age"]["juvenile"]["referred"] == 2
