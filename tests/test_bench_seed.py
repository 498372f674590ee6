"""The benchmark's seeder writes a programme whose rows agree with each other and with every constraint.

A model change that the seeder does not follow (a new column, a new constraint) fails here, not on
the day someone reruns the benchmark. Foreign keys are checked when the seeder puts them back.
"""

from datetime import UTC, datetime

import pytest
from django.db import connection

from bench.seed import seed
from cases.models import OPEN_CASE_STATUSES, Case, CaseEvent, CaseStatus
from conferences.models import AgreementItem
from referrals.models import ReferenceCounter, Referral, ReferralEvent, ReferralStatus

# The loader drops and puts back keys and indexes: only the schema's owner may.
pytestmark = [pytest.mark.postgres, pytest.mark.schema_owner, pytest.mark.django_db]

NOW = datetime(2025, 6, 1, 12, tzinfo=UTC)


@pytest.fixture
def counts():
    return seed(referrals=200, rng_seed=7, now=NOW)


def scalar(sql: str) -> int:
    with connection.cursor() as cursor:
        cursor.execute(sql)
        return cursor.fetchone()[0]


def test_every_accepted_referral_and_only_those_has_a_case(counts):
    accepted = Referral.objects.filter(status=ReferralStatus.ACCEPTED)
    assert accepted.count() > 100
    assert not accepted.filter(case__isnull=True).exists()
    assert not Case.objects.exclude(referral__status=ReferralStatus.ACCEPTED).exists()


def test_statuses_agree_with_the_last_event_and_events_chain(counts):
    for referral in Referral.objects.prefetch_related("events"):
        events = list(referral.events.all())
        assert events[-1].to_status == referral.status
        assert [e.from_status for e in events] == ["", *[e.to_status for e in events[:-1]]]
    for case in Case.objects.prefetch_related("events"):
        moves = [e for e in case.events.all() if e.kind == CaseEvent.Kind.MOVE]
        assert moves[-1].to_status == case.status
        assert [e.from_status for e in moves] == ["", *[e.to_status for e in moves[:-1]]]
        assert (case.closed_at is None) == (case.status in OPEN_CASE_STATUSES)
        assert case.last_activity_at == max(e.created_at for e in case.events.all())


def test_nothing_happens_after_now(counts):
    assert not ReferralEvent.objects.filter(created_at__gt=NOW).exists()
    assert not CaseEvent.objects.filter(created_at__gt=NOW).exists()


def test_cases_reach_several_stages_and_completed_ones_have_no_open_items(counts):
    statuses = set(Case.objects.values_list("status", flat=True))
    assert {CaseStatus.COMPLETED, CaseStatus.RETURNED, CaseStatus.CLOSED_NO_CONFERENCE} <= statuses
    assert not AgreementItem.objects.filter(
        agreement__case__status=CaseStatus.COMPLETED, status__in=["pending", "missed"]
    ).exists()
    completed_restitution_underpaid = scalar(
        """SELECT count(*) FROM conferences_agreementitem i WHERE i.kind = 'restitution' AND i.status = 'completed'
           AND i.amount <> (SELECT coalesce(sum(amount), 0) FROM conferences_payment p WHERE p.item_id = i.id)"""
    )
    assert completed_restitution_underpaid == 0


def test_reference_counters_and_sequences_continue_after_the_seeded_rows(counts):
    assert sum(ReferenceCounter.objects.values_list("last", flat=True)) == Referral.objects.count() == 200
    for counter in ReferenceCounter.objects.all():
        assert Referral.objects.filter(reference=f"RJ-{counter.year}-{counter.last:06d}").exists()
    assert scalar("SELECT last_value FROM cases_case_id_seq") == scalar("SELECT max(id) FROM cases_case")


def test_foreign_keys_and_indexes_are_back(counts):
    foreign_keys = scalar(
        "SELECT count(*) FROM pg_constraint WHERE contype = 'f' AND conrelid = 'cases_caseevent'::regclass"
    )
    assert foreign_keys == 2
    assert scalar("SELECT count(*) FROM pg_indexes WHERE indexname = 'case_event_case_created'") == 1
