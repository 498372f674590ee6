"""The published description: schema and docs pages, and every operation fuzzed against the schema.

Schemathesis generates requests from /api/schema/ for every operation and sends them as a
write-scoped agency client; no response may be a server error or contradict the schema.
"""

from collections import Counter

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, Phase, given, settings
from rest_framework.settings import api_settings
from rest_framework.test import APIClient
from rest_framework.throttling import SimpleRateThrottle
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from referrals.models import OffenceCategory
from tests.api.conftest import REFERRAL_BODY

pytestmark = pytest.mark.django_db

EXAMPLES_PER_OPERATION = 30
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
]


def test_the_schema_describes_every_operation_error_and_auth_scheme():
    schema = APIClient().get("/api/schema/", {"format": "json"}).json()
    assert set(schema["components"]["securitySchemes"]) == {"apiKey", "cookieAuth"}
    operations = [(path, method, op) for path, item in schema["paths"].items() for method, op in item.items()]
    assert len(operations) >= 25
    for path, method, operation in operations:
        assert path.startswith("/api/v1/")
        assert operation.get("summary"), (method, path)
        codes = set(operation["responses"])
        assert {"401", "403", "404", "429"} <= codes, (method, path)
        if method in ("post", "patch"):
            assert {"400", "409", "415"} <= codes, (method, path)
    patch = schema["paths"]["/api/v1/referrals/{id}/"]["patch"]
    assert {"412", "428"} <= set(patch["responses"])
    assert any(p["name"] == "If-Match" and p["required"] for p in patch["parameters"])
    create = schema["paths"]["/api/v1/referrals/"]["post"]
    assert any(p["name"] == "Idempotency-Key" for p in create["parameters"])


def test_the_docs_page_needs_no_cdn():
    response = APIClient().get("/api/docs/")
    assert response.status_code == 200
    page = response.content.decode()
    assert "/static/drf_spectacular_sidecar/" in page
    assert "cdn" not in page.lower() and "unpkg" not in page.lower()


@pytest.fixture
def known_ids(agency_writer, restitution):
    """Records of every kind: a referral of the client and its people, a case with a held conference and
    an agreement, reference data. Every other generated request aims at one of them instead of a random id."""
    _, api = agency_writer
    referral = api.post("/api/v1/referrals/", REFERRAL_BODY, format="json").json()
    case = restitution.agreement.case
    return {
        "referrals": referral["id"],
        "people": referral["parties"][0]["person"],
        "cases": case.pk,
        "conferences": case.conferences.get().pk,
        "agreement-items": restitution.pk,
        "offence-categories": OffenceCategory.objects.get(code="shoplifting").pk,
        "units": case.referral.unit_id,
        "partners": restitution.partner_id,
    }


@pytest.fixture
def keep_test_connection():
    """Serve requests as Django's test client does: without closing the database connection after each.

    The WSGI handler closes a connection that is inside a transaction at the end of a request; here
    that transaction is the test's own, which must stay open (PostgreSQL).
    """
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


def _aim(case, known_ids, example: int) -> None:
    if "id" in (case.path_parameters or {}) and example % 2 == 0:
        resource = case.operation.path.split("/")[3]
        case.path_parameters["id"] = known_ids.get(resource, case.path_parameters["id"])


def test_every_operation_conforms_to_the_schema(agency_writer, known_ids, keep_test_connection, monkeypatch, capsys):
    record, _ = agency_writer
    monkeypatch.setattr(SimpleRateThrottle, "THROTTLE_RATES", {**api_settings.DEFAULT_THROTTLE_RATES, "client": None})
    from rjcases.api.clients import issue_api_key

    _, key = issue_api_key(name="Fuzzing client", scope="write", unit=record.unit)
    schema = schemathesis.openapi.from_wsgi("/api/schema/?format=json", get_wsgi_application())
    headers = {"Authorization": f"Bearer {key}"}
    figures = {"operations": 0, "examples": 0, "failures": [], "statuses": Counter()}

    for result in schema.get_all_operations():
        operation = result.ok()
        figures["operations"] += 1

        @given(case=operation.as_strategy())
        @settings(
            max_examples=EXAMPLES_PER_OPERATION,
            deadline=None,
            database=None,
            derandomize=True,
            phases=[Phase.explicit, Phase.generate],
            suppress_health_check=list(HealthCheck),
        )
        def run(case):
            figures["examples"] += 1
            _aim(case, known_ids, figures["examples"])
            response = case.call(headers=headers)
            figures["statuses"][response.status_code] += 1
            case.validate_response(response, checks=CHECKS, headers=headers)

        try:
            run()
        except Exception as error:  # collect every operation's failure, then report them together
            figures["failures"].append(f"{operation.label}: {error}")

    with capsys.disabled():
        print(
            f"\nschemathesis: {figures['operations']} operations, {figures['examples']} examples "
            f"(one request each), {len(figures['failures'])} failures; "
            f"statuses {dict(sorted(figures['statuses'].items()))}"
        )
    assert figures["operations"] >= 25
    assert figures["examples"] >= figures["operations"] * 10
    assert not figures["failures"], "\n\n".join(figures["failures"])
