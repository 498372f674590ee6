"""The case and conference lists: who sees what, filters, sorting, search and the query count."""

import re

import pytest
from django.urls import reverse

from conferences.models import ConferenceKind, ConferenceStatus
from tests.helpers import page_text

from .conftest import add_person, make_case, make_conference

pytestmark = pytest.mark.django_db
CASES = reverse("cases:list")
CONFERENCES = reverse("conferences:list")


def references(response) -> list[str]:
    return re.findall(r'/cases/\d+/">(RJ-\d{4}-\d{6})</a>', response.content.decode())


def test_supervisor_sees_all_cases_facilitator_only_theirs(login, supervisor, facilitator, other_facilitator):
    mine = make_case(facilitator=facilitator)
    theirs = make_case(facilitator=other_facilitator)
    assert set(references(login(supervisor).get(CASES))) == {mine.reference, theirs.reference}
    response = login(facilitator).get(CASES)
    assert references(response) == [mine.reference]
    assert theirs.reference not in page_text(response)


def test_officers_and_partners_have_no_case_list(login, officer, partner):
    assert login(officer).get(CASES).status_code == 403
    assert login(partner).get(CASES).status_code == 403


def test_case_search_by_reference_report_number_and_name(login, supervisor, facilitator):
    wanted = make_case(facilitator=facilitator, incident_number="AB/123/26")
    add_person(wanted.referral, first_name="Priya", last_name="Ramaswamy")
    make_case(facilitator=facilitator)
    client = login(supervisor)
    for query in (wanted.reference.lower(), "ab/123/26", "ramaswamy", "priya rama"):
        assert references(client.get(CASES, {"q": query})) == [wanted.reference], query
    response = client.get(CASES, {"q": "pr"})
    assert "Type at least 3 letters" in page_text(response)


def test_case_sorting_and_bad_input(login, supervisor, facilitator):
    old = make_case(facilitator=facilitator, opened_days_ago=10)
    new = make_case(facilitator=facilitator, opened_days_ago=1)
    client = login(supervisor)
    assert references(client.get(CASES)) == [new.reference, old.reference]
    assert references(client.get(CASES, {"sort": "opened"})) == [old.reference, new.reference]
    response = client.get(CASES, {"sort": "closing_note", "status": "nonsense", "facilitator": "x", "page": "y"})
    assert response.status_code == 200
    assert "cannot be sorted that way" in page_text(response)
    assert references(response) == [new.reference, old.reference]


def test_case_list_takes_as_many_queries_for_30_rows_as_for_5(login, supervisor, facilitator, assert_constant_queries):
    response = assert_constant_queries(
        login(supervisor), CASES, lambda n: [make_case(facilitator=facilitator) for _ in range(n)]
    )
    assert len(references(response)) == 25


def test_conferences_supervisor_all_facilitator_theirs(login, supervisor, facilitator, other_facilitator):
    mine = make_conference(make_case(facilitator=facilitator), created_by=facilitator)
    theirs = make_conference(make_case(facilitator=other_facilitator), created_by=other_facilitator)
    assert set(references(login(supervisor).get(CONFERENCES))) == {mine.case.reference, theirs.case.reference}
    response = login(facilitator).get(CONFERENCES)
    assert references(response) == [mine.case.reference]
    assert theirs.case.reference not in page_text(response)
    assert login(other_facilitator).get(CONFERENCES).status_code == 200


def test_conferences_are_refused_to_officers_and_partners(login, officer, partner):
    assert login(officer).get(CONFERENCES).status_code == 403
    assert login(partner).get(CONFERENCES).status_code == 403


def test_conference_filters(login, supervisor, facilitator):
    soon = make_conference(make_case(facilitator=facilitator), days_ahead=1, created_by=facilitator)
    later = make_conference(
        make_case(facilitator=facilitator), days_ahead=30, kind=ConferenceKind.FAMILY_GROUP, created_by=facilitator
    )
    type(later).objects.filter(pk=later.pk).update(status=ConferenceStatus.HELD)
    client = login(supervisor)
    assert references(client.get(CONFERENCES, {"status": "held"})) == [later.case.reference]
    assert references(client.get(CONFERENCES, {"kind": "family_group"})) == [later.case.reference]
    day = soon.starts_at.astimezone().date().isoformat()
    assert references(client.get(CONFERENCES, {"starts_from": day, "starts_until": day})) == [soon.case.reference]
    assert references(client.get(CONFERENCES, {"q": later.case.reference})) == [later.case.reference]
    assert references(client.get(CONFERENCES, {"sort": "starts"})) == [soon.case.reference, later.case.reference]
    response = client.get(CONFERENCES, {"starts_from": "31/02/2026", "kind": "tea", "sort": "notes"})
    assert response.status_code == 200
    assert "Enter a valid date." in page_text(response)
    assert len(references(response)) == 2


def test_conference_list_takes_as_many_queries_for_30_rows_as_for_5(login, facilitator, assert_constant_queries):
    def grow(n):
        for _ in range(n):
            make_conference(make_case(facilitator=facilitator), created_by=facilitator)

    assert len(references(assert_constant_queries(login(facilitator), CONFERENCES, grow))) == 25


def test_conferences_until_the_last_day_there_is_are_all_the_conferences(login, supervisor):
    response = login(supervisor).get(CONFERENCES, {"starts_until": "9999-12-31"})
    assert response.status_code == 200
