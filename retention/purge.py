"""Purging personal data per the retention schedule (DESIGN.md, data protection 6).

A record past its retention keeps its rows, ids, statuses, dates, codes, counts and amounts, so
that the dashboard's figures stay as they were; what goes is what names or describes a person:
names, dates of birth (the age group on the incident date is kept on each party), contact details
(and the details typed onto referrals for someone on record), everything people wrote (notes,
descriptions, reasons, timeline summaries, survey comments, exchange statements), the same in the
history tables, planned reminders and the export pseudonyms. The audit log is never
touched: it holds ids and codes only.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import transaction
from django.db.models import Case as DbCase
from django.db.models import Exists, F, Max, OuterRef, Q, Value, When
from django.db.models.functions import Coalesce
from django.utils import timezone

from cases.models import (
    Assessment,
    Case,
    CaseEvent,
    CaseNote,
    CaseStatus,
    Consent,
    ContactAttempt,
    ReoffendingCheck,
    SatisfactionSurvey,
)
from conferences.models import Agreement, AgreementItem, Conference, Exchange, ExchangeMember, Participant, Statement
from people.audit import record_audit
from people.models import AuditEntry, ContactDetails, Person, PersonMerge
from referrals.models import ContactUpdate, Referral, ReferralEvent, ReferralParty, ReferralStatus
from reminders.models import Reminder
from reporting.models import PersonPseudonym
from rjcases.api.idempotency import purge_expired_records

from .models import RetentionSettings, Seal

PURGED = "Purged"
PURGED_LINK = "https://purged.invalid/"
BATCH = 500


def _neutral(field: str, placeholder: str):
    """Return an update expression: empty stays empty, anything else becomes the placeholder."""
    return DbCase(When(**{field: ""}, then=Value("")), default=Value(placeholder))


# Per model: how to reach its record's referral, and the fields holding what people wrote or said,
# with what they become. tests/retention plants a canary in every text field of a record and
# fails on any field left out here.
FREE_TEXT = [
    (
        Referral,
        "pk",
        {
            "incident_number": "",
            "incident_place": "",
            "description": "",
            "harm_description": "",
            "info_request": "",
            "info_response": "",
            "override_justification": "",
            "eligibility_results": [],
        },
    ),
    (ReferralEvent, "referral", {"reason": ""}),
    (Case, "referral", {"closing_note": ""}),
    (CaseEvent, "case__referral", {"summary": "", "reason": ""}),
    (ContactAttempt, "case__referral", {"note": ""}),
    (Consent, "case__referral", {"withdrawal_reason": ""}),
    (Assessment, "case__referral", {"notes": ""}),
    (CaseNote, "case__referral", {"text": ""}),
    (ReoffendingCheck, "referral", {"note": ""}),
    (SatisfactionSurvey, "case__referral", {"comment": "", "token_hash": None}),
    (
        Conference,
        "case__referral",
        {
            # A conference keeps having a place (its check constraint), if no longer which.
            "address": _neutral("address", PURGED),
            "meeting_link": _neutral("meeting_link", PURGED_LINK),
            "notes": "",
            "cancel_reason": "",
        },
    ),
    (
        Participant,
        "conference__case__referral",
        {"name": _neutral("name", PURGED), "answer_note": "", "link_hash": "", "link_expires_at": None},
    ),
    (Exchange, "case__referral", {"close_reason": ""}),
    (ExchangeMember, "exchange__case__referral", {"link_hash": "", "link_expires_at": None}),
    (Statement, "member__exchange__case__referral", {"prompt": "", "text": "", "shared_text": ""}),
    (Agreement, "case__referral", {"summary": "", "renegotiation_reason": ""}),
    (AgreementItem, "agreement__case__referral", {"description": "", "status_note": ""}),
    (Seal, "referral", {"unseal_reason": _neutral("unseal_reason", PURGED)}),  # a lifted seal keeps a reason
]


@dataclass(frozen=True)
class PurgeReport:
    referrals: int = 0
    cases: int = 0
    people: int = 0

    def __add__(self, other: "PurgeReport") -> "PurgeReport":
        return PurgeReport(self.referrals + other.referrals, self.cases + other.cases, self.people + other.people)

    def __str__(self):
        return f"referrals={self.referrals} cases={self.cases} people={self.people}"


def records_due_for_purge(*, now: datetime | None = None) -> list[int]:
    """Return the ids of the referrals whose record is past its retention and not yet purged.

    Declined and withdrawn referrals: `declined_referral_days` after their last move. Cases that
    completed, were returned or closed without a conference: `closed_case_days` after they closed.
    Open referrals and open cases are never purged.
    """
    now = now or timezone.now()
    settings = RetentionSettings.current()
    unpurged = Referral.objects.filter(purged_at__isnull=True).order_by()
    declined = (
        unpurged.filter(status__in=(ReferralStatus.DECLINED, ReferralStatus.WITHDRAWN))
        .annotate(closed=Coalesce(Max("events__created_at"), F("screened_at"), F("created_at")))
        .filter(closed__lte=now - timedelta(days=settings.declined_referral_days))
    )
    closed = unpurged.filter(
        case__status__in=(CaseStatus.COMPLETED, CaseStatus.RETURNED, CaseStatus.CLOSED_NO_CONFERENCE),
        case__closed_at__lte=now - timedelta(days=settings.closed_case_days),
    )
    return sorted(set(declined.values_list("pk", flat=True)) | set(closed.values_list("pk", flat=True)))


def purge_due_records(*, now: datetime | None = None) -> PurgeReport:
    """Purge every record past its retention, BATCH records a transaction; audit the run once."""
    due = records_due_for_purge(now=now)
    report = PurgeReport()
    for start in range(0, len(due), BATCH):
        report += purge_records(referral_ids=due[start : start + BATCH])
    # The stored API replies are kept a day for retries; none of a purged record is still of use.
    purge_expired_records()
    record_audit(None, AuditEntry.Action.PURGE, None, detail=str(report))
    return report


def purge_records(*, referral_ids: list[int]) -> PurgeReport:
    """Purge the personal data of these referrals' records and of people on no other record."""
    now = timezone.now()
    with transaction.atomic():
        referral_ids = list(
            Referral.objects.select_for_update()
            .filter(pk__in=referral_ids, purged_at__isnull=True)
            .values_list("pk", flat=True)
        )
        if not referral_ids:
            return PurgeReport()
        _keep_age_groups(referral_ids)
        for model, path, blanks in FREE_TEXT:
            _blank(model, {f"{path}__in": referral_ids}, blanks)
        Referral.objects.filter(pk__in=referral_ids).update(purged_at=now)
        Reminder.objects.filter(
            Q(referral__in=referral_ids)
            | Q(case__referral__in=referral_ids)
            | Q(conference__case__referral__in=referral_ids)
            | Q(item__agreement__case__referral__in=referral_ids)
        ).delete()
        ContactUpdate.objects.filter(referral__in=referral_ids).delete()  # details typed onto the referral
        cases = Case.objects.filter(referral__in=referral_ids).count()
        people = _purge_people(referral_ids, now=now)
    return PurgeReport(referrals=len(referral_ids), cases=cases, people=people)


