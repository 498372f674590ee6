"""Personas of the API tests: API clients with their keys, and people signed in with a session."""

import pytest
from django.core.cache import cache
from rest_framework.test import APIClient

from rjcases.api.clients import issue_api_key

# The agreements' world (a case up to its agreement, with partner items) serves the API tests too.
from tests.agreements.conftest import (  # noqa: F401
    agreement,
    apology,
    elsewhere_item,
    harmed_person,
    held_case,
    other_partner,
    restitution,
    service_item,
)
from tests.factories import PartnerFactory, UnitFactory

REFERRAL_BODY = {
    "incident_number": "CR/00900/26",
    "incident_date": "2026-03-01",
    "incident_place": "Market Street",
    "offence_category": "shoplifting",
    "description": "Took goods from a shop without paying.",
    "harm_description": "The shop lost stock worth £40.",
    "parties": [
        {
            "role": "responsible",
            "first_name": "Sam",
            "last_name": "Jones",
            "date_of_birth": "2010-01-02",
            "admits_responsibility": True,
            "prior_diversions": 0,
        },
        {"role": "harmed", "kind": "organisation", "organisation_name": "Corner Shop", "phone": "01632 960000"},
    ],
}


@pytest.fixture(autouse=True)
def _fresh_request_counters():
    """Request limits are counted in the cache (Redis in CI): each test starts from zero."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def api():
    return APIClient()


def _as(key):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {key}")
    return client


@pytest.fixture
def agency_writer(unit):
    """A police records system of the officer's unit, with write scope: (ApiClient, client)."""
    record, key = issue_api_key(name="Records system", scope="write", unit=unit)
    return record, _as(key)


@pytest.fixture
def agency_reader(unit):
    record, key = issue_api_key(name="Records reports", scope="read", unit=unit)
    return record, _as(key)


@pytest.fixture
def other_agency_writer():
    record, key = issue_api_key(name="Other force", scope="write", unit=UnitFactory())
    return record, _as(key)


@pytest.fixture
def partner_writer(partner):
    record, key = issue_api_key(name="Youth service system", scope="write", partner=partner.partner)
    return record, _as(key)


@pytest.fixture
def other_partner_writer():
    record, key = issue_api_key(name="Other partner system", scope="write", partner=PartnerFactory())
    return record, _as(key)


@pytest.fixture
def as_user():
    """Return an API client signed in as `user` with a session, as a person using the site."""

    def _as_user(user):
        client = APIClient()
        client.force_login(user)
        return client

    return _as_user
