"""Rebuild the dashboard's rollup from the base tables in SQL, in one transaction.

First one row of facts per referral (a temporary table), then `INSERT ... SELECT ... GROUP BY`
into the rollup per breakdown. Readers keep seeing the previous figures until the commit.
This SQL is deliberately written apart from the ORM definitions in metrics.py: check_dashboard
compares the two, so a mistake in either shows.
"""

import re
import time
from datetime import timedelta

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from rjcases.timings import ReminderSettings

from .kinds import DIRECT, INDIRECT, SURROGATE, kinds_in
from .models import COUNTS, FIGURES, MEASURES, DashboardBuild, DashboardDays, DashboardRollup

# The few expressions SQLite and PostgreSQL spell differently. On SQLite, Django registers
# django_datetime_cast_date(), which converts a stored UTC timestamp to a local date.
DIALECTS = {
    "postgresql": {
        "month": "CAST(date_trunc('month', ({col}) AT TIME ZONE '{tz}') AS date)",
        "days": "(CAST(({end}) AT TIME ZONE '{tz}' AS date) - CAST(({start}) AT TIME ZONE '{tz}' AS date))",
        "days_to": "({day} - CAST(({start}) AT TIME ZONE '{tz}' AS date))",
        "age": "CAST(date_part('year', age({day}, {born})) AS integer)",
        "text": "CAST({col} AS varchar)",
    },
    "sqlite": {
        "month": "date(django_datetime_cast_date({col}, '{tz}', 'UTC'), 'start of month')",
        "days": "CAST(julianday(django_datetime_cast_date({end}, '{tz}', 'UTC'))"
        " - julianday(django_datetime_cast_date({start}, '{tz}', 'UTC')) AS integer)",
        "days_to": "CAST(julianday({day}) - julianday(django_datetime_cast_date({start}, '{tz}', 'UTC')) AS integer)",
        "age": "(CAST(strftime('%%Y', {day}) AS integer) - CAST(strftime('%%Y', {born}) AS integer)"
        " - (strftime('%%m-%%d', {day}) < strftime('%%m-%%d', {born})))",
        "text": "CAST({col} AS text)",
    },
}

FACTS = "dashboard_facts"
BREAKDOWN_COLUMNS = {"age": "age_group", "gender": "gender", "ethnicity": "ethnicity"}
ID_BREAKDOWN_COLUMNS = {"officer": "officer_id", "facilitator": "facilitator_id", "unit": "unit_id"}
# Each slice: the facts column it is cut by (None: the whole programme).
SLICE_COLUMNS = {
    "all": None,
    "agency": "agency_id",
    "unit": "unit_id",
    "offence": "offence_id",
    "partner": "partner_id",
    "kind": "conference_kind",
}


def _sql(name: str, **parts) -> str:
    tz = settings.TIME_ZONE
    if not re.fullmatch(r"[A-Za-z0-9_/+-]+", tz):  # it is spliced into SQL below
        raise ValueError(f"Unexpected time zone name {tz!r}.")
    return DIALECTS[connection.vendor][name].format(tz=tz, **parts)


def _flag(condition: str) -> str:
    return f"CASE WHEN {condition} THEN 1 ELSE 0 END"


