"""The agreement item list for each role, and the person search page."""

import re

import pytest
from django.db import connection
from django.urls import reverse

from people.models import Person
from tests.factories import PartnerFactory, PersonFactory, ReferralFactory
from tests.helpers import page_text

from .conftest import add_person, make_case, make_item

pytestmark = pytest.mark.django_db
ITEMS = reverse("agreements:items")
PEOPLE = reverse("cases:person_search")


def descriptions(response) -> list[str]:
    return re.findall(r'<div class="small text-muted">([^<]+)</div>', response.content.decode())


@pytest.fixture
def items(facilitator, other_facilitator, partner):
    """An item of the facilitator's case supervised by the partner, and one of another case and partner."""
    ours = make_case(facilitator=facilitator)
    harmed = add_person(ours.referral, first_name="Harriet", last_name="Vandermeer")
    return {
        "ours": make_item(ours, partner=partner.partner, harmed_party=harmed, description="Letter to the shop"),
        "theirs": make_item(
            make_case(facilitator=other_facilitator), partner=PartnerFactory(), description="Garden work"
        ),
    }


def test_each_role_sees_its_items(login, supervisor, facilitator, partner, officer, items):
    assert set(descriptions(login(supervisor).get(ITEMS))) == {"Letter to the shop", "Garden work"}
    assert descriptions(login(facilitator).get(ITEMS)) == ["Letter to the shop"]
    partner_page = page_text(login(partner).get(ITEMS))
    assert "Letter to the shop" in partner_page and "Garden work" not in partner_page
    assert login(officer).get(ITEMS).status_code == 200
    assert descriptions(login(officer).get(ITEMS)) == []


def test_partners_see_no_harmed_party_name_and_cannot_search_by_name(login, partner, items):
    client = login(partner)
    assert "Vandermeer" not in page_text(client.get(ITEMS))
    response = client.get(ITEMS, {"q": "vandermeer"})
    assert response.status_code == 200
    assert "Search by the case reference" in page_text(response)
    assert "Vandermeer" not in page_text(response)
    reference = items["ours"].agreement.case.reference
    assert descriptions(client.get(ITEMS, {"q": reference})) == ["Letter to the shop"]
    assert 'name="partner"' not in client.get(ITEMS).content.decode()


def test_item_filters_sorting_and_search(login, supervisor, partner, items):
    client = login(supervisor)
    assert descriptions(client.get(ITEMS, {"partner": partner.partner.pk})) == ["Letter to the shop"]
    assert descriptions(client.get(ITEMS, {"q": "vandermeer"})) == ["Letter to the shop"]
    assert descriptions(client.get(ITEMS, {"sort": "kind"})) == ["Letter to the shop", "Garden work"]
    response = client.get(ITEMS, {"partner": "999999", "sort": "harmed_party__last_name"})
    assert response.status_code == 200
    assert "cannot be sorted that way" in page_text(response)
    assert "Vandermeer" not in response.content.decode()


def test_item_list_takes_as_many_queries_for_30_rows_as_for_5(login, partner, facilitator, assert_constant_queries):
    def grow(n):
        for _ in range(n):
            make_item(make_case(facilitator=facilitator), partner=partner.partner)

    assert len(descriptions(assert_constant_queries(login(partner), ITEMS, grow))) == 25


def test_person_search_lists_people_with_their_referrals_and_cases(login, supervisor, facilitator, officer):
    case = make_case(facilitator=facilitator)
    person = add_person(case.referral, first_name="Dana", last_name="Kowalczyk", role="responsible")
    uncased = ReferralFactory(referring_officer=officer)
    ReferralFactory(referring_officer=officer, responsible__person=person)
    add_person(uncased, first_name="Dana", last_name="Kowalczyk-Smith")
    PersonFactory(first_name="Dana", last_name="Kowalczyk-Nobody")  # on no referral

    response = login(supervisor).get(PEOPLE, {"q": "kowalczyk"})
    text = page_text(response)
    assert response.status_code == 200
    assert "Dana Kowalczyk" in text and "Dana Kowalczyk-Smith" in text
    assert "Kowalczyk-Nobody" not in text
    assert case.reference in text and uncased.reference in text
    assert f'href="{case.get_absolute_url()}"' in text


def test_facilitators_find_only_the_people_of_their_cases(login, facilitator, other_facilitator):
    mine = make_case(facilitator=facilitator)
    add_person(mine.referral, first_name="Sam", last_name="Quigley")
    theirs = make_case(facilitator=other_facilitator)
    add_person(theirs.referral, first_name="Sam", last_name="Quigley-Other")
    text = page_text(login(facilitator).get(PEOPLE, {"q": "quigley"}))
    assert mine.reference in text
    assert "Quigley-Other" not in text and theirs.reference not in text


@pytest.mark.parametrize("query", ["", "ab", "x" * 101])
def test_person_search_refuses_a_search_it_cannot_do(login, supervisor, query):
    response = login(supervisor).get(PEOPLE, {"q": query})
    assert response.status_code == 400
    assert "is-invalid" in response.content.decode()


def test_person_search_is_for_supervisors_and_facilitators(login, officer, partner):
    assert login(officer).get(PEOPLE, {"q": "smith"}).status_code == 403
    assert login(partner).get(PEOPLE, {"q": "smith"}).status_code == 403


def test_person_search_takes_as_many_queries_for_30_people_as_for_5(login, supervisor, assert_constant_queries):
    def grow(n):
        for _ in range(n):
            case = make_case()
            add_person(case.referral, first_name="Robin", last_name="Featherstone")

    response = assert_constant_queries(login(supervisor), f"{PEOPLE}?q=featherstone", grow)
    assert page_text(response).count("Robin Featherstone") == 20


@pytest.mark.postgres
def test_name_search_and_report_numbers_use_their_indexes_on_postgresql():
    """With sequential scans priced out, the plans must name the trigram and report number indexes."""
    from referrals.models import Referral

    PersonFactory(last_name="Smith")
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        plans = []
        for queryset in (Person.objects.search("smith"), Referral.objects.search("CR/1/26")):
            sql, params = queryset.values("pk").query.sql_with_params()
            cursor.execute(f"EXPLAIN {sql}", params)
            plans.append("\n".join(row[0] for row in cursor.fetchall()))
    assert "person_search_name_trgm" in plans[0]
    assert "referral_incident_upper" in plans[1]


def test_person_search_lists_the_most_recently_recorded_first(login, supervisor, officer):
    referral = ReferralFactory(referring_officer=officer)
    older = add_person(referral, first_name="Ola", last_name="Brzezinska", role="harmed")
    newer = add_person(referral, first_name="Ewa", last_name="Brzezinska", role="harmed")

    text = page_text(login(supervisor).get(PEOPLE, {"q": "brzezinska"}))

    assert older.pk < newer.pk
    assert text.index("Ewa Brzezinska") < text.index("Ola Brzezinska")
