"""Measure the pages that matter at scale, on a database seeded by bench.seed.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/rj_bench python -m bench.run

Serves the app with gunicorn (2 workers, DEBUG off) on loopback, logs in as the bench users, and
for each page measures requests per second and p50 / p95 latency with wrk, the number of SQL
queries of one request (Django's test client) and the database's own time for them (EXPLAIN
ANALYZE of each SELECT, summed). Before measuring it rebuilds the dashboard's rollup and checks
its figures against a recount. Pages and commands that do not exist yet are skipped with a note.
Prints a Markdown table for docs/performance.md.
"""

import argparse
import http.cookiejar
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

from .seed import BENCH_PASSWORD, BENCH_USERS

ROOT = Path(__file__).resolve().parent.parent
LIST_TARGET_MS, DASHBOARD_TARGET_MS = 100, 150

WRK_SCRIPT = """
wrk.headers["Cookie"] = "sessionid=%(session)s"
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format("RESULT %%d %%d %%.3f %%.3f %%.3f %%d %%d\\n", summary.requests, summary.duration,
    latency:percentile(50) / 1000, latency:percentile(95) / 1000, latency:percentile(99) / 1000,
    e.status, e.connect + e.read + e.write + e.timeout))
end
"""


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def pages(refs: dict) -> list[dict]:
    """Return the pages to measure: name, path, who asks, and the target p95."""
    filtered = f"/dashboard/?unit={refs['unit']}"  # the dashboard filters by one dimension at a time
    return [
        {"name": "Dashboard (default filters)", "path": "/dashboard/", "role": "supervisor", "target": 150},
        {"name": "Dashboard (one unit)", "path": filtered, "role": "supervisor", "target": 150},
        {"name": "Case list (supervisor)", "path": "/cases/", "role": "supervisor", "target": 100},
        {"name": "Referral list (officer)", "path": "/referrals/", "role": "officer", "target": 100},
        {"name": "Screening queue", "path": "/referrals/screening/", "role": "supervisor", "target": 100},
        {"name": "Person search", "path": f"/cases/people/?q={refs['surname']}", "role": "supervisor", "target": 100},
    ]


def setup_django(static_root: str) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "rjcases.settings")
    os.environ.update(server_env(static_root))
    os.environ["ALLOWED_HOSTS"] += ",testserver"
    import django

    django.setup()


def server_env(static_root: str) -> dict:
    return {
        "DEBUG": "false",
        "SECRET_KEY": os.environ.get("SECRET_KEY", "bench-only-secret-key-" + "x" * 40),
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "SECURE_COOKIES": "false",
        "STATIC_ROOT": static_root,
        "LOG_LEVEL": "WARNING",
    }


def reference_values() -> dict:
    """Pick the filtered dashboard's unit and offence, and the commonest surname."""
    from django.db.models import Count

    from bench.people import COMMON_SURNAME
    from referrals.models import OffenceCategory, Referral

    busiest = Referral.objects.values("unit").annotate(n=Count("pk")).order_by("-n").first()
    offence = OffenceCategory.objects.get(code="shoplifting")
    return {"unit": busiest["unit"] if busiest else 1, "offence": offence.pk, "surname": COMMON_SURNAME}


# Management commands of the dashboard


def run_command(name: str) -> dict:
    """Run `manage.py name` if it exists; return its outcome and duration."""
    from django.core.management import get_commands

    if name not in get_commands():
        return {"command": name, "outcome": "skipped: the command does not exist on this branch yet"}
    began = time.monotonic()
    done = subprocess.run([sys.executable, "manage.py", name], cwd=ROOT, capture_output=True, text=True, check=False)
    seconds = time.monotonic() - began
    outcome = "ok" if done.returncode == 0 else f"FAILED (exit {done.returncode})"
    tail = (done.stdout + done.stderr).strip().splitlines()[-5:]
    return {"command": name, "outcome": outcome, "seconds": seconds, "output": tail}


# One request in-process: query count and the database's own time


def page_exists(path: str) -> bool:
    from django.urls import Resolver404, resolve

    try:
        resolve(urllib.parse.urlsplit(path).path)
    except Resolver404:
        return False
    return True


