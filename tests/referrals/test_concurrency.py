"""Races between requests: two supervisors accepting at once, many officers logging referrals at once.

These need real row locks, so they run on PostgreSQL only. The flush after a transactional test removes the
offence categories and the eligibility policy seeded by the migrations: `seeded` runs the migration's seed
again (pytest-django runs transactional tests after all the others, so no other test needs them back).
"""

from datetime import date, timedelta

import pytest
from django.utils import timezone

from cases.models import Case, CaseEvent
from referrals import services
from referrals.models import Referral, ReferralEvent, ReferralStatus
from referrals.transitions import InvalidTransition
from tests.factories import ReferralFactory, UserFactory, offence
from tests.helpers import reseed_reference_data, run_at_once

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def seeded():
    reseed_reference_data()


def test_two_supervisors_accepting_at_once_open_one_case():
    officer = UserFactory(officer=True)
    first, second = UserFactory(username="sup_a"), UserFactory(username="sup_b")
    referral = services.submit_referral(referral=ReferralFactory(referring_officer=officer), by=officer)

    def accept_as(supervisor):
        # Each thread fetches the referral itself, as each request would.
        return lambda: services.accept_referral(referral=Referral.objects.get(pk=referral.pk), by=supervisor)

    results = run_at_once([accept_as(first), accept_as(second)])

    accepted = [r for r in results if isinstance(r, Referral)]
    refused = [r for r in results if isinstance(r, InvalidTransition)]
    assert len(accepted) == 1, results
    assert len(refused) == 1, results
    assert "cannot be accepted now: its status is Accepted" in str(refused[0])
    assert Case.objects.filter(referral=referral).count() == 1
    assert CaseEvent.objects.filter(case__referral=referral).count() == 1
    assert ReferralEvent.objects.filter(referral=referral, to_status=ReferralStatus.ACCEPTED).count() == 1
    referral.refresh_from_db()
    assert referral.status == ReferralStatus.ACCEPTED
    assert referral.screened_by == accepted[0].screened_by


def test_ten_referrals_logged_at_once_get_distinct_references():
    officers = [UserFactory(officer=True) for _ in range(10)]

    def log(officer, n):
        data = services.ReferralInput(
            incident_number=f"CR/{n:05d}/26",
            incident_date=timezone.localdate() - timedelta(days=3),
            incident_place="Market Street",
            offence_category=offence("shoplifting"),
            description="Took goods from a shop without paying.",
            harm_description="The shop lost stock.",
        )
        party = services.PartyInput(
            role="responsible", first_name=f"Sam{n}", last_name="Jones", date_of_birth=date(2010, 1, 2)
        )
        return lambda: services.create_referral(officer=officer, data=data, parties=[party])

    results = run_at_once([log(officer, n) for n, officer in enumerate(officers)])

    assert all(isinstance(r, Referral) for r in results), results
    references = [r.reference for r in results]
    assert len(set(references)) == 10
    assert set(Referral.objects.values_list("reference", flat=True)) == set(references)
    numbers = sorted(int(reference.rsplit("-", 1)[1]) for reference in references)
    assert numbers == list(range(numbers[0], numbers[0] + 10))
