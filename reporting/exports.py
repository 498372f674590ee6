"""Evaluation exports: one row per referral with its stages, dates and outcomes, as CSV or XLSX;
and the training record, one row per person and course passed or accreditation held.

Pseudonymised by default: people appear as stable random pseudonyms, dates of birth as age groups,
and there are no names, contact details or free text. The full export (administrators only) adds
the references and the parties' names and dates of birth, and leaves out the harmed parties'
survey answers, which were given on the promise that they are not tied to names; contact details
are never exported. The case export's columns are defined in docs/dashboard.md (Exports).
"""

import csv
import heapq
import itertools
import secrets
import tempfile
from dataclasses import dataclass
from decimal import Decimal

import xlsxwriter
from django.db.models import Exists, OuterRef
from django.http import FileResponse, StreamingHttpResponse
from django.utils import timezone

from cases.models import ReoffendingCheck, SatisfactionSurvey
from conferences.models import Conference, ConferenceStatus, Participant
from people.audit import record_audit
from people.models import AuditEntry, Partner
from referrals.models import PartyRole, ReferralParty, ReferralStatus
from referrals.permissions import referrals_for_user
from training.models import Accreditation, AccreditationStatus, Attendance
from training.permissions import trainees_for_user

from . import metrics, survival
from .kinds import DIRECT, kind_group, kinds_in
from .models import PersonPseudonym
from .report import Table, percent

CHUNK = 2000
OUTCOME_FIGURES = (
    "eligible",
    "accepted",
    "consented",
    "held",
    "agreement",
    "fulfilled",
    "restitution_ordered",
    "restitution_paid",
    "hours_ordered",
    "hours_done",
    "checked_6",
    "reoffended_6",
    "checked_12",
    "reoffended_12",
    "checked_24",
    "reoffended_24",
)
COLUMNS = [
    "responsible_party",
    "admits_responsibility",
    "prior_diversions",
    "harmed_parties",
    "age_group",
    "gender",
    "ethnicity",
    "agency",
    "unit",
    "offence_category",
    "partner",
    "conference_kind",
    "conference_kind_group",
    "referred_on",
    "submitted_on",
    "screened_on",
    "referral_status",
    "withdrawn",
    "eligible",
    "eligible_by_policy",
    "override",
    "decline_reason",
    "case_status",
    "return_reason",
    "case_opened_on",
    "first_contact_on",
    "first_conference_on",
    "case_closed_on",
    "consented",
    "conference_held",
    "harmed_party_attended",
    "agreement",
    "agreement_fulfilled",
    "restitution_ordered",
    "restitution_paid",
    "service_hours_ordered",
    "service_hours_done",
    "reoffended_6_months",
    "reoffended_12_months",
    "reoffended_24_months",
    "reoffended_on_days_from_referral",
    "reoffended_on_days_from_closure",
    "followed_up_days_from_closure",
    "reoffences_24_months",
    "itt_eligible",
    "itt_assigned",
    "itt_treated",
    "itt_completed",
]
FULL_COLUMNS = [
    "reference",
    "incident_number",
    "responsible_party_name",
    "responsible_party_born",
    "harmed_party_names",
]
# The harmed parties answered on the promise that their answers are not tied to their names: these
# columns are in the pseudonymised export only, after the outcomes they speak to.
SURVEY_COLUMNS = ["surveys_answered", "satisfaction_scores", "felt_heard", "harm_repaired", "would_recommend"]
SURVEYS_AFTER = "service_hours_done"


def header(*, full: bool) -> list[str]:
    """Return the export's columns: the full export adds names in front and leaves the survey answers out."""
    if full:
        return FULL_COLUMNS + COLUMNS
    at = COLUMNS.index(SURVEYS_AFTER) + 1
    return COLUMNS[:at] + SURVEY_COLUMNS + COLUMNS[at:]


