"""Cases in the shapes the case-file tests need, built through the services as the app builds them."""

from dataclasses import dataclass
from datetime import date, timedelta

from django.utils import timezone

from cases import services as case_services
from cases.followups import create_follow_ups
from cases.models import Case
from cases.transitions import move_case
from conferences import services as conference_services
from conferences.models import ItemKind
from people.models import Person
from referrals import services as referral_services
from referrals.models import PartyRole
from tests.factories import PersonFactory, ReferralFactory, ReferralPartyFactory


def years_ago(years: int) -> date:
    today = timezone.localdate()
    try:
        return today.replace(year=today.year - years)
    except ValueError:  # 29 February
        return today.replace(year=today.year - years, day=28)


@dataclass
class World:
    """A case with a juvenile responsible party, their guardian and an adult harmed party."""

    case: Case
    responsible: Person
    guardian: Person
    harmed: Person

    def refresh(self) -> Case:
        self.case.refresh_from_db()
        return self.case


def build_world(*, officer, supervisor, facilitator=None) -> World:
    """Open a case for the officer's referral: Jamie Doyle (15), his mother Sue Doyle, and Pat Lee."""
    referral = ReferralFactory(
        referring_officer=officer,
        responsible__person=PersonFactory(first_name="Jamie", last_name="Doyle", date_of_birth=years_ago(15)),
    )
    guardian = ReferralPartyFactory(
        referral=referral,
        role=PartyRole.GUARDIAN,
        person=PersonFactory(first_name="Sue", last_name="Doyle", date_of_birth=years_ago(42)),
        admits_responsibility=None,
        prior_diversions=None,
    ).person
    harmed = ReferralPartyFactory(
        referral=referral,
        role=PartyRole.HARMED,
        person=PersonFactory(
            first_name="Pat", last_name="Lee", date_of_birth=years_ago(60), contact__phone="07700 900777"
        ),
        admits_responsibility=None,
        prior_diversions=None,
    ).person
    referral_services.submit_referral(referral=referral, by=officer)
    case = referral_services.accept_referral(referral=referral, by=supervisor).case
    if facilitator is not None:
        case = case_services.assign_facilitators(case=case, by=supervisor, facilitator=facilitator)
    responsible = referral.parties.get(role=PartyRole.RESPONSIBLE).person
    return World(case=case, responsible=responsible, guardian=guardian, harmed=harmed)


def prepare(world: World, *, by, supervisor) -> None:
    """Record every assessment, sign-off and consent the case needs to be ready."""
    today = timezone.localdate()
    for person in (world.responsible, world.harmed):
        assessment = case_services.record_assessment(
            case=world.case, by=by, person=person, will_attend=True, ready=True, risk="low"
        )
        case_services.sign_off_assessment(assessment=assessment, by=supervisor)
        case_services.record_consent(
            case=world.case,
            by=by,
            person=person,
            purpose="conference",
            given_by=person,
            given_on=today,
            method="written",
        )
    case_services.record_consent(
        case=world.case,
        by=by,
        person=world.responsible,
        purpose="conference",
        given_by=world.guardian,
        given_on=today,
        method="written",
    )


def to_monitoring(world: World, *, by, supervisor) -> list:
    """Prepare the case, hold its conference and record a two-item agreement; return the items."""
    prepare(world, by=by, supervisor=supervisor)
    case = case_services.mark_case_ready(case=world.case, by=by)
    case = move_case(case=case, method_name="schedule", by=by)
    case = move_case(case=case, method_name="hold_conference", by=by)
    due = timezone.localdate() + timedelta(days=30)
    agreement = conference_services.record_agreement(
        case=case,
        by=by,
        items=[
            conference_services.ItemInput(kind=ItemKind.APOLOGY, description="Letter to Pat", due_date=due),
            conference_services.ItemInput(
                kind=ItemKind.COMMUNITY_SERVICE, description="Clean the park", due_date=due, hours=10
            ),
        ],
        summary="Jamie will apologise and help clean the park.",
    )
    world.refresh()
    return list(agreement.items.all())


def close_prepared(world: World, *, by, supervisor) -> Case:
    """Prepare the case (everyone consents to take part), then close it without a conference."""
    prepare(world, by=by, supervisor=supervisor)
    case_services.close_without_conference(case=world.case, by=by, reason="The harmed party chose not to meet.")
    return world.refresh()


def closed_with_follow_ups(time_machine, *, closed_at, officer, supervisor, facilitator) -> World:
    """Jamie Doyle's case, prepared and closed at `closed_at`, with its follow-ups created."""
    time_machine.move_to(closed_at - timedelta(days=40), tick=False)
    world = build_world(officer=officer, supervisor=supervisor, facilitator=facilitator)
    time_machine.move_to(closed_at, tick=False)
    close_prepared(world, by=facilitator, supervisor=supervisor)
    create_follow_ups(case=world.case)
    return world