def _facts_sql() -> str:
    """Return the SELECT of one row of facts per referred referral."""
    reasons = [
        ("declined_" + code, f"r.status = 'declined' AND r.decline_reason = '{code}'")
        for code in (
            "not_eligible",
            "no_admission",
            "harmed_party_objects",
            "insufficient_information",
            "risk",
            "other",
        )
    ] + [
        ("returned_" + code, f"c.status = 'returned' AND c.return_reason = '{code}'")
        for code in ("withdrew_consent", "no_contact", "non_compliance", "re_arrest", "other")
    ]
    opens = [
        (f"open_{s}", f"c.status = '{s}'") for s in ("intake", "ready", "scheduled", "conference_held", "monitoring")
    ]
    checks = []
    for months in (6, 12, 24):
        base = f"FROM cases_reoffendingcheck rc WHERE rc.case_id = c.id AND rc.months = {months}"
        checks += [
            (f"checked_{months}", f"EXISTS (SELECT 1 {base} AND rc.reoffended IS NOT NULL)"),
            (f"reoffended_{months}", f"EXISTS (SELECT 1 {base} AND rc.reoffended IS TRUE)"),
        ]
    flags = [
        ("referred", "1 = 1"),
        ("withdrawn", "r.status = 'withdrawn'"),
        ("eligible", "r.status = 'accepted' OR r.eligible IS TRUE"),
        ("accepted", "c.id IS NOT NULL"),
        (
            "consented",
            "EXISTS (SELECT 1 FROM cases_consent co JOIN referrals_referralparty cp ON cp.person_id = co.person_id"
            " AND cp.referral_id = r.id AND cp.role = 'responsible'"
            " WHERE co.case_id = c.id AND co.purpose = 'conference')",
        ),
        ("held", "held.first_start IS NOT NULL"),
        ("held_direct", "held_kinds.direct > 0"),
        ("held_surrogate", "held_kinds.direct = 0 AND held_kinds.surrogate > 0"),
        ("held_indirect", "held_kinds.direct = 0 AND held_kinds.surrogate = 0 AND held_kinds.indirect > 0"),
        ("agreement", "EXISTS (SELECT 1 FROM conferences_agreement ag WHERE ag.case_id = c.id)"),
        ("fulfilled", "c.status = 'completed'"),
        ("declined", "r.status = 'declined'"),
        ("returned", "c.status = 'returned'"),
        ("closed_no_conference", "c.status = 'closed_no_conference'"),
        *reasons,
        *opens,
        (
            "stalled",
            "c.status IN ('intake', 'ready', 'scheduled', 'conference_held', 'monitoring')"
            " AND c.last_activity_at < %(stalled_before)s",
        ),
        ("overdue_cases", "c.status = 'monitoring' AND items.overdue > 0"),
        (
            "harmed_attended",
            "EXISTS (SELECT 1 FROM conferences_participant pa JOIN conferences_conference hk"
            " ON hk.id = pa.conference_id WHERE hk.case_id = c.id AND hk.status = 'held'"
            f" AND hk.kind IN ({_kinds(DIRECT)}) AND pa.role = 'harmed' AND pa.attended IS TRUE)",
        ),
        *checks,
    ]
    values = [
        ("overdue_items", "CASE WHEN c.status = 'monitoring' THEN COALESCE(items.overdue, 0) ELSE 0 END"),
        # Done over every version of the agreement; ordered: the current one's, plus what was done under earlier ones.
        ("restitution_ordered", "COALESCE(items.restitution_ordered, 0) + COALESCE(earlier.paid, 0)"),
        ("restitution_paid", "COALESCE(items.restitution_paid, 0) + COALESCE(earlier.paid, 0)"),
        ("hours_ordered", "COALESCE(items.hours_ordered, 0) + COALESCE(earlier.hours, 0)"),
        ("hours_done", "COALESCE(items.hours_done, 0) + COALESCE(earlier.hours, 0)"),
        *[(name, f"COALESCE(surveys.{name}, 0)") for name in SURVEY_COUNTS],
    ]
    columns = [f"{_flag(cond)} AS {name}" for name, cond in flags] + [f"{expr} AS {name}" for name, expr in values]
    assert {name for name, _ in flags + values} == set(FIGURES), "every figure has exactly one fact"
    age = _sql("age", day="r.incident_date", born="p.date_of_birth")
    return f"""
        SELECT
            {_sql("month", col="r.created_at")} AS month,
            r.unit_id AS unit_id,
            u.agency_id AS agency_id,
            r.offence_category_id AS offence_id,
            partner_item.partner_id AS partner_id,
            COALESCE((SELECT k.kind FROM conferences_conference k WHERE k.case_id = c.id AND k.status <> 'cancelled'
                      ORDER BY k.starts_at DESC, k.id DESC LIMIT 1), '') AS conference_kind,
            CASE WHEN rp.age_group <> '' THEN rp.age_group
                 WHEN p.date_of_birth IS NULL OR p.kind <> 'individual' THEN 'unknown'
                 WHEN {age} < %(juvenile_age)s THEN 'juvenile' ELSE 'adult' END AS age_group,
            COALESCE(p.gender, 'not_stated') AS gender,
            COALESCE(p.ethnicity, 'not_stated') AS ethnicity,
            r.referring_officer_id AS officer_id,
            c.facilitator_id AS facilitator_id,
            {_sql("days", start="r.created_at", end="contact.first_at")} AS days_contact,
            {_sql("days", start="r.created_at", end="held.first_start")} AS days_conference,
            {_survival_sql()}
            {", ".join(columns)}
        FROM referrals_referral r
        JOIN cases_unit u ON u.id = r.unit_id
        LEFT JOIN cases_case c ON c.referral_id = r.id
        LEFT JOIN (SELECT referral_id, MIN(id) AS party_id FROM referrals_referralparty
                   WHERE role = 'responsible' GROUP BY referral_id) first_party ON first_party.referral_id = r.id
        LEFT JOIN referrals_referralparty rp ON rp.id = first_party.party_id
        LEFT JOIN cases_person p ON p.id = rp.person_id
        LEFT JOIN (SELECT case_id, MIN(contacted_at) AS first_at FROM cases_contactattempt
                   GROUP BY case_id) contact ON contact.case_id = c.id
        LEFT JOIN (SELECT case_id, MIN(starts_at) AS first_start FROM conferences_conference
                   WHERE status = 'held' GROUP BY case_id) held ON held.case_id = c.id
        LEFT JOIN (SELECT a.case_id, MIN(i.id) AS item_id FROM conferences_agreementitem i
                   JOIN conferences_agreement a ON a.id = i.agreement_id
                   WHERE a.superseded_at IS NULL AND i.partner_id IS NOT NULL
                   GROUP BY a.case_id) first_partner_item ON first_partner_item.case_id = c.id
        LEFT JOIN conferences_agreementitem partner_item ON partner_item.id = first_partner_item.item_id
        LEFT JOIN (SELECT case_id,
                          SUM(CASE WHEN kind IN ({_kinds(DIRECT)}) THEN 1 ELSE 0 END) AS direct,
                          SUM(CASE WHEN kind IN ({_kinds(SURROGATE)}) THEN 1 ELSE 0 END) AS surrogate,
                          SUM(CASE WHEN kind IN ({_kinds(INDIRECT)}) THEN 1 ELSE 0 END) AS indirect
                   FROM conferences_conference WHERE status = 'held' GROUP BY case_id) held_kinds
               ON held_kinds.case_id = c.id
        LEFT JOIN (SELECT referral_id,
                          MIN(CASE WHEN reoffended IS TRUE THEN COALESCE(reoffended_on, due_on) END) AS event_on,
                          MAX(CASE WHEN reoffended IS NOT NULL THEN due_on END) AS last_on
                   FROM cases_reoffendingcheck GROUP BY referral_id) follow_up ON follow_up.referral_id = r.id
        LEFT JOIN ({_items_sql()}) items ON items.case_id = c.id
        LEFT JOIN ({_earlier_versions_sql()}) earlier ON earlier.case_id = c.id
        LEFT JOIN ({_surveys_sql()}) surveys ON surveys.case_id = c.id
        WHERE r.submitted_at IS NOT NULL
    """


