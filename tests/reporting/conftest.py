"""A small programme with a known answer for every figure, built through the services.

All referrals are made on Monday 2 March 2026; the figures are looked at on 25 March 2026.

- Ada (adult, male, white; the officer's unit): contacted after 3 days, conference (victim-offender)
  held after 10 days with the harmed party there, agreement of restitution £100 (£60 paid, partner
  Bridges) and 10 service hours (4 done), both due 20 March: overdue. An answered survey (4/5) and a
  6-month check without reoffending.
- Ben (juvenile, female, black; the officer's unit): contacted after 1 day, then returned: no contact.
- Cal (adult, female, ethnicity not stated; the other officer's unit, burglary): declined for risk.
- Dee (juvenile, male, white; the other officer's unit): submitted, waiting for screening.
- Eve: a draft, never submitted: not referred.
"""

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.core.cache import cache

from cases import services as case_services
from cases.models import ReoffendingCheck, SatisfactionSurvey
from conferences import services as conference_services
from conferences.models import Conference, ConferenceKind, ItemKind, Venue
from people.models import Person
from referrals import services as referral_services
from referrals.models import PartyRole, Referral
from tests.factories import PartnerFactory, PersonFactory, ReferralFactory, ReferralPartyFactory, UserFactory, offence
from tests.helpers import prepare_for_conference

LONDON = ZoneInfo("Europe/London")
MADE = datetime(2026, 3, 2, 9, 0, tzinfo=LONDON)
LOOKED = datetime(2026, 3, 25, 9, 0, tzinfo=LONDON)


@pytest.fixture(autouse=True)
def _fresh_cache():
    """Figures are cached per rollup build; builds of different tests may look alike."""
    cache.clear()
    yield
    cache.clear()


@dataclass
class Programme:
    ada: Referral
    ben: Referral
    cal: Referral
    dee: Referral
    eve: Referral
    partner: object
    facilitator: object


def _referral(officer, *, first_name, born, gender, ethnicity, code="shoplifting", harmed=True) -> Referral:
    person = PersonFactory(
        first_name=first_name, last_name="Test", date_of_birth=born, gender=gender, ethnicity=ethnicity
    )
    referral = ReferralFactory(referring_officer=officer, responsible__person=person, offence_category=offence(code))
    if harmed:
        ReferralPartyFactory(
            referral=referral,
            role=PartyRole.HARMED,
            person=PersonFactory(first_name=f"Harmed{first_name}", last_name="Party", date_of_birth=date(1970, 2, 3)),
            admits_responsibility=None,
            prior_diversions=None,
        )
    return referral


def _prepare(case, *, facilitator, supervisor):
    return prepare_for_conference(case, facilitator=facilitator, supervisor=supervisor, given_on=MADE.date())


def _ada_to_agreement(ada, *, facilitator, supervisor, partner, time_machine):
    case = ada.case
    responsible = ada.parties.get(role=PartyRole.RESPONSIBLE).person
    case_services.log_contact(
        case=case, by=facilitator, person=responsible, contacted_at=MADE + timedelta(days=3), channel="phone",
        outcome="reached",
    )  # fmt: skip
    case = _prepare(case, facilitator=facilitator, supervisor=supervisor)
    venue = Venue.objects.create(name="Hall", address="1 Road")
    plan = conference_services.ConferencePlan(
        kind=ConferenceKind.VICTIM_OFFENDER,
        starts_at=MADE + timedelta(days=10),
        duration_minutes=60,
        mode=Conference.Mode.IN_PERSON,
        venue=venue,
    )
    conference = conference_services.schedule_conference(
        case=case, by=facilitator, plan=plan, facilitators=[facilitator]
    )
    time_machine.move_to(MADE + timedelta(days=10, hours=2), tick=False)
    attended = {p.pk: True for p in conference.participants.all()}
    conference_services.hold_conference(conference=conference, by=facilitator, attended=attended)
    due = date(2026, 3, 20)
    agreement = conference_services.record_agreement(
        case=case,
        by=facilitator,
        items=[
            conference_services.ItemInput(
                kind=ItemKind.RESTITUTION, description="Pay back", due_date=due, amount=Decimal("100"), partner=partner
            ),
            conference_services.ItemInput(
                kind=ItemKind.COMMUNITY_SERVICE, description="Park", due_date=due, hours=Decimal("10")
            ),
        ],
    )
    restitution, service = agreement.items.order_by("pk")
    conference_services.record_payment(
        item=restitution, by=facilitator, amount=Decimal("60"), paid_on=MADE.date() + timedelta(days=10)
    )
    conference_services.record_hours(
        item=service, by=facilitator, hours=Decimal("4"), worked_on=MADE.date() + timedelta(days=10)
    )
    harmed = ada.parties.get(role=PartyRole.HARMED).person
    # The follow-ups, as the survey page and the supervisors' check record them.
    SatisfactionSurvey.objects.create(
        case=case, person=harmed, sent_at=LOOKED, answered_at=LOOKED, satisfaction=4, felt_heard=True,
        harm_repaired=False, would_recommend=True,
    )  # fmt: skip
    ReoffendingCheck.objects.create(case=case, months=6, due_on=due, reoffended=False, recorded_at=LOOKED)


@pytest.fixture
def programme(time_machine, officer, other_officer, supervisor) -> Programme:
    time_machine.move_to(MADE, tick=False)
    facilitator = UserFactory(username="dash_facilitator", facilitator=True, first_name="Faye", last_name="Lund")
    partner = PartnerFactory(name="Bridges")
    ada = _referral(officer, first_name="Ada", born=date(1990, 1, 1), gender="male", ethnicity="white")
    ben = _referral(officer, first_name="Ben", born=date(2012, 6, 1), gender="female", ethnicity="black")
    cal = _referral(
        other_officer, first_name="Cal", born=date(1985, 5, 5), gender="female", ethnicity="not_stated", code="burglary"
    )
    dee = _referral(other_officer, first_name="Dee", born=date(2011, 1, 1), gender="male", ethnicity="white")
    eve = _referral(officer, first_name="Eve", born=date(1980, 1, 1), gender="female", ethnicity="white")
    for referral in (ada, ben, cal, dee):
        referral_services.submit_referral(referral=referral, by=referral.referring_officer)
    for referral in (ada, ben):
        case = referral_services.accept_referral(referral=referral, by=supervisor).case
        case_services.assign_facilitators(case=case, by=supervisor, facilitator=facilitator)
    referral_services.decline_referral(referral=cal, by=supervisor, reason_code="risk")
    ben.refresh_from_db()
    case_services.log_contact(
        case=ben.case, by=facilitator, person=ben.parties.get(role=PartyRole.RESPONSIBLE).person,
        contacted_at=MADE + timedelta(days=1), channel="phone", outcome="no_answer",
    )  # fmt: skip
    case_services.return_case(case=ben.case, by=supervisor, reason_code="no_contact")
    ada.refresh_from_db()
    _ada_to_agreement(ada, facilitator=facilitator, supervisor=supervisor, partner=partner, time_machine=time_machine)
    time_machine.move_to(LOOKED, tick=False)
    return Programme(ada=ada, ben=ben, cal=cal, dee=dee, eve=eve, partner=partner, facilitator=facilitator)


@pytest.fixture
def admin_user():
    return UserFactory(username="dash_admin", admin=True)


def people_names(*referrals) -> list[str]:
    return [p.display_name for p in Person.objects.filter(referral_roles__referral__in=referrals)]
