"""Inputs sent to break the server get the documented JSON error, never a 500 or an HTML page."""

import json

import pytest
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from referrals.models import Referral
from tests.api.conftest import REFERRAL_BODY

pytestmark = pytest.mark.django_db


def error_of(response, status):
    assert response.status_code == status, response.content[:300]
    assert response["Content-Type"].startswith("application/json")
    body = response.json()["error"]
    assert body["status"] == status and body["code"] and body["message"]
    return body


def nested(depth: int) -> str:
    return '{"incident_place": ' + "[" * depth + "]" * depth + "}"


def test_json_nested_a_thousand_deep_is_400_on_create_change_and_payments(agency_writer, partner_writer, restitution):
    _, api = agency_writer
    body = error_of(api.generic("POST", "/api/v1/referrals/", nested(1000), content_type="application/json"), 400)
    assert "nested deeper than 32" in body["message"]
    created = api.post("/api/v1/referrals/", REFERRAL_BODY, format="json")
    url, etag = f"/api/v1/referrals/{created.json()['id']}/", created["ETag"]
    error_of(api.generic("PATCH", url, nested(1000), content_type="application/json", HTTP_IF_MATCH=etag), 400)
    _, partner = partner_writer
    url = f"/api/v1/agreement-items/{restitution.pk}/payments/"
    error_of(partner.generic("POST", url, nested(1000), content_type="application/json"), 400)


def test_ordinary_nesting_and_brackets_inside_text_are_read(agency_writer):
    _, api = agency_writer
    body = {**REFERRAL_BODY, "description": '[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[ {{{{ quoted \\" ]]'}
    assert api.post("/api/v1/referrals/", body, format="json").status_code == 201


@pytest.mark.parametrize("method", ["post", "patch"])
def test_a_nul_character_is_400_naming_the_field(agency_writer, method):
    _, api = agency_writer
    url = "/api/v1/referrals/"
    if method == "patch":
        response = api.post(url, REFERRAL_BODY, format="json")
        url, headers = f"{url}{response.json()['id']}/", {"HTTP_IF_MATCH": response["ETag"]}
    else:
        headers = {}
    response = getattr(api, method)(url, {**REFERRAL_BODY, "offence_category": "\u0000"}, format="json", **headers)
    assert error_of(response, 400)["fields"] == {"offence_category": ["The NUL character is not allowed."]}
    parties = [{**REFERRAL_BODY["parties"][0], "last_name": "Jo\u0000nes"}]
    response = getattr(api, method)(url, {**REFERRAL_BODY, "parties": parties}, format="json", **headers)
    assert "parties.0.last_name" in error_of(response, 400)["fields"]


def test_a_nul_character_in_a_query_is_400(agency_writer):
    _, api = agency_writer
    assert "search" in error_of(api.get("/api/v1/referrals/", {"search": "a\x00b"}), 400)["fields"]


def test_a_nul_character_in_a_page_form_is_a_400_page_naming_the_field(login, officer):
    response = login(officer).post(reverse("referrals:create"), {"incident_place": "Market\x00Street"})
    assert response.status_code == 400
    assert "incident_place" in response.content.decode() and "NUL" in response.content.decode()


@pytest.mark.parametrize("cursor", ["cD1hYmM=", "cD0xOyBEUk9QIFRBQkxF", "not-base64!!"])
def test_a_cursor_that_holds_no_key_is_404_in_json(agency_writer, cursor):
    _, api = agency_writer
    for path in ["/api/v1/referrals/", "/api/v1/cases/", "/api/v1/people/", "/api/v1/agreement-items/"]:
        error_of(api.get(path, {"cursor": cursor}), 404)


@pytest.mark.parametrize("path", ["/api/v1/referrals/%C2%84/", "/api/v1/referrals/abc/", "/api/v1/nothing-here/"])
def test_an_address_that_matches_no_route_is_404_in_json(agency_writer, path):
    _, api = agency_writer
    assert error_of(api.get(path), 404)["code"] == "not_found"


def test_the_site_keeps_its_own_404_page(login, officer):
    response = login(officer).get("/referrals/not-a-number/")
    assert response.status_code == 404 and response["Content-Type"].startswith("text/html")


@override_settings(DATA_UPLOAD_MAX_MEMORY_SIZE=1024)
def test_a_body_over_the_limit_is_413_in_json(agency_writer):
    _, api = agency_writer
    body = json.dumps({**REFERRAL_BODY, "description": "x" * 5000})
    assert (
        "1024 bytes"
        in error_of(api.generic("POST", "/api/v1/referrals/", body, content_type="application/json"), 413)["message"]
    )
    assert not Referral.objects.exists()


def test_a_server_error_is_500_in_json(agency_writer, monkeypatch):
    from referrals.api import ReferralViewSet

    def broken(self, request, *args, **kwargs):
        raise RuntimeError("a bug")

    monkeypatch.setattr(ReferralViewSet, "list", broken)
    _, api = agency_writer
    api.raise_request_exception = False
    body = error_of(api.get("/api/v1/referrals/"), 500)
    assert "a bug" not in json.dumps(body)


@pytest.mark.parametrize(
    ("request_kwargs", "status"),
    [
        ({"method": "DELETE", "path": "/api/v1/offence-categories/"}, 405),
        ({"method": "GET", "path": "/api/v1/referrals/", "HTTP_ACCEPT": "text/html"}, 406),
        ({"method": "POST", "path": "/api/v1/referrals/", "data": "x", "content_type": "text/plain"}, 415),
        (
            {"method": "POST", "path": "/api/v1/referrals/", "data": "{not json", "content_type": "application/json"},
            400,
        ),
    ],
)
def test_protocol_errors_use_the_shape(agency_writer, request_kwargs, status):
    _, api = agency_writer
    kwargs = dict(request_kwargs)
    error_of(api.generic(kwargs.pop("method"), kwargs.pop("path"), kwargs.pop("data", ""), **kwargs), status)


