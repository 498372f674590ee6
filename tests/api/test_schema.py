"""The published description: schema and docs pages, and every operation fuzzed against the schema.

Schemathesis generates requests from /api/schema/ and runs all of its checks on each reply: no
server error, status codes, headers, bodies and content types as documented, invalid input refused
and valid input accepted, authentication enforced. Every operation is fuzzed on its own (valid and
invalid input, as a write-scoped agency client); then chains of requests follow the schema's links
(a reply's id and ETag feed the next request), as a facilitator signed in to the site, on seeded
cases in intake, ready with a conference booked, and monitored with agreement items.
"""

import zlib
from collections import Counter
from datetime import timedelta

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections, transaction
from django.middleware.csrf import _get_new_csrf_string
from django.test import Client
from django.utils import timezone
from hypothesis import HealthCheck, Phase, given, settings
from rest_framework.settings import api_settings
from rest_framework.test import APIClient
from rest_framework.throttling import SimpleRateThrottle
from schemathesis import GenerationMode
from schemathesis.core.parameters import ParameterLocation
from schemathesis.specs.openapi.checks import ignored_auth

from cases import services as case_services
from conferences import services as conference_services
from conferences.models import ConferenceKind
from referrals.models import OffenceCategory
from rjcases.api.clients import issue_api_key
from tests.api.conftest import REFERRAL_BODY
from tests.cases.builders import build_world, prepare

pytestmark = pytest.mark.django_db

