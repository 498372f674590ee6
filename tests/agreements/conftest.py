"""A case taken through the real services up to a held conference, and its agreement.

The case's responsible party is an adult, Robin Reed; the harmed party, Harriet Hale, has contact
details that must never reach a partner's page; the conference notes are confidential.
"""

from datetime import date, timedelta
from decimal import Decimal

import pytest
import time_machine
from django.utils import timezone

from cases import services as case_services
from conferences import services
from conferences.models import Agreement, AgreementItem, ConferenceKind, ItemKind
from referrals import services as referral_services
from referrals.models import PartyRole
from tests.factories import (
    ContactDetailsFactory,
    PersonFactory,
    ReferralFactory,
    ReferralPartyFactory,
    UserFactory,
)
from tests.helpers import prepare_for_conference

CONFERENCE_NOTES = "Robin cried when Harriet described the fear; keep this confidential."
HARMED_PHONE = "07700 900555"
HARMED_EMAIL = "harriet.hale@example.org"
HARMED_ADDRESS = "7 Quiet Close, Northby"


@pytest.fixture
def other_facilitator():
    return UserFactory(username="other_facilitator", facilitator=True)


@pytest.fixture
def other_partner():
    """Staff of another partner organisation."""
    return UserFactory(username="other_partner", partner_staff=True)


@pytest.fixture
def harmed_person():
    person = PersonFactory(first_name="Harriet", last_name="Hale", date_of_birth=date(1970, 2, 3), contact=None)
    ContactDetailsFactory(person=person, phone=HARMED_PHONE, email=HARMED_EMAIL, address=HARMED_ADDRESS)
    return person


@pytest.fixture
def held_case(officer, supervisor, facilitator, harmed_person):
    """A case whose conference was held: status conference_held, ready for its agreement."""
    referral = ReferralFactory(
        referring_officer=officer,
        responsible__person__first_name="Robin",
        responsible__person__last_name="Reed",
        responsible__person__date_of_birth=date(1995, 6, 1),
        description="Robin took perfume from Harriet's shop on Market Street.",
    )
    ReferralPartyFactory(referral=referral, person=harmed_person, role=PartyRole.HARMED, admits_responsibility=None)
    referral_services.submit_referral(referral=referral, by=officer)
    referral_services.accept_referral(referral=referral, by=supervisor, justification="Suitable for a conference.")
    case = referral.case
    case_services.assign_facilitators(case=case, by=supervisor, facilitator=facilitator)
    prepare_for_conference(case, facilitator=facilitator, supervisor=supervisor, method="verbal")
    starts_at = timezone.now() + timedelta(hours=1)
    plan = services.ConferencePlan(
        kind=ConferenceKind.VICTIM_OFFENDER,
        starts_at=starts_at,
        duration_minutes=90,
        mode="virtual",
        meeting_link="https://meet.example.org/rj-1",
    )
    conference = services.schedule_conference(case=case, by=facilitator, plan=plan, facilitators=[facilitator])
    with time_machine.travel(starts_at + timedelta(minutes=30)):
        services.hold_conference(
            conference=conference,
            by=facilitator,
            attended={p.pk: True for p in conference.participants.all()},
            notes=CONFERENCE_NOTES,
        )
    case.refresh_from_db()
    return case


def in_days(days: int) -> date:
    return timezone.localdate() + timedelta(days=days)


@pytest.fixture
def agreement(held_case, facilitator, partner, harmed_person):
    """The case's agreement: restitution and community service supervised by `partner`'s organisation,
    and an apology letter supervised by the facilitator. The case is monitored."""
    items = [
        services.ItemInput(
            kind=ItemKind.RESTITUTION,
            description="Pay for the perfume",
            amount=Decimal("40.00"),
            due_date=in_days(30),
            harmed_party=harmed_person,
            partner=partner.partner,
        ),
        services.ItemInput(
            kind=ItemKind.COMMUNITY_SERVICE,
            description="Help at the community garden",
            hours=Decimal("10.0"),
            due_date=in_days(60),
            partner=partner.partner,
        ),
        services.ItemInput(
            kind=ItemKind.APOLOGY, description="Write to Harriet", due_date=in_days(14), harmed_party=harmed_person
        ),
    ]
    return services.record_agreement(case=held_case, by=facilitator, items=items, summary="Robin will make amends.")


@pytest.fixture
def restitution(agreement):
    return agreement.items.get(kind=ItemKind.RESTITUTION)


@pytest.fixture
def service_item(agreement):
    return agreement.items.get(kind=ItemKind.COMMUNITY_SERVICE)


@pytest.fixture
def apology(agreement):
    return agreement.items.get(kind=ItemKind.APOLOGY)


@pytest.fixture
def elsewhere_item(officer, supervisor, other_partner):
    """An item of another partner on another case (built directly: only its supervision matters)."""
    referral = referral_services.submit_referral(referral=ReferralFactory(referring_officer=officer), by=officer)
    referral_services.accept_referral(referral=referral, by=supervisor, justification="Suitable.")
    other = Agreement.objects.create(case=referral.case, created_by=supervisor)
    return AgreementItem.objects.create(
        agreement=other,
        kind=ItemKind.OTHER,
        description="Attend a victim awareness course",
        due_date=in_days(20),
        partner=other_partner.partner,
    )
