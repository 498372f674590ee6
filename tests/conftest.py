"""Persona fixtures and the rules that keep CI honest."""

import os
import time

import pytest
from allauth.account.internal.flows.login import AUTHENTICATION_METHODS_SESSION_KEY
from django.core.cache import cache
from django.db import connection
from django.test import Client

from referrals import services
from referrals.models import Referral
from tests import audit_guard
from tests.factories import PASSWORD, ReferralFactory, UnitFactory, UserFactory

IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")


def pytest_configure(config):
    config.addinivalue_line(
        "markers", "redis: needs a Redis server (REDIS_URL); skipped locally without it, never in CI"
    )
    _keep_the_audit_log_when_flushing()
    _force_login_as_a_full_sign_in()


@pytest.fixture(autouse=True)
def _every_write_is_audited():
    """Fail a test whose requests changed an audited row without an audit entry (tests/audit_guard.py)."""
    audit_guard.violations.clear()
    yield
    if audit_guard.violations:
        pytest.fail("Writes without an audit entry:\n" + "\n".join(audit_guard.violations))


@pytest.fixture(autouse=True)
def _fresh_cache():
    """Start each test with an empty cache: request limits and used sign-in codes live there."""
    cache.clear()


def pytest_sessionfinish(session, exitstatus):
    """On a run of the whole suite, fail if a route that accepts writes was never written through."""
    options = session.config.option
    whole = not options.keyword and options.markexpr in ("", "not schema_owner") and not options.deselect
    if not whole or session.config.args != session.config.getini("testpaths") or exitstatus != 0:
        return
    uncovered = audit_guard.uncovered_write_routes()
    if uncovered:
        lines = "\n".join(f"  {method} {route}" for route, method in sorted(uncovered))
        print(f"\nRoutes that accept writes but no test wrote through (so their audit is untested):\n{lines}")
        session.exitstatus = 1


def _force_login_as_a_full_sign_in():
    """`client.force_login` stands for a whole sign-in, password and second factor: the session
    records both, as allauth's sign-in does, so that pages asking for a recent re-authentication
    (the admin, the full export) open as they would just after signing in."""
    force_login = Client.force_login

    def signed_in(self, user, backend=None):
        force_login(self, user, backend)
        session = self.session
        now = time.time()
        session[AUTHENTICATION_METHODS_SESSION_KEY] = [{"method": "password", "at": now}, {"method": "mfa", "at": now}]
        session["account_authentication_methods_user"] = str(user.pk)
        session.save()

    Client.force_login = signed_in


def _keep_the_audit_log_when_flushing():
    """Transactional tests empty the tables with TRUNCATE after each test; the audit log refuses it
    (a trigger, and in CI the app's database role has no right to), as it would in production. So
    the flush leaves the log alone, and the chain simply goes on from test to test."""
    operations = type(connection.ops)
    flush = operations.sql_flush

    def sql_flush(self, style, tables, *args, **kwargs):
        return flush(self, style, [table for table in tables if table != "cases_auditentry"], *args, **kwargs)

    operations.sql_flush = sql_flush


def _skip_redis_tests_without_redis(items):
    """Skip the tests of a real worker when no Redis is configured; CI always has one."""
    needing = [item for item in items if item.get_closest_marker("redis")]
    if not needing or os.environ.get("REDIS_URL"):
        return
    if IN_CI:
        raise pytest.UsageError("CI runs the Redis tests: set REDIS_URL.")
    skip = pytest.mark.skip(reason="needs Redis (set REDIS_URL)")
    for item in needing:
        item.add_marker(skip)


def pytest_collection_modifyitems(config, items):
    """Skip PostgreSQL-only tests on SQLite locally; in CI a skipped test is a failure."""
    _skip_redis_tests_without_redis(items)
    if connection.vendor == "postgresql":
        return
    if IN_CI:
        raise pytest.UsageError("CI runs the suite on PostgreSQL: set DATABASE_URL.")
    skip = pytest.mark.skip(reason="needs PostgreSQL (set DATABASE_URL)")
    for item in items:
        if "postgres" in item.keywords:
            item.add_marker(skip)


@pytest.fixture
def unit():
    return UnitFactory()


@pytest.fixture
def officer(unit):
    return UserFactory(username="officer", officer=True, unit=unit)


@pytest.fixture
def other_officer():
    return UserFactory(username="other_officer", officer=True)


@pytest.fixture
def unit_lead(unit):
    return UserFactory(username="unit_lead", officer=True, unit=unit, is_unit_lead=True)


@pytest.fixture
def supervisor():
    return UserFactory(username="supervisor")


@pytest.fixture
def facilitator():
    return UserFactory(username="facilitator", facilitator=True)


@pytest.fixture
def untrained():
    """A facilitator with no accreditation at all."""
    return UserFactory(username="newcomer", facilitator=True, accredited=False, first_name="Noor", last_name="Hale")


@pytest.fixture
def case_of(officer, supervisor):
    """Return a maker of ready cases held by `lead` (and `co`), as the scheduling tests want them."""
    from tests.conferences.conftest import make_ready_case

    def _case_of(lead, co=None):
        return make_ready_case(officer=officer, supervisor=supervisor, facilitator=lead, co_facilitator=co)

    return _case_of


@pytest.fixture
def partner():
    return UserFactory(username="partner", partner_staff=True)


@pytest.fixture
def outsider():
    """A logged-in user with a role that gives no access to referrals (a partner of another body)."""
    return UserFactory(username="outsider", partner_staff=True)


@pytest.fixture
def login(client):
    """Log `client` in as the given user and return the client."""

    def _login(user):
        client.force_login(user)
        return client

    return _login


@pytest.fixture
def draft(officer) -> Referral:
    return ReferralFactory(referring_officer=officer)


@pytest.fixture
def submitted(draft, officer) -> Referral:
    return services.submit_referral(referral=draft, by=officer)


@pytest.fixture
def password():
    return PASSWORD


@pytest.fixture
def accepted(submitted, supervisor) -> Referral:
    """The officer's referral, accepted by the supervisor: its case is open in intake."""
    return services.accept_referral(referral=submitted, by=supervisor)


@pytest.fixture
def case(accepted):
    return accepted.case


@pytest.fixture
def other_facilitator():
    """A facilitator who does not work the case under test."""
    return UserFactory(username="other_facilitator", facilitator=True)
