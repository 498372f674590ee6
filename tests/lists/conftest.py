"""Rows for the list tests, made directly: the lists only read them, the services are tested elsewhere."""

from datetime import date, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from cases.models import Case
from conferences.models import Agreement, AgreementItem, Conference, ConferenceKind, ItemKind
from tests.factories import PartnerFactory, PersonFactory, ReferralFactory, ReferralPartyFactory, UserFactory


def make_case(*, facilitator=None, officer=None, opened_days_ago=0, **referral_fields) -> Case:
    referral = ReferralFactory(**({"referring_officer": officer} if officer else {}), **referral_fields)
    opened = timezone.now() - timedelta(days=opened_days_ago)
    return Case.objects.create(referral=referral, facilitator=facilitator, opened_at=opened)


def make_conference(case, *, days_ahead=1, kind=ConferenceKind.VICTIM_OFFENDER, created_by) -> Conference:
    return Conference.objects.create(
        case=case,
        kind=kind,
        starts_at=timezone.now() + timedelta(days=days_ahead),
        mode=Conference.Mode.VIRTUAL,
        meeting_link="https://meet.example.org/room",
        created_by=created_by,
    )


def make_item(
    case, *, partner=None, harmed_party=None, due_in_days=10, kind=ItemKind.APOLOGY, description="Write a letter"
):
    agreement = Agreement.objects.filter(case=case).first() or Agreement.objects.create(
        case=case, created_by=case.facilitator or UserFactory()
    )
    return AgreementItem.objects.create(
        agreement=agreement,
        kind=kind,
        description=description,
        due_date=date.today() + timedelta(days=due_in_days),
        partner=partner,
        harmed_party=harmed_party,
    )


def add_person(referral, *, first_name, last_name, role="harmed"):
    return ReferralPartyFactory(
        referral=referral, person=PersonFactory(first_name=first_name, last_name=last_name), role=role
    ).person


def queries_for(client, url) -> int:
    with CaptureQueriesContext(connection) as context:
        response = client.get(url)
    assert response.status_code == 200
    return len(context.captured_queries)


@pytest.fixture
def assert_constant_queries(django_assert_num_queries):
    """Check that `url` takes as many queries with 30 rows as with 5: `grow(n)` adds n more rows."""

    def check(client, url, grow):
        grow(5)
        with_five = queries_for(client, url)
        grow(25)
        with django_assert_num_queries(with_five):
            response = client.get(url)
        return response

    return check


@pytest.fixture
def partner_org():
    return PartnerFactory()