def test_a_replayed_create_sends_the_first_replys_etag(agency_writer):
    _, api = agency_writer
    first = api.post("/api/v1/referrals/", REFERRAL_BODY, format="json", HTTP_IDEMPOTENCY_KEY="replay-etag")
    again = api.post("/api/v1/referrals/", REFERRAL_BODY, format="json", HTTP_IDEMPOTENCY_KEY="replay-etag")
    assert again["Idempotent-Replayed"] == "true"
    assert again["ETag"] == first["ETag"] == api.get(first["Location"])["ETag"]


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"incident_date": "0001-01-01"}, "incident_date"),
        ({"incident_date": "1899-12-31"}, "incident_date"),
        ({"incident_date": "２０２６-０３-０１"}, "incident_date"),
        ({"incident_date": "2999-01-01"}, "incident_date"),
    ],
)
def test_implausible_incident_dates_are_refused(agency_writer, change, field):
    _, api = agency_writer
    assert field in error_of(api.post("/api/v1/referrals/", {**REFERRAL_BODY, **change}, format="json"), 400)["fields"]


@pytest.mark.parametrize("born", ["1850-01-01", "２０１０-０１-０２", "2999-01-01"])
def test_implausible_dates_of_birth_are_refused(agency_writer, born):
    _, api = agency_writer
    parties = [{**REFERRAL_BODY["parties"][0], "date_of_birth": born}, REFERRAL_BODY["parties"][1]]
    response = api.post("/api/v1/referrals/", {**REFERRAL_BODY, "parties": parties}, format="json")
    assert "date_of_birth" in json.dumps(error_of(response, 400)["fields"])


def test_the_pages_refuse_the_same_dates(login, officer):
    client = login(officer)
    for day, message in [("２０２６-０３-０１", "digits 0-9"), ("1899-12-31", "before 1900")]:
        response = client.post(reverse("referrals:create"), {"incident_date": day})
        assert response.status_code == 200
        assert message in response.content.decode()


def test_list_filters_refuse_values_they_do_not_know(agency_writer, login, supervisor):
    _, api = agency_writer
    for path in ["/api/v1/referrals/?status=AAA", "/api/v1/agreement-items/?status=AAA"]:
        assert "status" in error_of(api.get(path), 400)["fields"]
    client = login(supervisor)
    assert "status" in error_of(client.get("/api/v1/cases/?status=AAA"), 400)["fields"]
    assert client.get("/api/v1/cases/?status=intake").status_code == 200
    assert client.get("/cases/?status=AAA").status_code == 200  # the page ignores it, as before


@pytest.mark.parametrize(
    "path, field",
    [
        ("/api/v1/offence-categories/?active=-4.3", "active"),
        ("/api/v1/offence-categories/?active=yes", "active"),
        ("/api/v1/agreement-items/?overdue=maybe", "overdue"),
        ("/api/v1/referrals/?page_size=0", "page_size"),
        ("/api/v1/referrals/?page_size=-5", "page_size"),
        ("/api/v1/referrals/?page_size=101", "page_size"),
        ("/api/v1/referrals/?page_size=%EF%BC%92", "page_size"),  # a full-width 2
    ],
)
def test_yes_no_filters_and_page_sizes_refuse_what_the_schema_does_not_allow(agency_writer, path, field):
    _, api = agency_writer
    assert field in error_of(api.get(path), 400)["fields"]


def test_yes_no_filters_and_page_sizes_take_what_the_schema_allows(agency_writer):
    _, api = agency_writer
    assert api.get("/api/v1/offence-categories/?active=true").status_code == 200
    assert api.get("/api/v1/offence-categories/?active=false").json()["results"] == []
    assert len(api.get("/api/v1/offence-categories/?page_size=2").json()["results"]) == 2
    assert api.get("/api/v1/referrals/?page_size=100").status_code == 200


def test_the_schema_states_the_page_size_bounds():
    schema = APIClient().get("/api/schema/", {"format": "json"}).json()
    size = next(p for p in schema["paths"]["/api/v1/referrals/"]["get"]["parameters"] if p["name"] == "page_size")
    assert (size["schema"]["minimum"], size["schema"]["maximum"]) == (1, 100)
    accept = schema["paths"]["/api/v1/referrals/{id}/accept/"]["post"]["responses"]["200"]
    link = accept["links"]["referrals_retrieve"]
    assert link["parameters"] == {"path.id": "$response.body#/id"}
    assert accept["links"]["cases_retrieve"]["parameters"] == {"path.id": "$response.body#/case"}


def test_ledger_entries_cannot_predate_the_case(restitution, service_item, facilitator, as_user, login):
    api = as_user(facilitator)
    payments = f"/api/v1/agreement-items/{restitution.pk}/payments/"
    payment = api.post(payments, {"amount": "5.00", "paid_on": "0466-09-02"}, format="json")
    assert "before the case was opened" in error_of(payment, 400)["fields"]["paid_on"][0]
    hours = f"/api/v1/agreement-items/{service_item.pk}/hours/"
    logged = api.post(hours, {"hours": "1.0", "worked_on": "1999-12-31"}, format="json")
    assert "before the case was opened" in error_of(logged, 400)["fields"]["worked_on"][0]
    assert (
        api.post(payments, {"amount": "5.00", "paid_on": timezone.localdate().isoformat()}, format="json").status_code
        == 200
    )
    page = login(facilitator).post(
        reverse("agreements:payment", args=[restitution.pk]),
        {"payment-amount": "5.00", "payment-paid_on": "1999-12-31"},
    )
    assert page.status_code == 400 and "before the case was opened" in page.content.decode()