def _survival_sql() -> str:
    """The facts of time to reoffence: the cohort, whether a reoffence was recorded, and the days
    to it (or to the last check answered, when none was) from the referral and from the closing
    (a declined referral's: its decline). NULL for referrals in no cohort or never followed up."""
    cohorts = " ".join(f"WHEN {condition} THEN '{cohort}'" for cohort, condition in SURVIVAL_COHORTS)
    seen = "COALESCE(follow_up.event_on, follow_up.last_on)"
    began = "COALESCE(c.closed_at, r.screened_at)"
    return f"""
            CASE WHEN follow_up.last_on IS NULL THEN NULL {cohorts} END AS km_cohort,
            CASE WHEN follow_up.event_on IS NOT NULL THEN 'event' ELSE 'censored' END AS km_outcome,
            {_sql("days_to", day=seen, start="r.created_at")} AS days_km_referral,
            {_sql("days_to", day=seen, start=began)} AS days_km_closure,"""


# Who is followed up for reoffending, and compared (docs/dashboard.md, time to reoffence).
SURVIVAL_COHORTS = (
    ("completed", "c.status = 'completed'"),
    ("returned", "c.status = 'returned'"),
    ("declined_eligible", "c.id IS NULL AND r.status = 'declined' AND r.eligible IS TRUE"),
)
SURVIVAL_ORIGINS = ("referral", "closure")