def ensure_pseudonyms(person_ids) -> dict[int, str]:
    """Return the pseudonym of each person, giving a new random one to those who have none yet."""
    known = dict(PersonPseudonym.objects.filter(person_id__in=person_ids).values_list("person_id", "pseudonym"))
    missing = [pk for pk in person_ids if pk not in known]
    if missing:
        PersonPseudonym.objects.bulk_create(
            [PersonPseudonym(person_id=pk, pseudonym=secrets.token_hex(8)) for pk in missing], ignore_conflicts=True
        )
        known.update(PersonPseudonym.objects.filter(person_id__in=missing).values_list("person_id", "pseudonym"))
    return known


def _day(moment) -> str:
    return timezone.localdate(moment).isoformat() if moment else ""


def _yes_no(value) -> str:
    return {True: "yes", False: "no"}.get(value, "")


def _flag(value) -> str:
    """Yes or no, never blank: SQL gives NULL (not false) for a case test on a referral without a case."""
    return _yes_no(bool(value))


def _amount(value) -> Decimal:
    return Decimal(str(value or 0)).quantize(Decimal("0.01"))


def _reoffended(row, months: int) -> str:
    if not row[f"fig_checked_{months}"]:
        return ""
    return _yes_no(bool(row[f"fig_reoffended_{months}"]))


def _blank(value):
    return "" if value is None else value


def _chunks(filters, user):
    """Yield lists of the referrals `user` may see (as dicts) in id order, CHUNK at a time, without an offset."""
    expressions = metrics.figure_expressions()
    referrals = metrics.with_days(metrics.filtered_referrals(filters, referrals_for_user(user))).annotate(
        **{f"fig_{name}": expressions[name] for name in OUTCOME_FIGURES}
    )
    fields = [
        "pk", "reference", "incident_number", "created_at", "submitted_at", "screened_at", "status", "eligible",
        "decline_reason", "case__status", "case__return_reason", "case__opened_at", "case__closed_at",
        "unit__name", "unit__agency__name", "offence_category__name", "dim_partner", "dim_kind",
        "dim_age", "dim_gender", "dim_ethnicity", "first_contact_at", "first_conference_at",
        *(f"fig_{name}" for name in OUTCOME_FIGURES),
    ]  # fmt: skip
    last = 0
    while True:
        chunk = list(referrals.filter(pk__gt=last).order_by("pk").values(*fields)[:CHUNK])
        if not chunk:
            return
        yield chunk
        last = chunk[-1]["pk"]


@dataclass
class _ChunkFacts:
    """What a chunk's rows need beyond the referral itself, each read in one query keyed by referral id."""

    parties: dict[int, dict[str, list[ReferralParty]]]
    pseudonyms: dict[int, str]
    harmed_attended: dict[int, bool]
    checks: dict[int, list[dict]]
    surveys: dict[int, dict[int, dict]]

    @classmethod
    def read(cls, referral_ids, *, full: bool) -> "_ChunkFacts":
        parties = _parties(referral_ids)
        people = {p.person_id for found in parties.values() for role in found.values() for p in role}
        return cls(
            parties=parties,
            pseudonyms=ensure_pseudonyms(sorted(people)),
            harmed_attended=_harmed_attended(referral_ids),
            checks=_answered_checks(referral_ids),
            surveys={} if full else _answered_surveys(referral_ids),
        )


def _parties(referral_ids) -> dict[int, dict[str, list[ReferralParty]]]:
    parties = ReferralParty.objects.filter(
        referral_id__in=referral_ids, role__in=[PartyRole.RESPONSIBLE, PartyRole.HARMED]
    ).select_related("person")
    found = {pk: {PartyRole.RESPONSIBLE: [], PartyRole.HARMED: []} for pk in referral_ids}
    for party in parties.order_by("pk"):
        found[party.referral_id][party.role].append(party)
    return found


