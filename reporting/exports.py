"""Evaluation exports: one row per referral with its stages, dates and outcomes, as CSV or XLSX;
and the training record, one row per person and course passed or accreditation held.

Pseudonymised by default: people appear as stable random pseudonyms, dates of birth as age groups,
and there are no names, contact details or free text. The full export (administrators only) adds
the references and the parties' names and dates of birth; contact details are never exported.
"""

import csv
import heapq
import secrets
import tempfile
from decimal import Decimal

import xlsxwriter
from django.http import FileResponse, StreamingHttpResponse
from django.utils import timezone

from people.audit import record_audit
from people.models import AuditEntry, Partner
from referrals.models import PartyRole, ReferralParty
from referrals.permissions import referrals_for_user
from training.models import Accreditation, AccreditationStatus, Attendance
from training.permissions import trainees_for_user

from . import metrics
from .models import PersonPseudonym

CHUNK = 2000
OUTCOME_FIGURES = (
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
    "harmed_parties",
    "age_group",
    "gender",
    "ethnicity",
    "agency",
    "unit",
    "offence_category",
    "partner",
    "conference_kind",
    "referred_on",
    "submitted_on",
    "screened_on",
    "referral_status",
    "eligible",
    "decline_reason",
    "case_status",
    "return_reason",
    "case_opened_on",
    "first_contact_on",
    "first_conference_on",
    "case_closed_on",
    "consented",
    "conference_held",
    "agreement",
    "agreement_fulfilled",
    "restitution_ordered",
    "restitution_paid",
    "service_hours_ordered",
    "service_hours_done",
    "reoffended_6_months",
    "reoffended_12_months",
    "reoffended_24_months",
]
FULL_COLUMNS = [
    "reference",
    "incident_number",
    "responsible_party_name",
    "responsible_party_born",
    "harmed_party_names",
]


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


def _amount(value) -> Decimal:
    return Decimal(str(value or 0)).quantize(Decimal("0.01"))


def _reoffended(row, months: int) -> str:
    if not row[f"fig_checked_{months}"]:
        return ""
    return _yes_no(bool(row[f"fig_reoffended_{months}"]))


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


def _parties(referral_ids) -> dict[int, dict[str, list]]:
    parties = ReferralParty.objects.filter(
        referral_id__in=referral_ids, role__in=[PartyRole.RESPONSIBLE, PartyRole.HARMED]
    ).select_related("person")
    found = {pk: {PartyRole.RESPONSIBLE: [], PartyRole.HARMED: []} for pk in referral_ids}
    for party in parties.order_by("pk"):
        found[party.referral_id][party.role].append(party.person)
    return found


def rows(filters, *, full: bool, user):
    """Yield the header, then one list of values per referral."""
    yield (FULL_COLUMNS if full else []) + COLUMNS
    partners = dict(Partner.objects.values_list("pk", "name"))
    for chunk in _chunks(filters, user):
        parties = _parties([row["pk"] for row in chunk])
        people = {p.pk for found in parties.values() for persons in found.values() for p in persons}
        pseudonyms = ensure_pseudonyms(sorted(people))
        for row in chunk:
            responsible = parties[row["pk"]][PartyRole.RESPONSIBLE]
            harmed = parties[row["pk"]][PartyRole.HARMED]
            values = [
                pseudonyms[responsible[0].pk] if responsible else "",
                ";".join(pseudonyms[p.pk] for p in harmed),
                row["dim_age"], row["dim_gender"], row["dim_ethnicity"],
                row["unit__agency__name"], row["unit__name"], row["offence_category__name"],
                partners.get(row["dim_partner"], ""), row["dim_kind"],
                _day(row["created_at"]), _day(row["submitted_at"]), _day(row["screened_at"]),
                row["status"], _yes_no(row["eligible"]), row["decline_reason"],
                row["case__status"] or "", row["case__return_reason"] or "",
                _day(row["case__opened_at"]), _day(row["first_contact_at"]), _day(row["first_conference_at"]),
                _day(row["case__closed_at"]),
                _yes_no(row["fig_consented"]), _yes_no(row["fig_held"]), _yes_no(row["fig_agreement"]),
                _yes_no(row["fig_fulfilled"]),
                _amount(row["fig_restitution_ordered"]), _amount(row["fig_restitution_paid"]),
                _amount(row["fig_hours_ordered"]), _amount(row["fig_hours_done"]),
                _reoffended(row, 6), _reoffended(row, 12), _reoffended(row, 24),
            ]  # fmt: skip
            if full:
                first = responsible[0] if responsible else None
                values = [
                    row["reference"],
                    row["incident_number"],
                    first.display_name if first else "",
                    first.date_of_birth.isoformat() if first and first.date_of_birth else "",
                    ";".join(p.display_name for p in harmed),
                    *values,
                ]
            yield [_safe(value) for value in values]


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
