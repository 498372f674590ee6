"""The case pages, the error pages and the home page of each role."""

import re

import pytest
from django.urls import reverse

from cases.models import Case, CaseStatus
from cases.transitions import move_case
from referrals import services
from referrals.models import PartyRole, ReferralStatus
from tests.factories import PersonFactory, ReferralFactory, ReferralPartyFactory
from tests.helpers import page_text

pytestmark = pytest.mark.django_db

CASES = reverse("cases:list")


def open_case_for(officer, supervisor, **fields) -> Case:
    referral = services.submit_referral(referral=ReferralFactory(referring_officer=officer, **fields), by=officer)
    return services.accept_referral(referral=referral, by=supervisor).case


@pytest.fixture
def three_cases(officer, supervisor):
    """A case in intake, one closed without a conference and one returned to the agency."""
    intake = open_case_for(officer, supervisor)
    closed = move_case(
        case=open_case_for(officer, supervisor),
        method_name="close_without_conference",
        by=supervisor,
        reason="Harmed party declined.",
    )
    returned = move_case(
        case=open_case_for(officer, supervisor), method_name="return_to_agency", by=supervisor, reason="Re-arrest."
    )
    return intake, closed, returned


# The case list


@pytest.mark.parametrize(
    ("status", "shown"),
    [
        ("", {0, 1, 2}),
        ("intake", {0}),
        ("closed_no_conference", {1}),
        ("returned", {2}),
        ("completed", set()),
        ("not-a-status", {0, 1, 2}),
    ],
)
def test_case_list_filters_by_status(login, supervisor, three_cases, status, shown):
    response = login(supervisor).get(CASES, {"status": status})

    assert response.status_code == 200
    text = page_text(response)
    for index, case in enumerate(three_cases):
        assert (case.reference in text) is (index in shown), case.status
    if shown:
        assert f"{len(shown)} case" in text
    else:
        assert "No case matches." in text
    if status in CaseStatus.values:
        assert f'<option value="{status}" selected>' in text


def test_case_list_newest_first(login, supervisor, three_cases):
    text = page_text(login(supervisor).get(CASES))
    positions = [text.index(case.reference) for case in reversed(three_cases)]
    assert positions == sorted(positions)


def test_case_list_of_a_facilitator_is_titled_my_cases(login, facilitator, three_cases):
    Case.objects.filter(pk=three_cases[0].pk).update(facilitator=facilitator)
    text = page_text(login(facilitator).get(CASES))
    assert "My cases" in text
    assert three_cases[0].reference in text
    assert three_cases[1].reference not in text


# The case page


def test_case_detail_shows_the_parties_and_the_timeline(login, officer, supervisor):
    referral = ReferralFactory(referring_officer=officer, responsible__person__first_name="Jordan")
    ReferralPartyFactory(
        referral=referral,
        role=PartyRole.HARMED,
        person=PersonFactory(first_name="Pat", last_name="Lee", contact__phone="07700 900777"),
        admits_responsibility=None,
        prior_diversions=None,
    )
    services.submit_referral(referral=referral, by=officer)
    case = services.accept_referral(referral=referral, by=supervisor).case
    move_case(case=case, method_name="mark_ready", by=supervisor, reason="Consent recorded; risk assessed.")

    response = login(supervisor).get(case.get_absolute_url())

    assert response.status_code == 200
    text = page_text(response)
    assert f"Case {referral.reference}" in text
    assert "Jordan " in text
    assert "Pat Lee" in text
    assert "Responsible party" in text
    assert "Harmed party" in text
    assert "07700 900777" in text
    assert "not assigned yet" in text
    assert "Referral accepted." in text
    assert "Intake → Ready" in text.replace("</strong>", "").replace("<strong>", "")
    assert "Consent recorded; risk assessed." in text
    assert str(supervisor) in text
    assert referral.description in text


def test_case_detail_of_an_unknown_case_is_404(login, supervisor):
    response = login(supervisor).get(reverse("cases:detail", args=[987654]))
    assert response.status_code == 404
    assert "Page not found" in page_text(response)


def test_every_link_on_the_facilitators_case_page_opens(login, facilitator, case):
    Case.objects.filter(pk=case.pk).update(facilitator=facilitator)
    client = login(facilitator)
    text = page_text(client.get(case.get_absolute_url()))

    links = set(re.findall(r'href="(/(?:referrals|cases)/[^"]*)"', text))
    # The case page tells the referral's story itself; facilitators have no referral pages.
    assert case.referral.get_absolute_url() not in links
    assert case.reference in text
    for link in links:
        assert client.get(link).status_code == 200, link