def _harmed_attended(referral_ids) -> dict[int, bool]:
    """Whether a harmed party attended one of the case's held direct conferences, for cases that held one.

    Surrogate and shuttle conferences leave the harmed party out by design: a case with only those
    has no answer, rather than "no".
    """
    harmed_there = Participant.objects.filter(conference=OuterRef("pk"), role=Participant.Role.HARMED, attended=True)
    held = (
        Conference.objects.filter(
            case__referral_id__in=referral_ids, status=ConferenceStatus.HELD, kind__in=kinds_in(DIRECT)
        )
        .annotate(harmed_there=Exists(harmed_there))
        .values_list("case__referral_id", "harmed_there")
    )
    found: dict[int, bool] = {}
    for referral_id, attended in held.order_by():
        found[referral_id] = found.get(referral_id, False) or attended
    return found


def _answered_checks(referral_ids) -> dict[int, list[dict]]:
    """The answered reoffending checks, found by referral: a referral declined while eligible has no case."""
    checks = ReoffendingCheck.objects.filter(referral_id__in=referral_ids, reoffended__isnull=False)
    found: dict[int, list[dict]] = {}
    for check in checks.order_by("referral_id", "months").values(
        "referral_id", "months", "due_on", "reoffended_on", "offences"
    ):
        found.setdefault(check["referral_id"], []).append(check)
    return found


def _answered_surveys(referral_ids) -> dict[int, dict[int, dict]]:
    surveys = SatisfactionSurvey.objects.filter(case__referral_id__in=referral_ids, answered_at__isnull=False)
    found: dict[int, dict[int, dict]] = {}
    for survey in surveys.order_by().values(
        "case__referral_id", "person_id", "satisfaction", "felt_heard", "harm_repaired", "would_recommend"
    ):
        found.setdefault(survey["case__referral_id"], {})[survey["person_id"]] = survey
    return found


def _follow_up(row, checks: list[dict]) -> dict:
    """Time to reoffence and time observed, in whole days, for survival analysis with censoring.

    The follow-up begins when the case closed or, for a referral declined while eligible, when it
    was declined (as ReoffendingCheck.followed_from). The offence counts are cumulative (each check
    counts since the follow-up began), so the 24-month figure is the highest count, not their sum.
    """
    referred_on = timezone.localdate(row["created_at"])
    began = _follow_up_began(row)
    reoffended_on = min((c["reoffended_on"] for c in checks if c["reoffended_on"]), default=None)
    counts = [c["offences"] for c in checks if c["months"] <= 24 and c["offences"] is not None]
    latest_due = max((c["due_on"] for c in checks), default=None)
    return {
        "reoffended_on_days_from_referral": (reoffended_on - referred_on).days if reoffended_on else "",
        "reoffended_on_days_from_closure": (reoffended_on - began).days if reoffended_on and began else "",
        "followed_up_days_from_closure": (latest_due - began).days if latest_due and began else "",
        "reoffences_24_months": max(counts) if counts else "",
    }


def _follow_up_began(row):
    """The local day the follow-up began, None while the case is open or for a referral never followed up."""
    if row["fig_accepted"]:
        moment = row["case__closed_at"]
    elif row["status"] == ReferralStatus.DECLINED:
        moment = row["screened_at"]
    else:
        moment = None
    return timezone.localdate(moment) if moment else None


def _survey_answers(harmed: list[ReferralParty], answers: dict[int, dict]) -> dict:
    """The harmed parties' answers, one place per harmed party in the order of `harmed_parties`.

    A place is empty for a party who did not answer (or skipped the question); a column is blank
    when nobody answered.
    """

    def listed(question, shown) -> str:
        if not answers:
            return ""
        values = (answers.get(p.person_id, {}).get(question) for p in harmed)
        return ";".join("" if value is None else shown(value) for value in values)

    return {
        "surveys_answered": len(answers),
        "satisfaction_scores": listed("satisfaction", str),
        "felt_heard": listed("felt_heard", _yes_no),
        "harm_repaired": listed("harm_repaired", _yes_no),
        "would_recommend": listed("would_recommend", _yes_no),
    }