def _insert_survival(cursor, slice_name: str) -> None:
    """Histograms of days to reoffence (or to censoring), per cohort and origin, in the age breakdown
    only: its groups add up to the slice, and the dashboard draws the slice's curves."""
    days = DashboardDays._meta.db_table
    value, condition, by = _slice_sql(SLICE_COLUMNS[slice_name])
    for origin in SURVIVAL_ORIGINS:
        cursor.execute(
            f"""INSERT INTO {days} (month, slice, slice_value, breakdown, group_value, measure, days, cases)
                SELECT month, %(slice)s, {value}, 'age', age_group,
                       'km_{origin}_' || km_cohort || '_' || km_outcome, days_km_{origin}, COUNT(*)
                FROM {FACTS} WHERE km_cohort IS NOT NULL AND {condition}
                GROUP BY {by}, age_group, km_cohort, km_outcome, days_km_{origin}""",
            {"slice": slice_name},
        )


SURVEY_COUNTS = (
    "surveys_sent",
    "surveys_answered",
    "satisfaction_total",
    "satisfied",
    "felt_heard",
    "harm_repaired",
    "would_recommend",
)


def _items_sql() -> str:
    """Per case: its current agreement's restitution and service hours, ordered and done, and overdue items."""
    return """
        SELECT a.case_id,
               SUM(CASE WHEN i.kind = 'restitution' THEN i.amount ELSE 0 END) AS restitution_ordered,
               SUM(CASE WHEN i.kind = 'restitution' THEN COALESCE(pay.paid, 0) ELSE 0 END) AS restitution_paid,
               SUM(CASE WHEN i.kind = 'community_service' THEN i.hours ELSE 0 END) AS hours_ordered,
               SUM(CASE WHEN i.kind = 'community_service' THEN COALESCE(done.hours, 0) ELSE 0 END) AS hours_done,
               SUM(CASE WHEN i.status = 'pending' AND i.due_date < %(today)s THEN 1 ELSE 0 END) AS overdue
        FROM conferences_agreementitem i
        JOIN conferences_agreement a ON a.id = i.agreement_id AND a.superseded_at IS NULL
        LEFT JOIN (SELECT item_id, SUM(amount) AS paid FROM conferences_payment GROUP BY item_id) pay
               ON pay.item_id = i.id
        LEFT JOIN (SELECT item_id, SUM(hours) AS hours FROM conferences_servicehours GROUP BY item_id) done
               ON done.item_id = i.id
        GROUP BY a.case_id
    """


def _earlier_versions_sql() -> str:
    """Per case: what was paid and worked on the items of agreement versions since replaced."""
    return """
        SELECT a.case_id, SUM(COALESCE(pay.paid, 0)) AS paid, SUM(COALESCE(done.hours, 0)) AS hours
        FROM conferences_agreementitem i
        JOIN conferences_agreement a ON a.id = i.agreement_id AND a.superseded_at IS NOT NULL
        LEFT JOIN (SELECT item_id, SUM(amount) AS paid FROM conferences_payment GROUP BY item_id) pay
               ON pay.item_id = i.id AND i.kind = 'restitution'
        LEFT JOIN (SELECT item_id, SUM(hours) AS hours FROM conferences_servicehours GROUP BY item_id) done
               ON done.item_id = i.id AND i.kind = 'community_service'
        GROUP BY a.case_id
    """


def _kinds(group: str) -> str:
    """The kinds of conference of a group, as a list of SQL literals (they are fixed words)."""
    kinds = kinds_in(group)
    assert all(re.fullmatch(r"[a-z_]+", kind) for kind in kinds)
    return ", ".join(f"'{kind}'" for kind in kinds)


def _surveys_sql() -> str:
    """Per case: the harmed parties' surveys sent and answered, and their answers."""
    return """
        SELECT case_id,
               SUM(CASE WHEN sent_at IS NOT NULL THEN 1 ELSE 0 END) AS surveys_sent,
               SUM(CASE WHEN answered_at IS NOT NULL THEN 1 ELSE 0 END) AS surveys_answered,
               SUM(CASE WHEN answered_at IS NOT NULL THEN COALESCE(satisfaction, 0) ELSE 0 END) AS satisfaction_total,
               SUM(CASE WHEN answered_at IS NOT NULL AND satisfaction >= 4 THEN 1 ELSE 0 END) AS satisfied,
               SUM(CASE WHEN answered_at IS NOT NULL AND felt_heard IS TRUE THEN 1 ELSE 0 END) AS felt_heard,
               SUM(CASE WHEN answered_at IS NOT NULL AND harm_repaired IS TRUE THEN 1 ELSE 0 END) AS harm_repaired,
               SUM(CASE WHEN answered_at IS NOT NULL AND would_recommend IS TRUE THEN 1 ELSE 0 END) AS would_recommend
        FROM cases_satisfactionsurvey
        GROUP BY case_id
    """


