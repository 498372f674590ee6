"""A guard over every request the test suite sends: a write that leaves no audit entry fails the test.

The middleware (outermost, in the test settings) watches the SQL of each request. Every table of
an audited model that the request inserted into, updated or deleted from must have at least one
audit entry for that model written by the same request. The only writes let through are the
stamps that repeat what an audited row already says (DERIVED_COLUMNS).

It also notes which routes were written through, so that the suite can fail when a route that
accepts writes was never written through successfully (see `uncovered_write_routes`, checked by tests/conftest.py).
"""

import re
import threading

from django.apps import apps
from django.db import connection
from django.urls import Resolver404, get_resolver, resolve

from people.audit import _audited
from people.models import AuditEntry

WRITE_METHODS = {"POST", "PUT", "PATCH", "DELETE"}

# Columns stamped alongside an audited write, repeating it: the last activity of a case (its
# timeline entry is audited), when an API key was last used (its requests are audited).
DERIVED_COLUMNS = {("cases_case", "last_activity_at"), ("api_apiclient", "last_used_at")}

# The pages that only read, whatever the method: everything else must be written through by a test.
READ_ONLY_ROUTES = {
    "home",
    "referrals:list",
    "referrals:screening_queue",
    "referrals:detail",
    "cases:list",
    "cases:follow_ups",
    "cases:person_search",
    "cases:detail",
    "conferences:list",
    "conferences:my_schedule",
    "conferences:detail",
    "conferences:ics",
    "exchanges:detail",
    "agreements:history",
    "agreements:items",
    "agreements:item",
    "survey:thanks",
    "reminders:failed",
    "dashboard:index",
    "dashboard:cases",
    "dashboard:export_csv",
    "dashboard:export_xlsx",
    "dashboard:feedback",
    "training:index",
    "training:session",
    "training:session_ics",
    "training:people",
    "training:person",
    "dashboard:training_csv",
    "dashboard:training_xlsx",
    "dashboard:figures_csv",
    "transparency:index",
    "transparency:report",
    "transparency:report_csv",
    "api:schema",
    "api:docs",
    "api:redoc",
    # The sign-in pages that only show (allauth's): a message, a list, the recovery codes.
    "account_inactive",
    "account_reset_password_done",
    "account_reset_password_from_key_done",
    "mfa_index",
    "mfa_list_webauthn",
    "mfa_view_recovery_codes",
    "mfa_download_recovery_codes",
}

_WRITE = re.compile(r'^\s*(?:INSERT\s+INTO|UPDATE|DELETE\s+FROM)\s+"?(\w+)"?', re.IGNORECASE)
_SET_COLUMNS = re.compile(r'"(\w+)"\s*=')

violations: list[str] = []
written_routes: set[tuple[str, str]] = set()
_lock = threading.Lock()


def _models_by_table():
    return {model._meta.db_table: model for model in apps.get_models()}


class WriteAuditGuard:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.method not in WRITE_METHODS:
            return self.get_response(request)
        route = _route_name(request.path_info)
        tables: set[str] = set()
        mark = AuditEntry.objects.order_by("-pk").values_list("pk", flat=True).first() or 0

        def watch(execute, sql, params, many, context):
            result = execute(sql, params, many, context)  # a write the database refused wrote nothing
            match = _WRITE.match(sql)
            if match and not _only_derived(match.group(1), sql):
                tables.add(match.group(1))
            return result

        with connection.execute_wrapper(watch):
            response = self.get_response(request)
        if response.status_code < 400:
            with _lock:
                written_routes.add((route, request.method))
        self._check(request, route, tables, mark)
        return response

    @staticmethod
    def _check(request, route, tables, mark):
        models = _models_by_table()
        audited = {models[t]._meta.label_lower for t in tables if t in models and _audited(models[t])}
        if not audited:
            return
        found = set(AuditEntry.objects.filter(pk__gt=mark).values_list("object_type", flat=True))
        for label in sorted(audited - found):
            with _lock:
                violations.append(
                    f"{request.method} {request.path_info} ({route}) wrote {label} without an audit entry"
                )


def _only_derived(table: str, sql: str) -> bool:
    if not sql.lstrip().upper().startswith("UPDATE"):
        return False
    assignments = sql.split(" SET ", 1)[-1].split(" WHERE ", 1)[0]
    columns = set(_SET_COLUMNS.findall(assignments))
    return bool(columns) and all((table, column) in DERIVED_COLUMNS for column in columns)


def _route_name(path: str) -> str:
    try:
        return resolve(path).view_name
    except Resolver404:
        return ""


def write_routes() -> set[tuple[str, str]]:
    """Return every (route, method) of the URLconf that accepts a write: API actions by their
    view sets' declared methods, pages unless READ_ONLY_ROUTES names them (as POST)."""
    routes, paths = set(), set()
    for pattern, prefix, path in _patterns(get_resolver()):
        name = f"{prefix}{pattern.name}" if pattern.name else ""
        if not name or name.startswith("admin:") or name in READ_ONLY_ROUTES:
            continue
        if path in paths:
            continue  # a second name for a path already listed (allauth's names for the login page)
        paths.add(path)
        actions = getattr(pattern.callback, "actions", None)
        if actions is not None:
            routes |= {(name, method.upper()) for method in actions if method.upper() in WRITE_METHODS}
        else:
            routes.add((name, "POST"))
    return routes


def _patterns(resolver, prefix="", path=""):
    for pattern in resolver.url_patterns:
        if hasattr(pattern, "url_patterns"):
            namespace = f"{prefix}{pattern.namespace}:" if pattern.namespace else prefix
            yield from _patterns(pattern, namespace, path + str(pattern.pattern))
        else:
            yield pattern, prefix, path + str(pattern.pattern)


def uncovered_write_routes() -> set[tuple[str, str]]:
    return write_routes() - written_routes