def _values(row, facts: _ChunkFacts, partners: dict[int, str], *, full: bool) -> dict:
    """One referral's row, by column."""
    responsible = facts.parties[row["pk"]][PartyRole.RESPONSIBLE]
    harmed = facts.parties[row["pk"]][PartyRole.HARMED]
    first = responsible[0] if responsible else None
    accepted = row["status"] == ReferralStatus.ACCEPTED
    attended = facts.harmed_attended.get(row["pk"])
    values = {
        "responsible_party": facts.pseudonyms[first.person_id] if first else "",
        "admits_responsibility": _yes_no(first.admits_responsibility) if first else "",
        "prior_diversions": _blank(first.prior_diversions) if first else "",
        "harmed_parties": ";".join(facts.pseudonyms[p.person_id] for p in harmed),
        "age_group": row["dim_age"],
        "gender": row["dim_gender"],
        "ethnicity": row["dim_ethnicity"],
        "agency": row["unit__agency__name"],
        "unit": row["unit__name"],
        "offence_category": row["offence_category__name"],
        "partner": partners.get(row["dim_partner"], ""),
        "conference_kind": row["dim_kind"],
        "conference_kind_group": kind_group(row["dim_kind"]),
        "referred_on": _day(row["created_at"]),
        "submitted_on": _day(row["submitted_at"]),
        "screened_on": _day(row["screened_at"]),
        "referral_status": row["status"],
        "withdrawn": _flag(row["status"] == ReferralStatus.WITHDRAWN),
        "eligible": _flag(row["fig_eligible"]),
        "eligible_by_policy": _yes_no(row["eligible"]),
        # Accepted without the policy's yes: acceptance allows that only with a written justification.
        "override": _flag(accepted and row["eligible"] is not True),
        "decline_reason": row["decline_reason"],
        "case_status": row["case__status"] or "",
        "return_reason": row["case__return_reason"] or "",
        "case_opened_on": _day(row["case__opened_at"]),
        "first_contact_on": _day(row["first_contact_at"]),
        "first_conference_on": _day(row["first_conference_at"]),
        "case_closed_on": _day(row["case__closed_at"]),
        "consented": _flag(row["fig_consented"]),
        "conference_held": _flag(row["fig_held"]),
        "harmed_party_attended": "" if attended is None else _yes_no(attended),
        "agreement": _flag(row["fig_agreement"]),
        "agreement_fulfilled": _flag(row["fig_fulfilled"]),
        "restitution_ordered": _amount(row["fig_restitution_ordered"]),
        "restitution_paid": _amount(row["fig_restitution_paid"]),
        "service_hours_ordered": _amount(row["fig_hours_ordered"]),
        "service_hours_done": _amount(row["fig_hours_done"]),
        "reoffended_6_months": _reoffended(row, 6),
        "reoffended_12_months": _reoffended(row, 12),
        "reoffended_24_months": _reoffended(row, 24),
        **_follow_up(row, facts.checks.get(row["pk"], [])),
        "itt_eligible": _flag(row["fig_eligible"]),
        "itt_assigned": _flag(row["fig_accepted"]),
        "itt_treated": _flag(row["fig_held"]),
        "itt_completed": _flag(row["fig_fulfilled"]),
    }
    if full:
        person = first.person if first else None
        values.update(
            reference=row["reference"],
            incident_number=row["incident_number"],
            responsible_party_name=person.display_name if person else "",
            responsible_party_born=person.date_of_birth.isoformat() if person and person.date_of_birth else "",
            harmed_party_names=";".join(p.person.display_name for p in harmed),
        )
    else:
        values.update(_survey_answers(harmed, facts.surveys.get(row["pk"], {})))
    return values


def rows(filters, *, full: bool, user):
    """Yield the header, then one list of values per referral."""
    columns = header(full=full)
    yield columns
    partners = dict(Partner.objects.values_list("pk", "name"))
    for chunk in _chunks(filters, user):
        facts = _ChunkFacts.read([row["pk"] for row in chunk], full=full)
        for row in chunk:
            values = _values(row, facts, partners, full=full)
            yield [_safe(values[column]) for column in columns]