def profile(path: str, username: str) -> dict:
    """Return the status, SQL query count and summed EXPLAIN ANALYZE time of one GET of `path`."""
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from people.models import User

    client = Client()
    client.force_login(User.objects.get(username=username))
    client.get(path)  # warm the caches as the load test will
    with CaptureQueriesContext(connection) as captured:
        response = client.get(path)
    queries = [q["sql"] for q in captured.captured_queries]
    timings = []
    with connection.cursor() as cursor:
        for sql in queries:
            if not sql.lstrip().upper().startswith(("SELECT", "WITH")):
                continue
            cursor.execute("EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) " + sql)
            plan = cursor.fetchone()[0]
            plan = plan[0] if isinstance(plan, list) else json.loads(plan)[0]
            timings.append((plan["Planning Time"] + plan["Execution Time"], sql))
    timings.sort(reverse=True)
    return {
        "status": response.status_code,
        "queries": len(queries),
        "db_ms": sum(ms for ms, _ in timings),
        "heaviest": [(round(ms, 2), sql[:300]) for ms, sql in timings[:3]],
    }


# The server and the load


def start_server(port: int, static_root: str) -> subprocess.Popen:
    env = {**os.environ, **server_env(static_root)}
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "rjcases.wsgi", "--workers", "2", "--bind", f"127.0.0.1:{port}",
         "--access-logfile", "-" if os.environ.get("BENCH_ACCESS_LOG") else "/dev/null", "--log-level", "warning"],
        cwd=ROOT, env=env, start_new_session=True,
    )  # fmt: skip
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/accounts/login/", timeout=2)
            return server
        except OSError:
            time.sleep(0.3)
    stop_server(server)
    raise SystemExit("gunicorn did not answer within 30 s")


def stop_server(server: subprocess.Popen) -> None:
    os.killpg(server.pid, signal.SIGTERM)
    server.wait(timeout=20)


class _StayPut(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def log_in(port: int, username: str) -> str:
    """Log in through the login form, as a browser would; return the session cookie's value.

    The redirect that follows is not followed: the home page is not one of the pages measured.
    """
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar), _StayPut)
    url = f"http://127.0.0.1:{port}/accounts/login/"
    form = opener.open(url).read().decode()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', form).group(1)
    data = urllib.parse.urlencode({"username": username, "password": BENCH_PASSWORD, "csrfmiddlewaretoken": token})
    try:
        opener.open(urllib.request.Request(url, data=data.encode(), headers={"Referer": url}))
    except urllib.error.HTTPError as redirect:
        if redirect.code != 302:
            raise
    session = next((c.value for c in jar if c.name == "sessionid"), None)
    if session is None:
        raise SystemExit(f"could not log in as {username}")
    return session


def load(port: int, path: str, session: str, *, seconds: int, connections: int, workdir: str) -> dict:
    """Run wrk against `path` with the session cookie; return rps and latency percentiles in ms."""
    return run_wrk(port, path, WRK_SCRIPT % {"session": session}, seconds=seconds, connections=connections,
                   workdir=workdir)  # fmt: skip


def run_wrk(port: int, path: str, script_text: str, *, seconds: int, connections: int, workdir: str) -> dict:
    """Run wrk (2 threads) with a Lua script whose `done` prints a RESULT line; log its REFUSED lines.

    Return the requests, requests per second, latency percentiles in ms and the errors.
    """
    script = Path(workdir) / "load.lua"
    script.write_text(script_text)
    done = subprocess.run(
        [shutil.which("wrk"), "-t2", f"-c{connections}", f"-d{seconds}s", "--timeout", "10s", "-s", str(script),
         f"http://127.0.0.1:{port}{path}"],
        capture_output=True, text=True, check=True,
    )  # fmt: skip
    for refused in (line for line in done.stdout.splitlines() if line.startswith("REFUSED")):
        log(refused[:400])
    line = next(line for line in done.stdout.splitlines() if line.startswith("RESULT"))
    requests, duration_us, p50, p95, p99, bad_status, socket_errors = line.split()[1:]
    return {
        "requests": int(requests),
        "rps": int(requests) / (int(duration_us) / 1e6),
        "p50": float(p50),
        "p95": float(p95),
        "p99": float(p99),
        "errors": int(bad_status) + int(socket_errors),
    }


def check_prerequisites(parser, database_hint: str) -> None:
    """Refuse to start without a PostgreSQL DATABASE_URL or without wrk."""
    if not os.environ.get("DATABASE_URL", "").startswith("postgres"):
        parser.error(f"set DATABASE_URL to {database_hint}")
    if not shutil.which("wrk"):
        parser.error("wrk is needed (Debian: apt-get install wrk)")