# Error pages


@pytest.mark.parametrize("logged_in", [True, False])
def test_a_missing_page_renders_the_friendly_404(client, officer, logged_in):
    if logged_in:
        client.force_login(officer)
    response = client.get("/no-such-page/")

    assert response.status_code == 404
    text = page_text(response)
    assert "Page not found" in text
    assert "There is nothing here, or nothing you have access to." in text
    assert "RJ Cases" in text


def test_a_forbidden_page_renders_the_friendly_403_with_the_reason(login, officer):
    response = login(officer).get(CASES)

    assert response.status_code == 403
    text = page_text(response)
    assert "You are not allowed to do this" in text
    assert "Cases are for supervisors and facilitators." in text
    assert "Back to your home page" in text


def test_someone_elses_referral_renders_the_friendly_404(login, other_officer, draft):
    response = login(other_officer).get(draft.get_absolute_url())
    assert response.status_code == 404
    text = page_text(response)
    assert "Page not found" in text
    assert draft.reference not in text


# Home pages


def test_officer_home_shows_counts_and_the_way_to_log_a_referral(login, officer, other_officer, supervisor):
    ReferralFactory.create_batch(2, referring_officer=officer)
    submitted = services.submit_referral(referral=ReferralFactory(referring_officer=officer), by=officer)
    services.request_info(referral=submitted, by=supervisor, message="Which shop?")
    ReferralFactory.create_batch(3, referring_officer=other_officer)

    response = login(officer).get("/")

    assert response.status_code == 200
    text = page_text(response)
    assert "Log a diversion referral" in text
    assert f"Welcome, {officer.first_name}" in text
    counts = {value: count for value, _label, count in response.context["referral_counts"]}
    assert counts[ReferralStatus.DRAFT] == 2
    assert counts[ReferralStatus.NEEDS_INFO] == 1
    assert sum(counts.values()) == 3
    assert re.search(r'class="stat">\s*2\s*</div>\s*<div class="stat-label">\s*Draft', text)
    assert "The supervisors need more information" in text
    assert "Which shop?" in text


def test_officer_home_without_referrals_invites_the_first(login, officer):
    text = page_text(login(officer).get("/"))
    assert "You have not logged any referral yet." in text
    assert "The supervisors need more information" not in text


def test_supervisor_home_shows_the_screening_queue(login, officer, supervisor):
    waiting = services.submit_referral(referral=ReferralFactory(referring_officer=officer), by=officer)
    draft = ReferralFactory(referring_officer=officer)
    open_case_for(officer, supervisor)

    response = login(supervisor).get("/")

    assert response.status_code == 200
    text = page_text(response)
    assert "Programme overview" in text
    assert "Screening queue · oldest first" in text
    assert waiting.reference in text
    assert draft.reference not in text
    assert reverse("referrals:screen", args=[waiting.pk]) in text
    assert response.context["queue_total"] == 1
    assert response.context["unassigned"] == 1
    assert re.search(r'class="stat">\s*1\s*</div>\s*<div class="stat-label">\s*referrals waiting for screening', text)


def test_supervisor_home_with_an_empty_queue(login, supervisor):
    assert "Nothing waits for screening." in page_text(login(supervisor).get("/"))


def test_facilitator_home_lists_my_cases(login, officer, supervisor, facilitator):
    mine = open_case_for(officer, supervisor)
    other = open_case_for(officer, supervisor)
    Case.objects.filter(pk=mine.pk).update(facilitator=facilitator)

    response = login(facilitator).get("/")

    assert response.status_code == 200
    text = page_text(response)
    assert "My cases" in text
    assert mine.reference in text
    assert other.reference not in text


def test_facilitator_home_without_cases(login, facilitator):
    text = page_text(login(facilitator).get("/"))
    assert "My cases" in text
    assert "No case is assigned to you yet." in text


def test_partner_home_shows_their_organisation(login, partner, outsider, draft):
    response = login(partner).get("/")

    assert response.status_code == 200
    text = page_text(response)
    assert partner.partner.name in text
    assert outsider.partner.name not in text
    assert draft.reference not in text
