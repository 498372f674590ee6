"""The referrals API, for each role and client scope: the same rules as the pages."""

import copy

import pytest

from referrals import services
from referrals.models import Referral, ReferralStatus
from tests.api.conftest import REFERRAL_BODY
from tests.factories import ReferralFactory

pytestmark = pytest.mark.django_db


def body(**changes):
    data = copy.deepcopy(REFERRAL_BODY)
    data.update(changes)
    return data


def create(api, data=None):
    """Create a referral; a person already on record from an earlier call is recorded as a new person."""
    if data is None:
        data = body()
        data["parties"][0]["on_match"] = "new"
    response = api.post("/api/v1/referrals/", data, format="json")
    assert response.status_code == 201, response.content
    return response.json()


def test_a_records_system_creates_a_draft_with_its_parties(agency_writer):
    record, api = agency_writer
    response = api.post("/api/v1/referrals/", body(), format="json")
    assert response.status_code == 201
    data = response.json()
    assert response["Location"] == f"/api/v1/referrals/{data['id']}/"
    assert response["ETag"]
    assert data["status"] == "draft" and data["reference"].startswith("RJ-")
    assert data["unit"] == record.unit_id
    assert {p["role"] for p in data["parties"]} == {"responsible", "harmed"}
    shop = next(p for p in data["parties"] if p["role"] == "harmed")
    assert shop["contact"]["phone"] == "01632 960000"  # the draft's own writer sees it


def test_an_officer_creates_one_through_their_session_too(officer, as_user):
    data = create(as_user(officer))
    assert Referral.objects.get(pk=data["id"]).referring_officer == officer


@pytest.mark.parametrize("persona", ["supervisor", "facilitator", "partner"])
def test_only_officers_and_agency_clients_log_referrals(persona, request, as_user):
    response = as_user(request.getfixturevalue(persona)).post("/api/v1/referrals/", body(), format="json")
    assert response.status_code == 403
    assert response.json()["error"]["message"] == "Only police officers log referrals."


def test_a_partner_client_cannot_log_referrals(partner_writer):
    _, api = partner_writer
    assert api.post("/api/v1/referrals/", body(), format="json").status_code == 403


def test_the_pages_rules_check_the_input_with_a_message_per_field(agency_writer):
    _, api = agency_writer
    data = body(incident_date="2999-01-01", offence_category="no-such-code")
    data["parties"][0]["last_name"] = ""
    data["parties"][1]["role"] = "responsible"
    response = api.post("/api/v1/referrals/", data, format="json")
    assert response.status_code == 400
    fields = response.json()["error"]["fields"]
    assert "offence_category" in fields
    data["offence_category"] = "shoplifting"
    response = api.post("/api/v1/referrals/", data, format="json")
    fields = response.json()["error"]["fields"]
    assert fields["incident_date"] == ["The incident date cannot be in the future."]
    assert fields["parties"][0]["last_name"] == ["Give the person's first and last name."]
    assert fields["parties"][1]["kind"] == ["Only a harmed party can be an organisation."]
    assert not Referral.objects.exists()


def test_a_person_already_on_record_must_be_linked_or_declared_new(agency_writer):
    _, api = agency_writer
    first = create(api, body())
    response = api.post("/api/v1/referrals/", body(), format="json")
    assert response.status_code == 400
    assert "already on record" in response.json()["error"]["fields"]["parties"][0]["on_match"][0]
    data = body()
    data["parties"][0]["on_match"] = "link"
    second = create(api, data)
    assert second["parties"][0]["person"] == first["parties"][0]["person"]


def test_lists_are_scoped_paginated_by_cursor_and_filterable(agency_writer, other_agency_writer, officer):
    _, api = agency_writer
    _, other = other_agency_writer
    mine = [create(api)["id"] for _ in range(3)]
    create(other)
    ReferralFactory(referring_officer=officer)  # the officer's own, in the same unit: the unit's client sees it
    response = api.get("/api/v1/referrals/", {"page_size": 2})
    assert response.status_code == 200
    page = response.json()
    assert len(page["results"]) == 2 and page["next"]
    rest = api.get(page["next"]).json()
    seen = [r["id"] for r in page["results"] + rest["results"]]
    assert len(seen) == 4 and set(mine) <= set(seen)
    assert seen == sorted(seen, reverse=True)
    first = Referral.objects.get(pk=mine[0])
    services.submit_referral(referral=first, by=first.referring_officer)
    submitted = api.get("/api/v1/referrals/", {"status": "submitted"}).json()["results"]
    assert [r["id"] for r in submitted] == [mine[0]]


def test_another_agencys_referral_is_404(agency_writer, other_agency_writer):
    _, api = agency_writer
    _, other = other_agency_writer
    theirs = create(other)["id"]
    for response in (
        api.get(f"/api/v1/referrals/{theirs}/"),
        api.post(f"/api/v1/referrals/{theirs}/submit/", {}, format="json"),
        api.post(f"/api/v1/referrals/{theirs}/withdraw/", {"reason": "x"}, format="json"),
    ):
        assert response.status_code == 404
        assert response.json()["error"]["code"] == "not_found"


