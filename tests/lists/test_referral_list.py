"""The referral list and the screening queue: who sees what, filters, sorting, search and pages."""

import re

import pytest
from django.urls import reverse

from referrals import services
from referrals.models import Referral
from tests.factories import ReferralFactory, UserFactory
from tests.helpers import page_text

from .conftest import add_person

pytestmark = pytest.mark.django_db
LIST = reverse("referrals:list")
QUEUE = reverse("referrals:screening_queue")


def references(response) -> list[str]:
    """Return the references in the page's table, in order."""
    return re.findall(r">(RJ-\d{4}-\d{6})</a>", response.content.decode())


def test_officer_sees_only_their_own_referrals(login, officer, other_officer):
    mine = ReferralFactory(referring_officer=officer)
    theirs = ReferralFactory(referring_officer=other_officer)
    response = login(officer).get(LIST)
    assert references(response) == [mine.reference]
    assert theirs.reference not in page_text(response)


def test_unit_lead_sees_their_units_referrals_and_no_other_agency(login, unit_lead, officer, other_officer):
    colleague = ReferralFactory(referring_officer=officer)
    elsewhere = ReferralFactory(referring_officer=other_officer)
    response = login(unit_lead).get(LIST)
    assert references(response) == [colleague.reference]
    assert elsewhere.reference not in page_text(response)


def test_supervisor_sees_all_referrals(login, supervisor, officer, other_officer):
    made = {
        ReferralFactory(referring_officer=officer).reference,
        ReferralFactory(referring_officer=other_officer).reference,
    }
    assert set(references(login(supervisor).get(LIST))) == made


@pytest.mark.parametrize("user", ["facilitator", "partner"])
def test_other_roles_are_refused(login, request, user):
    assert login(request.getfixturevalue(user)).get(LIST).status_code == 403


def test_filter_by_status(login, officer, supervisor):
    draft = ReferralFactory(referring_officer=officer)
    submitted = services.submit_referral(referral=ReferralFactory(referring_officer=officer), by=officer)
    assert references(login(supervisor).get(LIST, {"status": "submitted"})) == [submitted.reference]
    assert references(login(supervisor).get(LIST, {"status": "draft"})) == [draft.reference]


def test_search_by_reference_in_any_case(login, officer):
    wanted, _other = ReferralFactory(referring_officer=officer), ReferralFactory(referring_officer=officer)
    assert references(login(officer).get(LIST, {"q": f" {wanted.reference.lower()} "})) == [wanted.reference]


def test_search_by_police_report_number(login, officer):
    wanted = ReferralFactory(referring_officer=officer, incident_number="Cr/77/26")
    ReferralFactory(referring_officer=officer)
    assert references(login(officer).get(LIST, {"q": "CR/77/26"})) == [wanted.reference]


def test_search_by_person_name_any_part_and_order(login, officer, other_officer):
    wanted = ReferralFactory(referring_officer=officer)
    add_person(wanted, first_name="Jordan", last_name="Okonkwo-Reid")
    ReferralFactory(referring_officer=officer)
    namesake_elsewhere = ReferralFactory(referring_officer=other_officer)
    add_person(namesake_elsewhere, first_name="Jordan", last_name="Okonkwo-Reid")

    client = login(officer)
    for query in ("okonkwo", "reid jordan", "JORDAN OKONKWO"):
        assert references(client.get(LIST, {"q": query})) == [wanted.reference], query
    assert references(client.get(LIST, {"q": "Nobody-by-that-name"})) == []


def test_a_name_too_short_to_search_is_refused_with_a_reason(login, officer):
    ReferralFactory(referring_officer=officer)
    response = login(officer).get(LIST, {"q": "jo"})
    assert response.status_code == 200
    assert "Type at least 3 letters of a name" in page_text(response)
    assert len(references(response)) == 1  # the filter is ignored, not applied


