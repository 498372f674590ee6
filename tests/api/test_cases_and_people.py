"""Cases and people over the API: facilitators and supervisors only, contact details as on the pages."""

import pytest

from cases import services as case_services
from cases.models import CaseStatus
from tests.agreements.conftest import HARMED_PHONE
from tests.conferences.conftest import make_ready_case
from tests.factories import ReferralFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def assigned(case, supervisor, facilitator):
    case_services.assign_facilitators(case=case, by=supervisor, facilitator=facilitator)
    case.refresh_from_db()
    return case


def test_a_facilitator_reads_and_lists_their_cases(assigned, facilitator, as_user):
    api = as_user(facilitator)
    listed = api.get("/api/v1/cases/").json()["results"]
    assert [c["id"] for c in listed] == [assigned.pk]
    response = api.get(f"/api/v1/cases/{assigned.pk}/")
    assert response.status_code == 200 and response["ETag"]
    data = response.json()
    assert data["status"] == "intake" and data["reference"] == assigned.reference
    assert {p["role"] for p in data["parties"]} >= {"responsible"}
    assert data["events"][0]["to_status"] == "intake"


@pytest.mark.parametrize("persona", ["other_facilitator", "officer", "partner"])
def test_others_do_not_see_the_case(persona, assigned, request, as_user):
    api = as_user(request.getfixturevalue(persona))
    assert api.get("/api/v1/cases/").json()["results"] == []
    assert api.get(f"/api/v1/cases/{assigned.pk}/").status_code == 404


def test_agency_and_partner_clients_do_not_see_cases(assigned, agency_writer, partner_writer):
    for _, api in (agency_writer, partner_writer):
        assert api.get(f"/api/v1/cases/{assigned.pk}/").status_code == 404
        assert api.post(f"/api/v1/cases/{assigned.pk}/close/", {"reason": "x"}, format="json").status_code == 404


def test_supervisors_filter_cases_like_the_page(assigned, supervisor, officer, as_user):
    other = ReferralFactory(referring_officer=officer)
    from referrals import services

    services.accept_referral(referral=services.submit_referral(referral=other, by=officer), by=supervisor)
    api = as_user(supervisor)
    assert len(api.get("/api/v1/cases/").json()["results"]) == 2
    mine = api.get("/api/v1/cases/", {"facilitator": assigned.facilitator_id}).json()["results"]
    assert [c["id"] for c in mine] == [assigned.pk]
    unassigned = api.get("/api/v1/cases/", {"facilitator": "unassigned"}).json()["results"]
    assert [c["id"] for c in unassigned] == [other.case.pk]
    assert api.get("/api/v1/cases/", {"status": "completed"}).json()["results"] == []


def test_close_and_return_moves(assigned, facilitator, supervisor, as_user):
    api = as_user(facilitator)
    response = api.post(f"/api/v1/cases/{assigned.pk}/return/", {"reason_code": "other"}, format="json")
    assert response.status_code == 400 and "note" in response.json()["error"]["fields"]
    response = api.post(f"/api/v1/cases/{assigned.pk}/close/", {"reason": "Harmed party declined."}, format="json")
    assert response.status_code == 200
    assert response.json()["status"] == CaseStatus.CLOSED_NO_CONFERENCE
    response = as_user(supervisor).post(
        f"/api/v1/cases/{assigned.pk}/return/", {"reason_code": "no_contact"}, format="json"
    )
    assert response.status_code == 409


def test_mark_ready_says_what_is_missing(assigned, facilitator, as_user):
    response = as_user(facilitator).post(f"/api/v1/cases/{assigned.pk}/mark-ready/", {}, format="json")
    assert response.status_code == 409
    assert "not ready yet" in response.json()["error"]["message"]


def test_a_ready_case_can_go_back_complete_is_refused_without_an_agreement(officer, supervisor, facilitator, as_user):
    case = make_ready_case(officer=officer, supervisor=supervisor, facilitator=facilitator)
    response = as_user(facilitator).post(f"/api/v1/cases/{case.pk}/complete/", {}, format="json")
    assert response.status_code == 409


def test_a_case_move_honours_if_match(assigned, facilitator, as_user):
    api = as_user(facilitator)
    response = api.post(
        f"/api/v1/cases/{assigned.pk}/close/", {"reason": "Declined."}, format="json", HTTP_IF_MATCH='"stale"'
    )
    assert response.status_code == 412
    etag = api.get(f"/api/v1/cases/{assigned.pk}/")["ETag"]
    response = api.post(
        f"/api/v1/cases/{assigned.pk}/close/", {"reason": "Declined."}, format="json", HTTP_IF_MATCH=etag
    )
    assert response.status_code == 200


# People


def test_contact_details_follow_the_pages_rules(held_case, harmed_person, officer, supervisor, facilitator, as_user):
    url = f"/api/v1/people/{harmed_person.pk}/"
    assert as_user(supervisor).get(url).json()["contact"]["phone"] == HARMED_PHONE
    assert as_user(facilitator).get(url).json()["contact"]["phone"] == HARMED_PHONE
    seen_by_officer = as_user(officer).get(url)
    assert seen_by_officer.status_code == 200  # on the officer's referral…
    assert seen_by_officer.json()["contact"] is None  # …but screened: contact details are the case's


def test_people_outside_your_referrals_and_cases_are_404(held_case, harmed_person, other_facilitator, partner, as_user):
    for user in (other_facilitator, partner):
        assert as_user(user).get(f"/api/v1/people/{harmed_person.pk}/").status_code == 404
        assert as_user(user).get("/api/v1/people/").json()["results"] == []


def test_the_officer_writing_a_draft_sees_its_contact_details(agency_writer):
    from tests.api.conftest import REFERRAL_BODY

    _, api = agency_writer
    data = api.post("/api/v1/referrals/", REFERRAL_BODY, format="json").json()
    shop = next(p for p in data["parties"] if p["role"] == "harmed")
    assert api.get(f"/api/v1/people/{shop['person']}/").json()["contact"]["phone"] == "01632 960000"


def test_reference_data(agency_reader, unit, partner):
    _, api = agency_reader
    units = api.get("/api/v1/units/").json()["results"]
    assert {"id": unit.pk, "name": unit.name, "agency": unit.agency.code, "agency_name": unit.agency.name} in units
    partners = api.get("/api/v1/partners/").json()["results"]
    assert [p["name"] for p in partners] == [partner.partner.name]
    assert api.get(f"/api/v1/partners/{partner.partner.pk}/").json()["kind"] == partner.partner.kind