def test_submit_then_the_supervisor_accepts_and_a_case_opens(agency_writer, supervisor, as_user):
    _, api = agency_writer
    pk = create(api)["id"]
    response = api.post(f"/api/v1/referrals/{pk}/submit/", {}, format="json")
    assert response.status_code == 200 and response.json()["status"] == "submitted"
    response = as_user(supervisor).post(f"/api/v1/referrals/{pk}/accept/", {}, format="json")
    assert response.status_code == 200
    data = response.json()
    assert data["status"] == "accepted" and data["case"] == Referral.objects.get(pk=pk).case.pk
    assert data["eligible"] is True and len(data["eligibility_results"]) == 5
    seen_by_officer = api.get(f"/api/v1/referrals/{pk}/").json()
    assert seen_by_officer["eligible"] is None and seen_by_officer["eligibility_results"] is None
    assert all(party["contact"] is None for party in seen_by_officer["parties"])  # screened: not the officer's


def test_an_impossible_move_is_409_with_the_reason(agency_writer):
    _, api = agency_writer
    pk = create(api)["id"]
    api.post(f"/api/v1/referrals/{pk}/withdraw/", {"reason": "Charged instead."}, format="json")
    response = api.post(f"/api/v1/referrals/{pk}/submit/", {}, format="json")
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "invalid_transition"
    assert "cannot be submitted now" in response.json()["error"]["message"]


def test_a_referral_lacking_an_admission_cannot_be_submitted(agency_writer):
    _, api = agency_writer
    data = body()
    data["parties"][0]["admits_responsibility"] = None
    pk = create(api, data)["id"]
    response = api.post(f"/api/v1/referrals/{pk}/submit/", {}, format="json")
    assert response.status_code == 409
    assert "admits responsibility" in response.json()["error"]["message"]


@pytest.mark.parametrize("move", ["accept", "decline", "request-info"])
def test_officers_and_clients_cannot_screen(move, agency_writer):
    _, api = agency_writer
    pk = create(api)["id"]
    api.post(f"/api/v1/referrals/{pk}/submit/", {}, format="json")
    response = api.post(f"/api/v1/referrals/{pk}/{move}/", {"reason_code": "risk", "message": "?"}, format="json")
    assert response.status_code == 403
    assert Referral.objects.get(pk=pk).status == ReferralStatus.SUBMITTED


def test_decline_and_request_info_with_their_rules(agency_writer, supervisor, as_user):
    _, api = agency_writer
    screener = as_user(supervisor)
    pk = create(api)["id"]
    api.post(f"/api/v1/referrals/{pk}/submit/", {}, format="json")
    response = screener.post(f"/api/v1/referrals/{pk}/request-info/", {"message": "Any injuries?"}, format="json")
    assert response.json()["status"] == "needs_info"
    response = api.post(f"/api/v1/referrals/{pk}/submit/", {}, format="json")
    assert response.status_code == 400 and "answer" in response.json()["error"]["fields"]
    response = api.post(f"/api/v1/referrals/{pk}/submit/", {"answer": "None."}, format="json")
    assert response.json()["status"] == "submitted" and response.json()["info_response"] == "None."
    response = screener.post(f"/api/v1/referrals/{pk}/decline/", {"reason_code": "other"}, format="json")
    assert response.status_code == 400
    assert response.json()["error"]["fields"]["note"] == ["Say why, when the reason is “Other”."]
    response = screener.post(f"/api/v1/referrals/{pk}/decline/", {"reason_code": "risk"}, format="json")
    assert response.json()["status"] == "declined" and response.json()["decline_reason"] == "risk"


def test_accepting_an_ineligible_referral_needs_a_justification(agency_writer, supervisor, as_user):
    _, api = agency_writer
    data = body()
    data["parties"][0]["prior_diversions"] = 9
    pk = create(api, data)["id"]
    api.post(f"/api/v1/referrals/{pk}/submit/", {}, format="json")
    response = as_user(supervisor).post(f"/api/v1/referrals/{pk}/accept/", {}, format="json")
    assert response.status_code == 400
    assert "justification" in response.json()["error"]["fields"]
    response = as_user(supervisor).post(
        f"/api/v1/referrals/{pk}/accept/", {"justification": "First in five years."}, format="json"
    )
    assert response.status_code == 200 and response.json()["override_justification"] == "First in five years."


def test_a_supervisor_may_withdraw_and_another_officer_may_not(agency_writer, supervisor, other_officer, as_user):
    _, api = agency_writer
    pk = create(api)["id"]
    assert as_user(other_officer).post(f"/api/v1/referrals/{pk}/withdraw/", {"reason": "x"}).status_code == 404
    response = as_user(supervisor).post(f"/api/v1/referrals/{pk}/withdraw/", {"reason": "Duplicate."}, format="json")
    assert response.status_code == 200 and response.json()["status"] == "withdrawn"


def test_offence_categories_are_reference_data(agency_reader):
    _, api = agency_reader
    codes = [c["code"] for c in api.get("/api/v1/offence-categories/", {"page_size": 100}).json()["results"]]
    assert "shoplifting" in codes
