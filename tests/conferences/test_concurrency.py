"""Two requests booking at once: PostgreSQL's exclusion constraints let exactly one through.

The services check for clashes first, to explain them; two requests released together both pass
that check, and only the constraints of migration 0002 stop the second booking. Transactional tests
lose the migrations' seed rows (offence categories, policy): `seeded` writes them again for each test.
"""

import pytest

from cases.models import Case, CaseStatus
from conferences import services
from conferences.models import Conference, ConferenceFacilitator
from tests.conferences.conftest import local, make_ready_case
from tests.factories import UserFactory
from tests.helpers import reseed_reference_data, run_at_once

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def seeded():
    reseed_reference_data()


def booking(case: Case, facilitator, plan):
    # Each thread fetches the case and the facilitator itself, as each request would.
    def book():
        return services.schedule_conference(
            case=Case.objects.get(pk=case.pk),
            by=facilitator,
            plan=plan,
            facilitators=[type(facilitator).objects.get(pk=facilitator.pk)],
        )

    return book


@pytest.fixture
def people():
    officer = UserFactory(username="officer_c", officer=True)
    supervisor = UserFactory(username="supervisor_c")
    first = UserFactory(username="fac_a", facilitator=True)
    second = UserFactory(username="fac_b", facilitator=True)
    return officer, supervisor, first, second


def outcome(results):
    booked = [r for r in results if isinstance(r, Conference)]
    refused = [r for r in results if isinstance(r, services.SchedulingConflict)]
    assert len(booked) == 1, results
    assert len(refused) == 1, results
    return booked[0], refused[0]


def test_one_facilitator_booked_twice_at_once_gets_one_conference(people, plan):
    officer, supervisor, facilitator, _ = people
    cases = [make_ready_case(officer=officer, supervisor=supervisor, facilitator=facilitator) for _ in range(2)]
    plans = [
        plan(starts_at=local(1, 10), venue=None, address="Room A"),
        plan(starts_at=local(1, 11), venue=None, address="Room B"),
    ]

    results = run_at_once([booking(case, facilitator, p) for case, p in zip(cases, plans, strict=True)])

    booked, refused = outcome(results)
    assert "already booked" in str(refused) or "booked for that time a moment ago" in str(refused)
    assert Conference.objects.count() == 1
    assert ConferenceFacilitator.objects.filter(facilitator=facilitator, active=True).count() == 1
    statuses = dict(Case.objects.filter(pk__in=[c.pk for c in cases]).values_list("pk", "status"))
    assert sorted(statuses.values()) == [CaseStatus.READY, CaseStatus.SCHEDULED]
    assert statuses[booked.case_id] == CaseStatus.SCHEDULED


def test_one_venue_booked_twice_at_once_gets_one_conference(people, plan, venue):
    officer, supervisor, first, second = people
    cases = [
        make_ready_case(officer=officer, supervisor=supervisor, facilitator=first),
        make_ready_case(officer=officer, supervisor=supervisor, facilitator=second),
    ]
    plans = [plan(starts_at=local(1, 10)), plan(starts_at=local(1, 11, 30))]

    results = run_at_once([booking(cases[0], first, plans[0]), booking(cases[1], second, plans[1])])

    booked, refused = outcome(results)
    assert "already booked" in str(refused) or "venue was booked for that time a moment ago" in str(refused)
    assert Conference.objects.filter(venue=venue).count() == 1
    assert ConferenceFacilitator.objects.count() == 1
    assert Case.objects.get(pk=booked.case_id).status == CaseStatus.SCHEDULED


def test_back_to_back_bookings_at_once_both_succeed(people, plan, venue):
    officer, supervisor, facilitator, _ = people
    cases = [make_ready_case(officer=officer, supervisor=supervisor, facilitator=facilitator) for _ in range(2)]
    plans = [plan(starts_at=local(1, 10)), plan(starts_at=local(1, 12))]

    results = run_at_once([booking(case, facilitator, p) for case, p in zip(cases, plans, strict=True)])

    assert all(isinstance(r, Conference) for r in results), results
    assert Conference.objects.filter(venue=venue).count() == 2