def machine() -> str:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        version = cursor.fetchone()[0]
        cursor.execute("SELECT count(*) FROM referrals_referral")
        referrals = cursor.fetchone()[0]
    memory = next(line for line in Path("/proc/meminfo").read_text().splitlines() if line.startswith("MemTotal"))
    gib = int(memory.split()[1]) / 1024 / 1024
    wrk = subprocess.run([shutil.which("wrk"), "-v"], capture_output=True, text=True, check=False)
    wrk_version = (wrk.stdout + wrk.stderr).splitlines()[0].split(" Copyright")[0]
    return f"{os.cpu_count()} cores, {gib:.0f} GiB RAM, PostgreSQL {version}, {wrk_version}, {referrals:,} referrals"


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=int, default=20, help="wrk duration per page")
    parser.add_argument("--connections", type=int, default=2, help="wrk connections (one per gunicorn worker)")
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument(
        "--pages-only", action="store_true",
        help="measure the pages only, on the dashboard figures already computed (no refresh, no check)",
    )  # fmt: skip
    args = parser.parse_args(argv)
    check_prerequisites(parser, "the seeded PostgreSQL database")
    workdir = tempfile.mkdtemp(prefix="rj-bench-")
    static_root = str(Path(workdir) / "static")
    setup_django(static_root)
    from django.core.management import call_command

    call_command("collectstatic", interactive=False, verbosity=0)
    refs = reference_values()
    log(f"Machine: {machine()}")

    commands = [] if args.pages_only else [run_command("refresh_dashboard"), run_command("check_dashboard")]
    for result in commands:
        log(f"manage.py {result['command']}: {result['outcome']}"
            + (f" in {result['seconds']:.1f} s" if "seconds" in result else ""))  # fmt: skip
        for line in result.get("output", []):
            log(f"    {line}")

    rows = []
    server = start_server(args.port, static_root)
    try:
        sessions = {}
        for page in pages(refs):
            if not page_exists(page["path"]):
                log(f"skipped {page['path']}: the page does not exist on this branch yet")
                rows.append({**page, "skipped": True})
                continue
            username = BENCH_USERS[page["role"]]
            if username not in sessions:
                sessions[username] = log_in(args.port, username)
            measured = profile(page["path"], username)
            if measured["status"] != 200:
                log(f"skipped {page['path']}: it answered {measured['status']}")
                rows.append({**page, "skipped": True, **measured})
                continue
            log(f"measuring {page['path']} as {username} ({measured['queries']} queries)…")
            result = load(args.port, page["path"], sessions[username], seconds=args.seconds,
                          connections=args.connections, workdir=workdir)  # fmt: skip
            rows.append({**page, **measured, **result})
            for ms, sql in measured["heaviest"]:
                log(f"    {ms:8.2f} ms  {sql}")
    finally:
        stop_server(server)
        shutil.rmtree(workdir, ignore_errors=True)

    print(report(rows, commands, args))
    return 0 if all(c["outcome"].startswith(("ok", "skipped")) for c in commands) else 1


def report(rows, commands, args) -> str:
    lines = [
        f"wrk: 2 threads, {args.connections} connections, {args.seconds} s per page; gunicorn 2 workers.",
        "",
        "| page | URL | req/s | p50 ms | p95 ms | target p95 | SQL queries | DB time ms (EXPLAIN ANALYZE, sum) |",
        "|---|---|---:|---:|---:|---:|---:|---:|",
    ]
    for row in rows:
        if row.get("skipped"):
            lines.append(f"| {row['name']} | `{row['path']}` | not measured: page not there yet | | | "
                         f"< {row['target']} | | |")  # fmt: skip
            continue
        verdict = "" if row["p95"] < row["target"] else " ✗"
        errors = f" ({row['errors']} errors)" if row["errors"] else ""
        lines.append(
            f"| {row['name']} | `{row['path']}` | {row['rps']:.1f}{errors} | {row['p50']:.1f} | "
            f"{row['p95']:.1f}{verdict} | < {row['target']} | {row['queries']} | {row['db_ms']:.1f} |"
        )
    lines.append("")
    for command in commands:
        took = f", {command['seconds']:.1f} s" if "seconds" in command else ""
        lines.append(f"- `manage.py {command['command']}`: {command['outcome']}{took}")
    return "\n".join(lines)


if __name__ == "__main__":
    sys.exit(main())
