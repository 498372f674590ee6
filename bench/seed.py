"""Seed PostgreSQL with a programme of N referrals over three years, for the benchmark.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/rj_bench python -m bench.seed --referrals 1000000

Runs `migrate`, creates the organisations and users with the ORM, then writes everything else with
COPY in one transaction: foreign keys and plain indexes are dropped first and put back at the end
(which checks every row against them at once), unique, check and exclusion constraints stay in
force all along. Rows are generated with a fixed random seed (bench/simulate.py, bench/cases.py).
The bench users (bench_supervisor, bench_officer, bench_facilitator, bench_admin) have the
password BENCH_PASSWORD.
"""

import argparse
import os
import random
import sys
import time
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

BENCH_PASSWORD = "bench-password-not-secret"
BENCH_USERS = {"supervisor": "bench_supervisor", "officer": "bench_officer", "facilitator": "bench_facilitator"}
CHUNK = 20_000  # referrals generated between two COPY rounds

COLUMNS = {
    "cases_person": "id kind first_name last_name organisation_name date_of_birth gender ethnicity created_at "
    "created_by_id",
    "cases_contactdetails": "id person_id phone email address time_zone",
    "referrals_referral": "id reference status incident_number incident_date incident_place offence_category_id "
    "description harm_description referring_officer_id unit_id created_at submitted_at screened_at screened_by_id "
    "info_request info_response decline_reason eligible eligibility_results override_justification",
    "referrals_referralparty": "id referral_id person_id role admits_responsibility prior_diversions age_group linked",
    "referrals_referralevent": "id referral_id actor_id from_status to_status reason created_at",
    "cases_case": "id referral_id status facilitator_id co_facilitator_id opened_at status_changed_at "
    "last_activity_at closed_at return_reason closing_note",
    "cases_caseevent": "id case_id kind actor_id from_status to_status summary reason created_at",
    "cases_contactattempt": "id case_id person_id contacted_at channel outcome note recorded_by_id created_at",
    "cases_consent": "id case_id person_id purpose given_by_id given_on method recorded_by_id recorded_at "
    "withdrawn_at withdrawn_by_id withdrawal_reason",
    "cases_assessment": "id case_id person_id will_attend ready risk notes assessed_by_id assessed_at "
    "signed_off_by_id signed_off_at",
    "conferences_conference": "id case_id kind status starts_at duration_minutes ends_at mode venue_id address "
    "meeting_link uid sequence notes cancel_reason created_by_id created_at held_at",
    "conferences_conferencefacilitator": "id conference_id facilitator_id starts_at ends_at active is_lead",
    "conferences_participant": "id conference_id role person_id user_id name invitation attended",
    "conferences_agreement": "id case_id version conference_id summary renegotiation_reason created_by_id "
    "created_at superseded_at",
    "conferences_agreementitem": "id agreement_id kind description amount hours due_date harmed_party_id "
    "partner_id status status_changed_at status_changed_by_id status_note",
    "conferences_payment": "id item_id amount paid_on recorded_by_id created_at",
    "conferences_servicehours": "id item_id hours worked_on recorded_by_id created_at",
    "cases_reoffendingcheck": "id case_id months due_on reoffended reoffended_on note recorded_by_id recorded_at "
    "referral_id offences",
    "cases_satisfactionsurvey": "id case_id person_id token_hash sent_at expires_at answered_at satisfaction "
    "felt_heard harm_repaired would_recommend comment",
    "reminders_reminder": "id kind variant referral_id case_id conference_id item_id recipient_user_id "
    "recipient_person_id recipient_partner_id to_supervisors channel due_at expires_at key status attempts "
    "last_error claim_token claimed_until sent_at cancelled_reason created_at",
}


def log(message: str) -> None:
    print(message, flush=True)


# Organisations and users, through the ORM: a few hundred rows


def facilitator_count(referrals: int) -> int:
    """Return how many facilitators the programme needs: 60, or more for a big programme.

    A facilitator cannot be in two conferences at once (the database refuses it), and a million
    referrals in three years means some 500 conferences a day; 60 facilitators working 13 hours
    a day could not hold them, and cases would wait months for a free slot.
    """
    return max(60, round(referrals / 6500))


