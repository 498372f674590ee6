"""Cases made ready through the services, a venue, a conference, and a clock that stands still.

Time is frozen at NOW, a Monday in British Summer Time (UTC+1), so that "local 10:00" is 09:00 UTC.
Tests move it with `time_machine.shift()`; none sleeps.
"""

from datetime import date, datetime, timedelta
from html.parser import HTMLParser
from zoneinfo import ZoneInfo

import pytest

from cases import services as case_services
from cases.models import Case
from conferences import services
from conferences.models import Conference, ConferenceKind, Venue
from referrals import services as referral_services
from referrals.models import PartyRole
from tests.factories import ReferralFactory, ReferralPartyFactory, UserFactory
from tests.helpers import prepare_for_conference

LONDON = ZoneInfo("Europe/London")
NOW = datetime(2026, 3, 30, 9, 0, tzinfo=LONDON)


def local(day: int, hour: int, minute: int = 0, *, month: int = 4) -> datetime:
    """Return the aware London time of `day` `month` 2026 at `hour`:`minute`."""
    return datetime(2026, month, day, hour, minute, tzinfo=LONDON)


@pytest.fixture(autouse=True)
def now(time_machine):
    time_machine.move_to(NOW, tick=False)
    return NOW


def make_ready_case(*, officer, supervisor, facilitator, co_facilitator=None) -> Case:
    """Open a case for an adult responsible party and a harmed party, prepare it, and mark it ready."""
    referral = ReferralFactory(referring_officer=officer, responsible__person__date_of_birth=date(1990, 1, 1))
    ReferralPartyFactory(
        referral=referral,
        role=PartyRole.HARMED,
        person__date_of_birth=date(1970, 2, 3),
        admits_responsibility=None,
        prior_diversions=None,
    )
    referral = referral_services.submit_referral(referral=referral, by=officer)
    case = referral_services.accept_referral(referral=referral, by=supervisor).case
    case_services.assign_facilitators(case=case, by=supervisor, facilitator=facilitator, co_facilitator=co_facilitator)
    return prepare_for_conference(case, facilitator=facilitator, supervisor=supervisor)


@pytest.fixture
def other_facilitator():
    return UserFactory(username="facilitator2", facilitator=True, first_name="Femi", last_name="Adebayo")


@pytest.fixture
def co_facilitator():
    return UserFactory(username="cofacilitator", facilitator=True, first_name="Kate", last_name="Morrow")


@pytest.fixture
def ready_case(officer, supervisor, facilitator) -> Case:
    return make_ready_case(officer=officer, supervisor=supervisor, facilitator=facilitator)


@pytest.fixture
def venue() -> Venue:
    return Venue.objects.create(name="Northby Community Centre", address="2 Mill Road\nNorthby NB1 4CC")


@pytest.fixture
def plan(venue):
    """Return a ConferencePlan factory: Wednesday 1 April 2026, 10:00 to 12:00 at the venue, unless told."""

    def _plan(**changes) -> services.ConferencePlan:
        fields = {
            "kind": ConferenceKind.VICTIM_OFFENDER,
            "starts_at": local(1, 10),
            "duration_minutes": 120,
            "mode": Conference.Mode.IN_PERSON,
            "venue": venue,
            **changes,
        }
        return services.ConferencePlan(**fields)

    return _plan


@pytest.fixture
def conference(ready_case, facilitator, plan) -> Conference:
    """A victim-offender conference of the ready case, on Wednesday 1 April 2026 at 10:00 at the venue."""
    return services.schedule_conference(
        case=ready_case, by=facilitator, plan=plan(), facilitators=[facilitator], invite_officer=True
    )


def schedule_data(*, facilitators, **fields) -> dict:
    """Return the schedule form's POST data (a browser's, as strings); a field given as None is left out."""
    data = {
        "kind": ConferenceKind.COMMUNITY_CIRCLE,
        "start_date": "2026-04-02",
        "start_time": "14:30",
        "duration_minutes": "90",
        "mode": "in_person",
        "venue": "",
        "address": "Room 3, Northby Library, 5 Market Square",
        "meeting_link": "",
        "facilitators": [str(user.pk) for user in facilitators],
        **fields,
    }
    return {name: value for name, value in data.items() if value is not None}


def days(n: int) -> timedelta:
    return timedelta(days=n)


class _CheckedParser(HTMLParser):
    def __init__(self, name):
        super().__init__()
        self.name, self.values = name, set()

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "input" and attrs.get("name") == self.name and "checked" in attrs:
            self.values.add(attrs.get("value", "on"))


def checked(response, name: str) -> set[str]:
    """Return the values of the ticked checkboxes (or radios) called `name` on the page."""
    parser = _CheckedParser(name)
    parser.feed(response.content.decode())
    return parser.values