def _safe(value):
    """Keep a spreadsheet from reading a value as a formula (a name could start with "=")."""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@"):
        return "'" + value
    return value


def _filename(filters, full: bool, extension: str) -> str:
    kind = "full" if full else "pseudonymised"
    return f"rj-cases-{kind}-{filters.start:%Y-%m}-to-{filters.end:%Y-%m}.{extension}"


class _Echo:
    def write(self, value):
        return value


def _audit_export(filters, *, full: bool, fmt: str) -> None:
    detail = f"{'full' if full else 'pseudonymised'} {fmt} export {filters.cache_key()}"
    record_audit(action=AuditEntry.Action.EXPORT, detail=detail)


def csv_response(filters, *, full: bool, user) -> StreamingHttpResponse:
    """Stream the export as CSV: rows are written as they are read, never held all at once."""
    _audit_export(filters, full=full, fmt="csv")
    return _csv_file(rows(filters, full=full, user=user), _filename(filters, full, "csv"))


def xlsx_response(filters, *, full: bool, user) -> FileResponse:
    _audit_export(filters, full=full, fmt="xlsx")
    return _xlsx_file(rows(filters, full=full, user=user), "cases", _filename(filters, full, "xlsx"))


def training_response(*, fmt: str, user):
    """Send the training record as CSV or XLSX, audited as every export is."""
    record_audit(action=AuditEntry.Action.EXPORT, detail=f"training record {fmt} export")
    filename = f"rj-training-record-{timezone.localdate():%Y-%m-%d}.{fmt}"
    if fmt == "xlsx":
        return _xlsx_file(training_rows(user=user), "training", filename)
    return _csv_file(training_rows(user=user), filename)


def _csv_file(lines, filename: str) -> StreamingHttpResponse:
    writer = csv.writer(_Echo())
    response = StreamingHttpResponse((writer.writerow(r) for r in lines), content_type="text/csv")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def _xlsx_file(lines, sheet_name: str, filename: str) -> FileResponse:
    """Write rows as XLSX in constant memory to a temporary file, then send the file."""
    output = tempfile.TemporaryFile()  # noqa: SIM115 (FileResponse closes it once sent)
    workbook = xlsxwriter.Workbook(output, {"constant_memory": True, "tmpdir": tempfile.gettempdir()})
    sheet = workbook.add_worksheet(sheet_name)
    for row_number, values in enumerate(lines):
        for column, value in enumerate(values):
            if isinstance(value, str):
                sheet.write_string(row_number, column, value)
            else:
                sheet.write_number(row_number, column, float(value))
    workbook.close()
    output.seek(0)
    return FileResponse(output, as_attachment=True, filename=filename)


# The training record, for funders: staff appear by account id, role and unit or partner, as the
# case export names no one (see docs/dashboard.md).

TRAINING_COLUMNS = [
    "staff_id",
    "role",
    "agency",
    "unit",
    "partner",
    "record",
    "course",
    "course_kind",
    "hours",
    "completed_on",
    "result",
    "accreditation_kind",
    "accreditation_level",
    "accreditation_status",
    "granted_on",
    "expires_on",
]


def _staff(user) -> list:
    unit = user.unit
    return [
        user.pk,
        user.get_role_display(),
        unit.agency.name if unit else "",
        unit.name if unit else "",
        user.partner.name if user.partner_id else "",
    ]


def _accreditation_status(accreditation, today) -> str:
    """Lapsed from its expiry day, whether or not the daily task has marked it yet."""
    if accreditation.status == AccreditationStatus.CURRENT and accreditation.expires_on <= today:
        return AccreditationStatus.LAPSED.label
    return accreditation.get_status_display()