def create_organisations(rng: random.Random, *, start: datetime, facilitators: int = 60) -> dict:
    """Create agencies, units, partners, venues and users; return what the generator refers to."""
    from django.contrib.auth.hashers import make_password

    from conferences.models import Venue
    from people.models import Agency, Partner, Role, Unit, User

    agencies = Agency.objects.bulk_create(
        [
            Agency(name="Northshire Police", code="NSP"),
            Agency(name="Eastmoor Constabulary", code="EMC"),
            Agency(name="Westvale Police", code="WVP"),
            Agency(name="British Transport Police (North)", code="BTPN"),
        ]
    )
    unit_names = ["Central", "North", "South", "East", "West", "Youth Justice", "Neighbourhood", "Response",
                  "Harbour", "Airport", "Rural"]  # fmt: skip
    units = Unit.objects.bulk_create(
        [Unit(agency=agencies[n % 4], name=f"{unit_names[n // 4]} {n % 4 + 1}") for n in range(40)]
    )
    kinds = ["victim_services", "youth_service", "school", "treatment", "community"]
    partners = Partner.objects.bulk_create(
        [
            Partner(name=f"{kind.replace('_', ' ').title()} partner {n + 1}", kind=kind)
            for n, kind in enumerate(kinds * 3)
        ]
    )
    venues = Venue.objects.bulk_create(
        [
            Venue(
                name=f"Meeting room {n + 1}",
                address=f"{n + 1} Civic Centre",
                partner=partners[n % 15] if n % 2 else None,
            )
            for n in range(25)
        ]
    )
    password = make_password(BENCH_PASSWORD)

    def user(username, role, **extra):
        return User(username=username, role=role, password=password, email=f"{username}@bench.example.org",
                    first_name=username.split("_")[0].title(), last_name=username.split("_")[-1].title(),
                    date_joined=start, **extra)  # fmt: skip

    users = [user("bench_admin", Role.ADMIN, is_staff=True, is_superuser=True)]
    users += [user(BENCH_USERS["supervisor"], Role.SUPERVISOR)]
    users += [user(f"supervisor_{n}", Role.SUPERVISOR) for n in range(1, 6)]
    users += [user(BENCH_USERS["officer"], Role.OFFICER, unit=units[0], badge_number="B0001")]
    users += [user(f"officer_{n}", Role.OFFICER, unit=units[n % 40], badge_number=f"B{n:04d}") for n in range(1, 400)]
    users += [user(BENCH_USERS["facilitator"], Role.FACILITATOR)]
    users += [user(f"facilitator_{n}", Role.FACILITATOR) for n in range(1, facilitators)]
    users += [user(f"partner_{n}", Role.PARTNER, partner=partners[n % 15]) for n in range(15)]
    users = User.objects.bulk_create(users)
    by_role = {}
    for created in users:
        by_role.setdefault(created.role, []).append(created)
    officers = [(u.pk, u.unit_id) for u in by_role[Role.OFFICER]]
    # A few officers refer a lot, most a little; the bench officer is the busiest (about 1 %).
    weights = [rng.lognormvariate(0, 0.8) for _ in officers]
    weights[0] = sum(weights) / 100
    facilitators = [u.pk for u in by_role[Role.FACILITATOR]]
    return {
        "officers": officers,
        "officer_cum_weights": _cumulative(weights),
        "supervisors": [u.pk for u in by_role[Role.SUPERVISOR]],
        "facilitators": facilitators,
        "facilitator_cum_weights": _cumulative([rng.uniform(0.7, 1.3) for _ in facilitators]),
        "partners": {kind: [p.pk for p in partners if p.kind == kind] for kind in kinds},
        "venues": [v.pk for v in venues],
    }


def _cumulative(weights):
    total, out = 0.0, []
    for weight in weights:
        total += weight
        out.append(total)
    return out


def reference_data() -> dict:
    """Return the rows migrations created that the generator reuses: offences, policy, reminder timings."""
    from django.conf import settings

    from referrals.models import DeclineReason, EligibilityPolicy, OffenceCategory
    from rjcases.timings import ReminderSettings

    policy = EligibilityPolicy.current()
    rules = ReminderSettings.current()
    return {
        "offences": dict(OffenceCategory.objects.values_list("code", "pk")),
        "excluded": list(policy.excluded_categories.values_list("code", flat=True)),
        "decline_labels": {code: str(label) for code, label in DeclineReason.choices},
        "tz": ZoneInfo(settings.TIME_ZONE),
        "screening_backlog_days": rules.screening_backlog_days,
        "stalled_facilitator_days": rules.stalled_facilitator_days,
        "stalled_supervisor_days": rules.stalled_supervisor_days,
        "item_due_soon_days": rules.item_due_soon_days,
        "survey_days_after_close": rules.survey_days_after_close,
        "survey_link_days": rules.survey_link_days,
        "reoffending_months": rules.reoffending_offsets,
        "conference_hours": rules.conference_offsets,
    }


# Bulk loading


def _deferred_definitions(cursor, tables):
    """Return the foreign keys and plain indexes of `tables`, as statements that recreate them."""
    cursor.execute(
        """SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid) FROM pg_constraint
           WHERE contype = 'f' AND conrelid::regclass::text = ANY(%s)""",
        [tables],
    )
    foreign_keys = cursor.fetchall()
    cursor.execute(
        """SELECT i.indexrelid::regclass::text, pg_get_indexdef(i.indexrelid) FROM pg_index i
           WHERE i.indrelid::regclass::text = ANY(%s) AND NOT i.indisunique AND NOT i.indisprimary
             AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid)""",
        [tables],
    )
    return foreign_keys, cursor.fetchall()


def copy_rows(cursor, table: str, rows: list) -> None:
    columns = ", ".join(COLUMNS[table].split())
    with cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row(row)