def _slice_sql(slice_column: str | None) -> tuple[str, str, str]:
    """Return the slice's value expression, its condition on the facts, and what to group by."""
    if slice_column is None:
        return "''", "1 = 1", "month"
    value = slice_column if slice_column == "conference_kind" else _sql("text", col=slice_column)
    return value, f"{slice_column} IS NOT NULL AND {value} <> ''", f"month, {value}"


def _insert_breakdown(cursor, slice_name: str, breakdown: str, column: str, *, as_text: bool) -> None:
    rollup = DashboardRollup._meta.db_table
    group = _sql("text", col=column) if as_text else column
    value, condition, by = _slice_sql(SLICE_COLUMNS[slice_name])
    sums = ", ".join(f"SUM({name})" for name in FIGURES)
    cursor.execute(
        f"""INSERT INTO {rollup} (month, slice, slice_value, breakdown, group_value, {", ".join(FIGURES)})
            SELECT month, %(slice)s, {value}, %(breakdown)s, {group}, {sums}
            FROM {FACTS} WHERE {column} IS NOT NULL AND {condition}
            GROUP BY {by}, {column}""",
        {"slice": slice_name, "breakdown": breakdown},
    )


def _insert_days(cursor, slice_name: str, breakdown: str, column: str, measure: str) -> None:
    days = DashboardDays._meta.db_table
    value, condition, by = _slice_sql(SLICE_COLUMNS[slice_name])
    cursor.execute(
        f"""INSERT INTO {days} (month, slice, slice_value, breakdown, group_value, measure, days, cases)
            SELECT month, %(slice)s, {value}, %(breakdown)s, {column}, %(measure)s, days_{measure}, COUNT(*)
            FROM {FACTS} WHERE days_{measure} IS NOT NULL AND {condition}
            GROUP BY {by}, {column}, days_{measure}""",
        {"slice": slice_name, "breakdown": breakdown, "measure": measure},
    )


def rebuild_rollup() -> DashboardBuild:
    """Replace the rollup with figures computed now from the base tables; return the build's record."""
    started = time.monotonic()
    now = timezone.now()
    stalled_days = ReminderSettings.current().stalled_facilitator_days
    params = {
        "today": timezone.localdate(now),
        "stalled_before": now - timedelta(days=stalled_days),
        "juvenile_age": settings.JUVENILE_AGE,
    }
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f"DROP TABLE IF EXISTS {FACTS}")
        cursor.execute(f"CREATE TEMPORARY TABLE {FACTS} AS {_facts_sql()}", params)
        DashboardRollup.objects.all().delete()
        DashboardDays.objects.all().delete()
        for slice_name in SLICE_COLUMNS:
            for breakdown, column in BREAKDOWN_COLUMNS.items():
                _insert_breakdown(cursor, slice_name, breakdown, column, as_text=False)
                for measure in MEASURES:
                    _insert_days(cursor, slice_name, breakdown, column, measure)
            for breakdown, column in ID_BREAKDOWN_COLUMNS.items():
                _insert_breakdown(cursor, slice_name, breakdown, column, as_text=True)
            _insert_survival(cursor, slice_name)
        cursor.execute(f"SELECT COUNT(*) FROM {FACTS}")
        (referrals,) = cursor.fetchone()
        cursor.execute(f"DROP TABLE {FACTS}")
        DashboardBuild.objects.all().delete()
        return DashboardBuild.objects.create(
            computed_at=now,
            duration_ms=int((time.monotonic() - started) * 1000),
            rows=DashboardRollup.objects.count() + DashboardDays.objects.count(),
            referrals=referrals,
        )


assert set(COUNTS) >= set(SURVEY_COUNTS)