def training_rows(*, user):
    """Yield the header, then per person (by id) each course they passed and each accreditation they hold."""
    yield TRAINING_COLUMNS
    today = timezone.localdate()
    people = trainees_for_user(user)
    passes = (
        Attendance.objects.passed()
        .filter(user__in=people)
        .select_related("course", "user__unit__agency", "user__partner")
        .order_by("user_id", "completed_on", "pk")
    )
    accreditations = (
        Accreditation.objects.filter(facilitator__in=people)
        .select_related("facilitator__unit__agency", "facilitator__partner")
        .order_by("facilitator_id", "conference_kind", "pk")
    )
    course_rows = (
        (
            (a.user_id, 0),
            [
                *_staff(a.user),
                "course",
                a.course.title,
                a.course.get_kind_display(),
                a.course.hours,
                a.completed_on.isoformat(),
                a.get_result_display(),
                *[""] * 5,
            ],
        )
        for a in passes
    )
    accreditation_rows = (
        (
            (a.facilitator_id, 1),
            [
                *_staff(a.facilitator),
                "accreditation",
                *[""] * 5,
                a.get_conference_kind_display(),
                a.get_level_display(),
                _accreditation_status(a, today),
                a.granted_on.isoformat(),
                a.expires_on.isoformat(),
            ],
        )
        for a in accreditations
    )
    for _, values in heapq.merge(course_rows, accreditation_rows, key=lambda row: row[0]):
        yield [_safe(value) for value in values]


# The dashboard's figures as they are shown: every table of the view, one row per cell, with the
# rate's 95 % interval in columns of their own (percent for a rate, the ratio for a relative rate
# index), so that an evaluator can quote them.

FIGURE_COLUMNS = ["section", "table", "row", "column", "value", "interval_low", "interval_high", "differs"]


def _tables(found):
    """Yield every table in a section, however deep its dicts and lists keep them."""
    if isinstance(found, Table):
        yield found
    elif isinstance(found, dict):
        for value in found.values():
            yield from _tables(value)
    elif isinstance(found, list | tuple):
        for value in found:
            yield from _tables(value)


def figure_rows(sections: dict):
    yield FIGURE_COLUMNS
    for section, content in sections.items():
        for table in _tables(content):
            for label, cells in table.rows:
                for header, cell in zip(table.headers, cells, strict=True):
                    low, high = cell.bounds
                    values = [section, table.caption, label, header, cell.text, low, high, _yes_no(cell.flagged)]
                    yield [_safe(value) for value in values]


def survival_rows(histograms: dict):
    """The share reoffended by 6, 12 and 24 months of each cohort and origin, with its 95 % interval."""
    origins, cohorts = {key: label for key, label, _ in survival.ORIGINS}, dict(survival.COHORTS)
    for origin, by_cohort in histograms.items():
        for cohort, counts in by_cohort.items():
            curve = survival.kaplan_meier(counts["events"], counts["censored"])
            for day in survival.SURVIVAL_TIMES:
                still = curve.survival_at(day) if curve else None
                interval = curve.interval_at(day) if curve else None
                low, high = (
                    (f"{(1 - interval[1]) * 100:.1f}", f"{(1 - interval[0]) * 100:.1f}") if interval else ("", "")
                )
                months = round(day / 30.42)
                values = [
                    "survival",
                    f"Time to reoffence, {origins[origin].lower()}",
                    cohorts[cohort],
                    f"Reoffended by {months} months",
                    percent(None if still is None else 1 - still),
                    low,
                    high,
                    "",
                ]
                yield [_safe(value) for value in values]


def figures_response(filters, sections: dict, histograms: dict) -> StreamingHttpResponse:
    record_audit(action=AuditEntry.Action.EXPORT, detail=f"dashboard figures csv export {filters.cache_key()}")
    filename = f"rj-cases-figures-{filters.start:%Y-%m}-to-{filters.end:%Y-%m}.csv"
    return _csv_file(itertools.chain(figure_rows(sections), survival_rows(histograms)), filename)
