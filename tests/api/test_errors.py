"""One error shape for every failure; request limits answered with 429 and Retry-After."""

import pytest
from rest_framework.settings import api_settings
from rest_framework.throttling import SimpleRateThrottle

pytestmark = pytest.mark.django_db


def assert_error(response, status, code):
    assert response.status_code == status
    assert response["Content-Type"] == "application/json"
    error = response.json()["error"]
    assert set(error) == {"status", "code", "message", "fields"}
    assert error["status"] == status and error["code"] == code and error["message"]
    return error


def test_not_found(agency_reader):
    _, api = agency_reader
    assert_error(api.get("/api/v1/referrals/999999/"), 404, "not_found")
    assert_error(api.get("/api/v1/referrals/", {"cursor": "not-a-cursor"}), 404, "not_found")


def test_method_not_allowed(agency_writer):
    _, api = agency_writer
    response = api.delete("/api/v1/referrals/")
    assert_error(response, 405, "method_not_allowed")
    assert "POST" in response["Allow"]


def test_a_body_that_is_not_json_is_415(agency_writer):
    _, api = agency_writer
    response = api.post("/api/v1/referrals/", "incident_place=x", content_type="application/x-www-form-urlencoded")
    assert_error(response, 415, "unsupported_media_type")


def test_malformed_json_is_400(agency_writer):
    _, api = agency_writer
    response = api.post("/api/v1/referrals/", "{not json", content_type="application/json")
    assert_error(response, 400, "parse_error")


def test_a_body_of_the_wrong_type_is_400_not_500(agency_writer):
    _, api = agency_writer
    for body in ("[1, 2]", '"text"', '{"parties": "none"}', '{"parties": [null]}'):
        response = api.post("/api/v1/referrals/", body, content_type="application/json")
        assert response.status_code == 400, body


def test_validation_errors_name_each_field(agency_writer):
    _, api = agency_writer
    error = assert_error(api.post("/api/v1/referrals/", {}, format="json"), 400, "invalid")
    assert {"incident_number", "incident_date", "parties"} <= set(error["fields"])


def test_too_many_requests_is_429_with_retry_after(agency_reader, monkeypatch):
    _, api = agency_reader
    rates = {**api_settings.DEFAULT_THROTTLE_RATES, "client": "3/min"}
    monkeypatch.setattr(SimpleRateThrottle, "THROTTLE_RATES", rates)
    for _ in range(3):
        assert api.get("/api/v1/units/").status_code == 200
    response = api.get("/api/v1/units/")
    error = assert_error(response, 429, "throttled")
    assert 0 < int(response["Retry-After"]) <= 60
    assert "seconds" in error["message"]