def _blank(model, where: dict, blanks: dict) -> None:
    """Empty the fields on the rows `where` selects, and on their rows in the history table."""
    rows = model.objects.filter(**where)
    history = getattr(model, "history", None)
    if history is not None:
        names = {f.name for f in history.model._meta.fields}
        kept = {name: value for name, value in blanks.items() if name in names}
        history.model.objects.filter(id__in=rows.values("pk")).update(**kept, history_change_reason="")
    rows.update(**blanks)


def _keep_age_groups(referral_ids: list[int]) -> None:
    """Store each party's age group on the incident date, as the dashboard counts it, before the
    date of birth goes."""
    groups = {"juvenile": [], "adult": [], "unknown": []}
    parties = ReferralParty.objects.filter(referral__in=referral_ids, age_group="").values_list(
        "pk", "person__kind", "person__date_of_birth", "referral__incident_date"
    )
    for pk, kind, born, incident_date in parties:
        if born is None or kind != Person.Kind.INDIVIDUAL:
            groups["unknown"].append(pk)
        else:
            person = Person(kind=kind, date_of_birth=born)
            groups["juvenile" if person.is_juvenile_on(incident_date) else "adult"].append(pk)
    for group, pks in groups.items():
        ReferralParty.objects.filter(pk__in=pks).update(age_group=group)


def _purge_people(referral_ids: list[int], *, now) -> int:
    """Purge the people on these records who are on no record still kept."""
    kept_record = ReferralParty.objects.filter(person=OuterRef("pk"), referral__purged_at__isnull=True)
    people = list(
        Person.objects.filter(referral_roles__referral__in=referral_ids, purged_at__isnull=True)
        .exclude(Exists(kept_record))
        .values_list("pk", flat=True)
        .distinct()
    )
    # A duplicate merged into one of them is the same individual, with nothing pointing at it.
    merged = PersonMerge.objects.filter(kept__in=people, reversed_at__isnull=True, merged__purged_at__isnull=True)
    people += list(merged.values_list("merged", flat=True))
    if not people:
        return 0
    individual = {"first_name": "", "last_name": PURGED, "organisation_name": "", "date_of_birth": None}
    organisation = {"first_name": "", "last_name": "", "organisation_name": PURGED, "date_of_birth": None}
    history = Person.history.model.objects.filter(id__in=people)
    history.filter(kind=Person.Kind.INDIVIDUAL).update(**individual, history_change_reason="")
    history.exclude(kind=Person.Kind.INDIVIDUAL).update(**organisation, history_change_reason="")
    found = Person.objects.filter(pk__in=people)
    found.filter(kind=Person.Kind.INDIVIDUAL).update(**individual, purged_at=now)
    found.exclude(kind=Person.Kind.INDIVIDUAL).update(**organisation, purged_at=now)
    ContactDetails.objects.filter(person__in=people).delete()
    # After the rows: deleting them writes one more history row, with the details in it.
    ContactDetails.history.model.objects.filter(person_id__in=people).delete()
    ContactUpdate.objects.filter(person__in=people).delete()
    Reminder.objects.filter(recipient_person__in=people).delete()
    PersonPseudonym.objects.filter(person__in=people).delete()
    return len(people)
