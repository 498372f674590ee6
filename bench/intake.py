"""Measure referral intake through the API: creations per second beside a trivial authenticated GET.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/rj_intake python -m bench.intake

Migrates the database, makes a unit of its own with a write-scoped API key, serves the app with
gunicorn (2 workers, DEBUG off) on loopback and drives it with wrk (2 threads, 4 connections):
first `GET /api/v1/offence-categories/` (the trivial GET: the key is checked, one short list is
read), then `POST /api/v1/referrals/` with a new body each time (two parties, a person and an
organisation, with contact details). Every reply must be the one expected (200, 201). It also
counts the SQL queries of one creation in-process, and checks that the database holds as many
new referrals as wrk was answered 201 for. Prints a Markdown table for docs/performance.md.
"""

import argparse
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

from .run import check_prerequisites, log, machine, run_wrk, setup_django, start_server, stop_server

CREATE_PATH, TRIVIAL_PATH = "/api/v1/referrals/", "/api/v1/offence-categories/"

# Each request gets its own incident number and names: the run, the thread, then a counter.
WRK_SCRIPT = """
counter, thread_id = 0, 0
local threads = {}
function setup(thread)
  thread:set("thread_id", #threads + 1)
  table.insert(threads, thread)
end
wrk.headers["Authorization"] = "Bearer %(key)s"
wrk.headers["Content-Type"] = "application/json"
wrk.method = "%(method)s"
request = function()
  if wrk.method ~= "POST" then return wrk.format() end
  counter = counter + 1
  local n = string.format("%(run)s-%%d-%%d", thread_id, counter)
  local body = string.format([[{"incident_number": "CR/%%s/26", "incident_date": "2026-03-01",
    "incident_place": "Market Street", "offence_category": "shoplifting",
    "description": "Took goods from a shop without paying.", "harm_description": "The shop lost stock.",
    "parties": [
      {"role": "responsible", "first_name": "Sam", "last_name": "Bench%%s", "date_of_birth": "2010-01-02",
       "admits_responsibility": true, "prior_diversions": 0, "phone": "07700 900%%03d"},
      {"role": "harmed", "kind": "organisation", "organisation_name": "Shop %%s", "phone": "01632 960000"}]}]],
    n, n, counter %% 1000, n)
  return wrk.format(nil, nil, nil, body)
end
local shown = 0
response = function(status, headers, body)
  if status >= 300 and shown < 3 then
    shown = shown + 1
    io.write(string.format("REFUSED %%d %%s\\n", status, body))
  end
end
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format("RESULT %%d %%d %%.3f %%.3f %%.3f %%d %%d\\n", summary.requests, summary.duration,
    latency:percentile(50) / 1000, latency:percentile(95) / 1000, latency:percentile(99) / 1000,
    e.status, e.connect + e.read + e.write + e.timeout))
end
"""


def prepare() -> str:
    """Migrate, and return a new write-scoped key of the bench's own unit."""
    from django.core.management import call_command
    from django.db import connection

    from people.models import Agency, Unit
    from rjcases.api.clients import issue_api_key

    call_command("migrate", interactive=False, verbosity=0)
    call_command("collectstatic", interactive=False, verbosity=0)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")  # the planner's statistics, as autovacuum keeps them on a server in use
    agency, _ = Agency.objects.get_or_create(name="Intake bench force")
    unit, _ = Unit.objects.get_or_create(agency=agency, name="Intake bench unit")
    _, key = issue_api_key(name=f"Intake bench {os.getpid()}", scope="write", unit=unit)
    return key


def queries_of_one_creation(key: str) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from rest_framework.test import APIClient

    from tests.api.conftest import REFERRAL_BODY

    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {key}")

    def body(n: int) -> dict:  # a new person each time, as in the load
        responsible, harmed = REFERRAL_BODY["parties"]
        return {**REFERRAL_BODY, "parties": [{**responsible, "last_name": f"Bench{os.getpid()}-{n}"}, harmed]}

    client.post(CREATE_PATH, body(1), format="json")  # warm the caches as the load does
    with CaptureQueriesContext(connection) as captured:
        response = client.post(CREATE_PATH, body(2), format="json")
    if response.status_code != 201:
        raise SystemExit(f"a creation answered {response.status_code}: {response.content[:300]!r}")
    return len(captured.captured_queries)


def referral_count() -> int:
    from referrals.models import Referral

    return Referral.objects.count()


def load(port: int, path: str, method: str, key: str, *, seconds: int, connections: int, workdir: str) -> dict:
    script = WRK_SCRIPT % {"key": key, "method": method, "run": f"{os.getpid()}{int(time.time())}"}
    return run_wrk(port, path, script, seconds=seconds, connections=connections, workdir=workdir)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=int, default=20, help="wrk duration of each measurement")
    parser.add_argument("--connections", type=int, default=4, help="wrk connections (clients)")
    parser.add_argument("--port", type=int, default=8766)
    parser.add_argument("--target", type=float, default=200.0, help="creations per second to reach")
    args = parser.parse_args(argv)
    check_prerequisites(parser, "a PostgreSQL database (it is migrated; a new one is best)")
    workdir = tempfile.mkdtemp(prefix="rj-intake-")
    static_root = str(Path(workdir) / "static")
    # The bench's key makes thousands of requests a minute: lift the per-client limit for this run only.
    os.environ["API_RATE_CLIENT"] = "1000000/min"
    os.environ.setdefault("FIELD_ENCRYPTION_KEYS", "intake-bench-only-field-key-" + "x" * 40)
    setup_django(static_root)
    key = prepare()
    queries = queries_of_one_creation(key)
    log(f"Machine: {machine()}")
    server = start_server(args.port, static_root)
    try:
        trivial = load(args.port, TRIVIAL_PATH, "GET", key, seconds=args.seconds, connections=args.connections,
                       workdir=workdir)  # fmt: skip
        before = referral_count()
        create = load(args.port, CREATE_PATH, "POST", key, seconds=args.seconds, connections=args.connections,
                      workdir=workdir)  # fmt: skip
        stored = referral_count() - before
    finally:
        stop_server(server)
        shutil.rmtree(workdir, ignore_errors=True)

    answered = create["requests"] - create["errors"]
    ratio = create["rps"] / trivial["rps"]
    # A request still in flight when wrk stops may be stored without its reply being counted.
    met = create["rps"] >= args.target and not create["errors"] and 0 <= stored - answered <= args.connections
    print(
        "\n".join(
            [
                f"wrk: 2 threads, {args.connections} connections, {args.seconds} s each; gunicorn 2 workers.",
                "",
                "| request | req/s | p50 ms | p95 ms | p99 ms | errors |",
                "|---|---:|---:|---:|---:|---:|",
                *(
                    f"| {name} | {row['rps']:.1f} | {row['p50']:.1f} | {row['p95']:.1f} | {row['p99']:.1f} | "
                    f"{row['errors']} |"
                    for name, row in ((f"`GET {TRIVIAL_PATH}` (trivial)", trivial), (f"`POST {CREATE_PATH}`", create))
                ),
                "",
                f"- Creations: {create['rps']:.1f}/s, {ratio:.0%} of the trivial GET; target {args.target:.0f}/s: "
                + ("met" if met else "NOT met"),
                f"- SQL queries of one creation (in-process): {queries}",
                f"- Referrals stored during the load: {stored} for {answered} replies of 201",
            ]
        )
    )
    return 0 if met else 1


if __name__ == "__main__":
    sys.exit(main())
