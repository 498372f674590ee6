"""Figures that depend on the kind of conference held, on renegotiated agreements and on withdrawn
referrals, from the rollup and from the recount (docs/dashboard.md)."""

from datetime import timedelta
from decimal import Decimal

import pytest

from cases import services as case_services
from conferences import services as conference_services
from conferences.models import Conference, ConferenceKind, ItemKind
from referrals import services as referral_services
from referrals.models import PartyRole
from tests.reporting.conftest import LOOKED, MADE, _prepare, _referral
from tests.reporting.test_figures import MARCH, both

pytestmark = pytest.mark.django_db


@pytest.fixture
def more(programme, officer, supervisor, time_machine):
    """Beside the programme: Fay's shuttle mediation, held, where the harmed party is marked present;
    Gus's referral, withdrawn; and Ada's agreement renegotiated after £60 and 4 hours were done."""
    time_machine.move_to(MADE, tick=False)
    fay = _referral(officer, first_name="Fay", born=MADE.date().replace(year=1995), gender="female", ethnicity="white")
    gus = _referral(officer, first_name="Gus", born=MADE.date().replace(year=1996), gender="male", ethnicity="white")
    for referral in (fay, gus):
        referral_services.submit_referral(referral=referral, by=officer)
    referral_services.withdraw_referral(referral=gus, by=officer, reason="The harmed party moved away.")
    case = referral_services.accept_referral(referral=fay, by=supervisor).case
    facilitator = programme.facilitator
    case_services.assign_facilitators(case=case, by=supervisor, facilitator=facilitator)
    case = _prepare(case, facilitator=facilitator, supervisor=supervisor)
    plan = conference_services.ConferencePlan(
        kind=ConferenceKind.SHUTTLE,
        starts_at=MADE + timedelta(days=12),
        duration_minutes=60,
        mode=Conference.Mode.VIRTUAL,
        meeting_link="https://meet.example.org/fay",
    )
    conference = conference_services.schedule_conference(
        case=case, by=facilitator, plan=plan, facilitators=[facilitator]
    )
    time_machine.move_to(MADE + timedelta(days=12, hours=2), tick=False)
    conference_services.hold_conference(
        conference=conference, by=facilitator, attended={p.pk: True for p in conference.participants.all()}
    )
    # Ada's agreement is renegotiated: £40 still to pay, no more hours; £10 is paid on the new version.
    ada = programme.ada.case
    new = conference_services.renegotiate_agreement(
        case=ada,
        by=facilitator,
        reason="Smaller instalments.",
        items=[
            conference_services.ItemInput(
                kind=ItemKind.RESTITUTION,
                description="Pay back the rest",
                due_date=LOOKED.date() + timedelta(days=30),
                amount=Decimal("40"),
                partner=programme.partner,
            )
        ],
    )
    conference_services.record_payment(
        item=new.items.get(), by=facilitator, amount=Decimal("10"), paid_on=(MADE + timedelta(days=12)).date()
    )
    time_machine.move_to(LOOKED, tick=False)
    assert fay.parties.filter(role=PartyRole.HARMED).exists()
    return programme


def test_conferences_held_split_by_kind_and_harmed_parties_counted_where_the_kind_includes_them(more):
    total = both(MARCH)["total"]

    # Ada: a victim-offender conference (direct), the harmed party there; Fay: shuttle (indirect).
    assert (total["held"], total["held_direct"], total["held_surrogate"], total["held_indirect"]) == (2, 1, 0, 1)
    assert total["harmed_attended"] == 1  # Fay's harmed party "present" at a shuttle is not counted


def test_restitution_and_hours_count_every_version_of_the_agreement(more):
    total = both(MARCH)["total"]

    # Paid: £60 on the first version and £10 on the second. Ordered: the £40 of the current
    # version plus the £60 paid under the first. Hours: 4 done under the first, none ordered since.
    assert (total["restitution_ordered"], total["restitution_paid"]) == (Decimal("100.00"), Decimal("70.00"))
    assert (total["hours_ordered"], total["hours_done"]) == (Decimal("4.00"), Decimal("4.00"))


def test_a_withdrawn_referral_is_its_own_figure(more):
    figures = both(MARCH)

    assert (figures["total"]["referred"], figures["total"]["withdrawn"]) == (6, 1)
    assert figures["gender"]["male"]["withdrawn"] == 1
