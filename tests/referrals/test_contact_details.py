"""Harmed-party contact details: the officer who typed them sees them until screening, then only
the case's facilitators and supervisors do (DESIGN.md, data protection 2)."""

import pytest

from referrals import services
from referrals.models import PartyRole
from tests.factories import PersonFactory, ReferralPartyFactory

pytestmark = pytest.mark.django_db

PHONE = "07700 900555"


@pytest.fixture
def with_harmed_party(draft):
    person = PersonFactory(first_name="Pat", last_name="Lee", contact__phone=PHONE)
    ReferralPartyFactory(referral=draft, person=person, role=PartyRole.HARMED, admits_responsibility=None)
    return draft


def test_the_officer_sees_contact_details_of_their_draft(login, officer, with_harmed_party):
    text = login(officer).get(with_harmed_party.get_absolute_url()).content.decode()
    assert PHONE in text


def test_once_accepted_the_officer_no_longer_sees_them_but_the_supervisor_does(
    login, officer, supervisor, with_harmed_party
):
    services.submit_referral(referral=with_harmed_party, by=officer)
    services.accept_referral(referral=with_harmed_party, by=supervisor)

    officer_page = login(officer).get(with_harmed_party.get_absolute_url()).content.decode()
    assert "Pat Lee" in officer_page
    assert PHONE not in officer_page
    assert PHONE in login(supervisor).get(with_harmed_party.get_absolute_url()).content.decode()