# Examples per operation on its own: valid input, then invalid input. Chains: how many, how long.
VALID_EXAMPLES, INVALID_EXAMPLES = 70, 30
CHAINS, STEPS_PER_CHAIN = 240, 8
FUZZ_SETTINGS = {
    "deadline": None,
    "database": None,
    "derandomize": True,  # the same requests on every run: a failure here is reproducible
    "suppress_health_check": list(HealthCheck),
}


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
def known_ids(agency_writer, officer, supervisor, facilitator, restitution):
    """Records of every kind, which generated requests aim at instead of random ids: a referral of
    the agency client with its people; cases in intake, ready with a conference booked, and monitored
    with a held conference and agreement items (all the facilitator's); reference data."""
    _, api = agency_writer
    referral = api.post("/api/v1/referrals/", REFERRAL_BODY, format="json").json()
    monitored = restitution.agreement.case
    intake = build_world(officer=officer, supervisor=supervisor, facilitator=facilitator).case
    ready = build_world(officer=officer, supervisor=supervisor, facilitator=facilitator)
    prepare(ready, by=facilitator, supervisor=supervisor)
    plan = conference_services.ConferencePlan(
        kind=ConferenceKind.VICTIM_OFFENDER,
        starts_at=timezone.now() + timedelta(days=3),
        duration_minutes=60,
        mode="virtual",
        meeting_link="https://meet.example.org/rj-2",
    )
    booked = conference_services.schedule_conference(
        case=case_services.mark_case_ready(case=ready.case, by=facilitator),
        by=facilitator,
        plan=plan,
        facilitators=[facilitator],
    )
    return {
        "referrals": [referral["id"]],
        "people": [referral["parties"][0]["person"]],
        "cases": [monitored.pk, intake.pk, ready.case.pk],
        "conferences": [monitored.conferences.get().pk, booked.pk],
        "participant_pk": list(booked.participants.values_list("pk", flat=True)),
        "agreement-items": list(restitution.agreement.items.values_list("pk", flat=True)),
        "offence-categories": [OffenceCategory.objects.get(code="shoplifting").pk],
        "units": [monitored.referral.unit_id],
        "partners": [restitution.partner_id],
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


@pytest.fixture
def unthrottled(monkeypatch):
    """Thousands of requests, refused ones among them: no request limit applies here (tests/api/test_errors.py)."""
    monkeypatch.setattr(SimpleRateThrottle, "THROTTLE_RATES", dict.fromkeys(api_settings.DEFAULT_THROTTLE_RATES))


def _aim(case, known_ids) -> None:
    """Point two requests in three at records that exist (path ids and nested ids), the third at a generated id.

    Which one is chosen from the generated path itself, so that a request replayed is aimed the same.
    """
    if case.path_parameters is None:
        return
    n = zlib.crc32(repr(sorted(case.path_parameters.items())).encode())
    if n % 3 == 0:
        return
    if case.meta is not None and case.meta.is_negative_at(ParameterLocation.PATH):
        return  # an invalid path stays invalid: its 404 is what is checked
    resource = case.operation.path.split("/")[3]
    for name in case.path_parameters:
        ids = known_ids.get(resource if name == "id" else name)
        if ids:
            case.path_parameters[name] = ids[n % len(ids)]


# What a field's message says when it refuses what a schema can describe: its type, its presence,
# its length, its range, its choices or its format (REST framework's and Django's forms' words).
SCHEMA_WORDS = (
    "A valid integer is required",
    "A valid number is required",
    "Not a valid string",
    "Must be a valid boolean",
    "Expected a list of items",
    "Expected a dictionary",
    "This field is required",
    "This field may not be null",
    "This field may not be blank",
    "Ensure this field has",
    "Ensure this value is",
    "is not a valid choice",
    "is not one of the available choices",
    "has wrong format",
    "Enter a whole number",
    "Enter a number",
    "Enter a valid",
)


def valid_input_refused_only_for_its_meaning(ctx, response, case):
    """A check: input the schema allows may be refused (400) only for what a schema cannot say: a
    record that does not exist, a date in the past, a move the case's stage does not allow. Never
    for its type, presence, length, range, choices or format, which the schema does say."""
    if response.status_code != 400 or case.meta is None or not case.meta.generation.mode.is_positive:
        return None
    fields = response.json().get("error", {}).get("fields", {})
    messages = [message for field in fields.values() for message in _messages(field)]
    assert messages, f"valid input refused without a field named: {response.json()}"
    disagreeing = [m for m in messages if any(words in m for words in SCHEMA_WORDS)]
    assert not disagreeing, f"valid input refused as the schema says it is allowed: {response.json()}"
    return None


def _messages(value):
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [m for item in value.values() for m in _messages(item)]
    return [m for item in value for m in _messages(item)]


def _schema_as(credentials: tuple[dict, dict]):
    """Load the schema, with every request sent with these headers and cookies (as its auth, so that
    the authentication checks know what to take away)."""
    schema = schemathesis.openapi.from_wsgi("/api/schema/?format=json", get_wsgi_application())
    # If-Match is checked before the body is read (RFC 9110, 13.2.2): a stale version with an invalid
    # body is a 412, which refuses the invalid input as well as a 400 would.
    refusals = schema.config.checks.negative_data_rejection
    refusals.expected_statuses = [*refusals.expected_statuses, "412"]
    # Valid input may be refused with a 400 naming the field for what no schema can say (a record
    # that does not exist, a date in the past): `valid_input_refused_only_for_its_meaning` checks
    # that such a 400 is never about what the schema does say.
    # An If-Match of another version is a 412 whatever the body: not a refusal of the data.
    acceptance = schema.config.checks.positive_data_acceptance
    acceptance.expected_statuses = [*acceptance.expected_statuses, "400", "412"]
    headers, cookies = credentials

    @schema.auth()
    class Credentials:
        def get(self, case, ctx):
            return credentials

        def set(self, case, data, ctx):
            case.headers = {**(case.headers or {}), **headers}
            if cookies:
                case.cookies = {**(case.cookies or {}), **cookies}

    return schema


def _key(unit) -> tuple[dict, dict]:
    _, key = issue_api_key(name="Fuzzing client", scope="write", unit=unit)
    return {"Authorization": f"Bearer {key}"}, {}


def _session(user) -> tuple[dict, dict]:
    """A signed-in person's session, with the CSRF token a browser sends back on each change."""
    client = Client()
    client.force_login(user)
    token = _get_new_csrf_string()
    return {"X-CSRFToken": token}, {"sessionid": client.cookies["sessionid"].value, "csrftoken": token}


def test_every_operation_conforms_to_the_schema(agency_writer, known_ids, keep_test_connection, unthrottled, capsys):
    record, _ = agency_writer
    schema = _schema_as(_key(record.unit))
    figures = {"operations": 0, "examples": Counter(), "failures": [], "statuses": Counter(), "auth_confirmed": set()}

    for result in schema.get_all_operations():
        operation = result.ok()
        figures["operations"] += 1
        for mode, examples in ((GenerationMode.POSITIVE, VALID_EXAMPLES), (GenerationMode.NEGATIVE, INVALID_EXAMPLES)):

            @given(case=operation.as_strategy(generation_mode=mode))
            @settings(max_examples=examples, phases=[Phase.explicit, Phase.generate], **FUZZ_SETTINGS)
            def run(case):
                label = case.operation.label
                figures["examples"][label] += 1
                _aim(case, known_ids)
                response = case.call()
                figures["statuses"][response.status_code] += 1
                # Whether an operation enforces its authentication is checked until a success confirms
                # it, then no more (as schemathesis's own runner does): its two probes per request
                # would otherwise double the run.
                confirmed = label in figures["auth_confirmed"]
                case.validate_response(
                    response,
                    additional_checks=[valid_input_refused_only_for_its_meaning],
                    excluded_checks=[ignored_auth] if confirmed else [],
                )
                if 200 <= response.status_code < 300:
                    figures["auth_confirmed"].add(label)

            try:
                run()
            except Exception as error:  # collect every operation's failure, then report them together
                figures["failures"].append(f"{operation.label} ({mode.value}): {error}")

    examples = figures["examples"]
    with capsys.disabled():
        print(
            f"\nschemathesis, all checks: {figures['operations']} operations, {sum(examples.values())} examples "
            f"(fewest {min(examples.values())} for one operation), {len(figures['failures'])} failures; "
            f"statuses {dict(sorted(figures['statuses'].items()))}"
        )
    assert not figures["failures"], "\n\n".join(figures["failures"])
    assert figures["operations"] >= 50
    # Hypothesis stops early only where an operation has fewer distinct inputs (a GET with no parameters).
    assert sum(examples.values()) >= 100 * figures["operations"] * 0.9


def test_chains_of_requests_conform_and_reach_the_success_paths(
    facilitator, known_ids, keep_test_connection, unthrottled, capsys
):
    schema = _schema_as(_session(facilitator))
    schema.config.phases.stateful.inference.algorithms = []  # the schema's own links, no guessed ones
    answered = Counter()

    class Chains(schema.as_state_machine()):
        def before_call(self, case):
            _aim(case, known_ids)

        def setup(self):
            # Each chain starts from the seeded records: what one chain changed (a case closed) is
            # rolled back, so that a chain replayed gives the same answers.
            self.savepoint = transaction.savepoint()

        def teardown(self):
            transaction.savepoint_rollback(self.savepoint)

        def after_call(self, response, case):
            answered[case.operation.label, response.status_code] += 1

        def validate_response(self, response, case, additional_checks=None, **kwargs):
            checks = [*(additional_checks or []), valid_input_refused_only_for_its_meaning]
            super().validate_response(response, case, additional_checks=checks, **kwargs)

    Chains.run(
        settings=settings(
            max_examples=CHAINS, stateful_step_count=STEPS_PER_CHAIN, phases=[Phase.generate], **FUZZ_SETTINGS
        )
    )
    succeeded = Counter({label: n for (label, code), n in answered.items() if 200 <= code < 300})
    with capsys.disabled():
        print(
            f"\nschemathesis, chains of requests: {CHAINS} chains, {sum(answered.values())} requests, "
            f"{len(succeeded)} operations answered with success: "
            + ", ".join(f"{label} {n}" for label, n in sorted(succeeded.items()))
        )
    # Every kind of record was reached and answered with success, reads and changes, not only 404s.
    for resource in ("cases", "conferences", "agreement-items"):
        assert any(f"/{resource}/{{id}}/" in label for label in succeeded), (resource, sorted(succeeded))
    changes = [label for label in succeeded if label.startswith("POST ") and "{id}" in label]
    assert len(changes) >= 3, sorted(succeeded)