def seed(*, referrals: int, rng_seed: int = 20240501, now: datetime | None = None, years: float = 3.0) -> dict:
    """Generate and load the programme into the default database; return row counts by table.

    The tables must hold no referrals yet (see --reset).
    """
    from django.db import connection, transaction

    from referrals.models import Referral

    from .simulate import Ids, Programme

    if Referral.objects.exists():
        raise SystemExit("The database already has referrals: seed an empty one, or pass --reset.")
    rng = random.Random(rng_seed)
    now = now or datetime.now(UTC)
    start = now - timedelta(days=365 * years)
    counts: dict[str, int] = {}
    tables = list(COLUMNS)
    with transaction.atomic(), connection.cursor() as cursor:
        refs = {
            **reference_data(),
            **create_organisations(rng, start=start, facilitators=facilitator_count(referrals)),
        }
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # check the ORM's rows now, before the keys go
        foreign_keys, indexes = _deferred_definitions(cursor, tables)
        for table, name, _ in foreign_keys:
            cursor.execute(f'ALTER TABLE {table} DROP CONSTRAINT "{name}"')
        for name, _ in indexes:
            cursor.execute(f"DROP INDEX {name}")
        start_ids = {}
        for table in tables:
            cursor.execute(f"SELECT coalesce(max(id), 0) + 1 FROM {table}")
            start_ids[table] = cursor.fetchone()[0]
        programme = Programme(rng, now=now.timestamp(), start=start.timestamp(), refs=refs, ids=Ids(start_ids))
        moments = sorted(rng.uniform(start.timestamp(), now.timestamp()) for _ in range(referrals))
        began = time.monotonic()
        for first in range(0, referrals, CHUNK):
            for created in moments[first : first + CHUNK]:
                programme.referral(created)
            for table, rows in programme.out.items():
                copy_rows(cursor, table, rows)
                counts[table] = counts.get(table, 0) + len(rows)
            programme.out = {}
            done = min(first + CHUNK, referrals)
            log(f"  {done:>9,} referrals written ({time.monotonic() - began:,.0f} s)")
        log("Putting back foreign keys and indexes (checks every row)…")
        for _name, definition in indexes:
            cursor.execute(definition)
        for table, name, definition in foreign_keys:
            cursor.execute(f'ALTER TABLE {table} ADD CONSTRAINT "{name}" {definition}')
        for table in tables:
            cursor.execute(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT coalesce(max(id), 1) FROM {table}))"
            )
        for year, last in sorted(programme.counters.items()):
            cursor.execute(
                """INSERT INTO referrals_referencecounter (year, last) VALUES (%s, %s)
                   ON CONFLICT (year) DO UPDATE SET last = greatest(referrals_referencecounter.last, EXCLUDED.last)""",
                [year, last],
            )
    return counts


def table_sizes(cursor) -> list[tuple[str, str]]:
    cursor.execute(
        """SELECT c.relname, pg_size_pretty(pg_total_relation_size(c.oid))
           FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
           WHERE n.nspname = 'public' AND c.relkind = 'r' AND pg_total_relation_size(c.oid) > 1024 * 1024
           ORDER BY pg_total_relation_size(c.oid) DESC"""
    )
    return cursor.fetchall()


TRUNCATE = """TRUNCATE referrals_referral, referrals_referralparty, referrals_referralevent, cases_person,
    cases_contactdetails, cases_case, cases_caseevent, cases_contactattempt, cases_consent, cases_assessment,
    conferences_conference, conferences_conferencefacilitator, conferences_participant, conferences_agreement,
    conferences_agreementitem, conferences_payment, conferences_servicehours, cases_reoffendingcheck,
    cases_satisfactionsurvey, reminders_reminder, referrals_referencecounter, conferences_venue, cases_user,
    cases_partner, cases_unit, cases_agency CASCADE"""


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--referrals", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=20240501, help="random seed (the same seed gives the same data)")
    parser.add_argument("--reset", action="store_true", help="empty the programme's tables first")
    args = parser.parse_args(argv)
    if not os.environ.get("DATABASE_URL", "").startswith("postgres"):
        parser.error("set DATABASE_URL to a PostgreSQL database")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "rjcases.settings")
    os.environ.setdefault("SECRET_KEY", "bench-seed")
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    began = time.monotonic()
    call_command("migrate", verbosity=0)
    if args.reset:
        with connection.cursor() as cursor:
            cursor.execute(TRUNCATE)
    log(f"Seeding {args.referrals:,} referrals (seed {args.seed})…")
    loaded = time.monotonic()
    counts = seed(referrals=args.referrals, rng_seed=args.seed)
    log(f"Loaded {sum(counts.values()):,} rows in {time.monotonic() - loaded:,.0f} s; ANALYZE…")
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
        sizes = table_sizes(cursor)
        cursor.execute("SELECT pg_size_pretty(pg_database_size(current_database()))")
        total = cursor.fetchone()[0]
    log(f"Done in {time.monotonic() - began:,.0f} s (migrate, load, ANALYZE). Database size {total}.\n")
    log("| table | rows | size (with indexes) |\n|---|---:|---:|")
    for name, size in sizes:
        rows = f"{counts[name]:,}" if name in counts else ""
        log(f"| {name} | {rows} | {size} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