def test_sorting_by_a_column_both_ways_with_a_stable_tiebreaker(login, supervisor, officer):
    made = [ReferralFactory(referring_officer=officer) for _ in range(3)]
    Referral.objects.update(created_at=made[0].created_at)  # equal values: the id decides
    client = login(supervisor)
    by_reference = sorted(r.reference for r in made)
    assert references(client.get(LIST, {"sort": "reference"})) == by_reference
    assert references(client.get(LIST, {"sort": "-reference"})) == by_reference[::-1]
    assert references(client.get(LIST, {"sort": "logged"})) == by_reference
    assert references(client.get(LIST)) == by_reference[::-1]


def test_the_column_header_links_to_the_reverse_order(login, supervisor, officer):
    ReferralFactory(referring_officer=officer)
    client = login(supervisor)
    assert "sort=-reference" in client.get(LIST, {"sort": "reference"}).content.decode()
    assert 'aria-sort="descending"' in client.get(LIST).content.decode()


@pytest.mark.parametrize("sort", ["password", "-referring_officer__password", "reference; drop", "--reference"])
def test_an_unknown_sort_key_is_ignored_and_said(login, supervisor, officer, sort):
    made = [ReferralFactory(referring_officer=officer) for _ in range(2)]
    response = login(supervisor).get(LIST, {"sort": sort})
    assert response.status_code == 200
    assert "cannot be sorted that way" in page_text(response)
    assert references(response) == [r.reference for r in made][::-1]


@pytest.mark.parametrize("page", ["abc", "0", "-1", "99999999999999999999", "1.5"])
def test_a_page_that_is_not_a_page_number_shows_the_first(login, officer, page):
    ReferralFactory(referring_officer=officer)
    response = login(officer).get(LIST, {"page": page})
    assert response.status_code == 200
    assert len(references(response)) == 1


def test_pages_follow_each_other_without_counting_everything(login, officer):
    made = [ReferralFactory(referring_officer=officer) for _ in range(27)]
    client = login(officer)
    first, second = client.get(LIST), client.get(LIST, {"page": 2})
    assert len(references(first)) == 25
    assert references(second) == [made[1].reference, made[0].reference]
    assert "1–25 of 27 referrals" in page_text(first)
    assert 'rel="next"' in first.content.decode() and 'rel="prev"' not in first.content.decode()
    assert 'rel="prev"' in second.content.decode() and 'rel="next"' not in second.content.decode()
    assert references(client.get(LIST, {"page": 9})) == references(second)  # past the end: the last page


def test_the_total_is_capped(login, officer, monkeypatch):
    monkeypatch.setattr("rjcases.listing.COUNT_CAP", 3)
    for _ in range(5):
        ReferralFactory(referring_officer=officer)
    assert "1–5 of 3+ referrals" in page_text(login(officer).get(LIST))


def test_the_referral_list_takes_as_many_queries_for_30_rows_as_for_5(login, officer, assert_constant_queries):
    response = assert_constant_queries(
        login(officer), LIST, lambda n: [ReferralFactory(referring_officer=officer) for _ in range(n)]
    )
    assert len(references(response)) == 25


def test_screening_queue_is_for_supervisors_and_sorts(login, supervisor, officer):
    older, newer = (
        services.submit_referral(referral=ReferralFactory(referring_officer=officer), by=officer) for _ in range(2)
    )
    ReferralFactory(referring_officer=officer)  # a draft does not wait for screening
    client = login(supervisor)
    assert references(client.get(QUEUE)) == [older.reference, newer.reference]
    assert references(client.get(QUEUE, {"sort": "-submitted"})) == [newer.reference, older.reference]
    assert "cannot be sorted that way" in page_text(client.get(QUEUE, {"sort": "offence"}))
    assert login(officer).get(QUEUE).status_code == 403


def test_screening_queue_takes_as_many_queries_for_30_rows_as_for_5(login, supervisor, assert_constant_queries):
    officer = UserFactory(officer=True)

    def grow(n):
        for _ in range(n):
            services.submit_referral(referral=ReferralFactory(referring_officer=officer), by=officer)

    assert len(references(assert_constant_queries(login(supervisor), QUEUE, grow))) == 25
