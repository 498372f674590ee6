"""What each dashboard figure counts, defined once as ORM expressions on referrals.

The drill-down lists, the exports and the recount of check_dashboard all use these definitions;
the rollup (rollup.py) computes the same figures in its own SQL, and check_dashboard compares them.
The unit counted is the referral (a referral opens at most one case); see docs/dashboard.md.
"""

from datetime import date, datetime, timedelta

from django.conf import settings
from django.db import models
from django.db.models import (
    BooleanField,
    Count,
    DecimalField,
    Exists,
    ExpressionWrapper,
    F,
    IntegerField,
    OuterRef,
    Q,
    Subquery,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Coalesce, ExtractDay, ExtractMonth, ExtractYear
from django.utils import timezone

from cases.models import (
    OPEN_CASE_STATUSES,
    CaseStatus,
    Consent,
    ConsentPurpose,
    ContactAttempt,
    ReoffendingCheck,
    SatisfactionSurvey,
)
from conferences.models import Agreement as AgreementModel
from conferences.models import AgreementItem, Conference, ConferenceStatus, ItemKind, Participant, Payment, ServiceHours
from referrals.models import DeclineReason, PartyRole, Referral, ReferralParty, ReferralStatus
from rjcases.timings import ReminderSettings

from .kinds import DIRECT, INDIRECT, SURROGATE, kinds_in
from .models import FIGURES

CASE = OuterRef("case__id")
MONEY = DecimalField(max_digits=14, decimal_places=2)


def _flag(condition) -> ExpressionWrapper:
    return ExpressionWrapper(condition, output_field=BooleanField())


def _exists(queryset) -> Exists:
    return Exists(queryset)


def _count(queryset, group: str) -> Coalesce:
    """Count the rows of a correlated `queryset`, grouped by the field that ties it to the case."""
    counted = queryset.order_by().values(group).annotate(n=Count("pk")).values("n")
    return Coalesce(Subquery(counted, output_field=IntegerField()), 0)


def _sum(queryset, group: str, field: str) -> Coalesce:
    summed = queryset.order_by().values(group).annotate(total=Sum(field)).values("total")
    return Coalesce(Subquery(summed, output_field=MONEY), Value(0), output_field=MONEY)


def _current_items(kind=None):
    items = AgreementItem.objects.filter(agreement__case=CASE, agreement__superseded_at__isnull=True)
    return items.filter(kind=kind) if kind else items


def _held(group: str):
    """The case's held conferences of one group of kinds (direct, surrogate, indirect)."""
    return Conference.objects.filter(case=CASE, status=ConferenceStatus.HELD, kind__in=kinds_in(group))


def _reparation(kind: str, ledger, field: str):
    """What a case's agreement ordered and what was done of it, over every version of the agreement.

    Done: every payment (or hour) recorded, on whichever version it was made. Ordered: the current
    version's amounts, plus what was done under the versions it replaced, so that money paid
    before a renegotiation counts as both ordered and paid.
    """
    done_all = ledger.objects.filter(item__agreement__case=CASE, item__kind=kind)
    done_earlier = done_all.filter(item__agreement__superseded_at__isnull=False)
    ordered = ExpressionWrapper(
        _sum(_current_items(kind), "agreement__case", field) + _sum(done_earlier, "item__agreement__case", field),
        output_field=MONEY,
    )
    return ordered, _sum(done_all, "item__agreement__case", field)


def _answered_surveys(**answers):
    return SatisfactionSurvey.objects.filter(case=CASE, answered_at__isnull=False, **answers)


def figure_expressions(now: datetime | None = None) -> dict:
    """Return, for each figure, the expression that gives one referral's share of it."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    stalled_before = now - timedelta(days=ReminderSettings.current().stalled_facilitator_days)
    status = "case__status"
    responsible_consent = Consent.objects.filter(
        case=CASE,
        purpose=ConsentPurpose.CONFERENCE,
        person__referral_roles__referral=OuterRef("pk"),
        person__referral_roles__role=PartyRole.RESPONSIBLE,
    )
    restitution_ordered, restitution_paid = _reparation(ItemKind.RESTITUTION, Payment, "amount")
    hours_ordered, hours_done = _reparation(ItemKind.COMMUNITY_SERVICE, ServiceHours, "hours")
    expressions = {
        "referred": _flag(Q(submitted_at__isnull=False)),
        "withdrawn": _flag(Q(status=ReferralStatus.WITHDRAWN)),
        "eligible": _flag(Q(status=ReferralStatus.ACCEPTED) | Q(eligible=True)),
        "accepted": _flag(Q(case__isnull=False)),
        "consented": _exists(responsible_consent),
        "held": _exists(Conference.objects.filter(case=CASE, status=ConferenceStatus.HELD)),
        # Each case held is in one group: direct if any conference held was direct, else surrogate, else indirect.
        "held_direct": _exists(_held(DIRECT)),
        "held_surrogate": _flag(~Exists(_held(DIRECT)) & Exists(_held(SURROGATE))),
        "held_indirect": _flag(~Exists(_held(DIRECT)) & ~Exists(_held(SURROGATE)) & Exists(_held(INDIRECT))),
        "agreement": _exists(AgreementModel.objects.filter(case=CASE)),
        "fulfilled": _flag(Q(**{status: CaseStatus.COMPLETED})),
        "declined": _flag(Q(status=ReferralStatus.DECLINED)),
        "returned": _flag(Q(**{status: CaseStatus.RETURNED})),
        "closed_no_conference": _flag(Q(**{status: CaseStatus.CLOSED_NO_CONFERENCE})),
        "stalled": _flag(Q(**{f"{status}__in": OPEN_CASE_STATUSES, "case__last_activity_at__lt": stalled_before})),
        "overdue_cases": _exists(AgreementItem.objects.overdue(today).filter(agreement__case=CASE)),
        "overdue_items": _count(AgreementItem.objects.overdue(today).filter(agreement__case=CASE), "agreement__case"),
        # Only where the kind includes them: a surrogate or shuttle conference leaves them out by design.
        "harmed_attended": _exists(
            Participant.objects.filter(
                conference__case=CASE,
                conference__status=ConferenceStatus.HELD,
                conference__kind__in=kinds_in(DIRECT),
                role=Participant.Role.HARMED,
                attended=True,
            )
        ),
        "restitution_ordered": restitution_ordered,
        "restitution_paid": restitution_paid,
        "hours_ordered": hours_ordered,
        "hours_done": hours_done,
        "surveys_sent": _count(SatisfactionSurvey.objects.filter(case=CASE, sent_at__isnull=False), "case"),
        "surveys_answered": _count(_answered_surveys(), "case"),
        "satisfaction_total": _sum(_answered_surveys(), "case", "satisfaction"),
        "satisfied": _count(_answered_surveys(satisfaction__gte=4), "case"),
        "felt_heard": _count(_answered_surveys(felt_heard=True), "case"),
        "harm_repaired": _count(_answered_surveys(harm_repaired=True), "case"),
        "would_recommend": _count(_answered_surveys(would_recommend=True), "case"),
    }
    for reason in DeclineReason.values:
        expressions[f"declined_{reason}"] = _flag(Q(status=ReferralStatus.DECLINED, decline_reason=reason))
    for reason in ("withdrew_consent", "no_contact", "non_compliance", "re_arrest", "other"):
        expressions[f"returned_{reason}"] = _flag(Q(**{status: CaseStatus.RETURNED, "case__return_reason": reason}))
    for stage in OPEN_CASE_STATUSES:
        expressions[f"open_{stage}"] = _flag(Q(**{status: stage}))
    for months in (6, 12, 24):
        checks = ReoffendingCheck.objects.filter(case=CASE, months=months)
        expressions[f"checked_{months}"] = _exists(checks.filter(reoffended__isnull=False))
        expressions[f"reoffended_{months}"] = _exists(checks.filter(reoffended=True))
    assert set(expressions) == set(FIGURES), "every figure has exactly one definition"
    return expressions


def _responsible(field: str) -> Subquery:
    """The referral's first responsible party's `field` (person__...)."""
    parties = ReferralParty.objects.filter(referral=OuterRef("pk"), role=PartyRole.RESPONSIBLE).order_by("pk")
    return Subquery(parties.values(field)[:1])


def with_dimensions(referrals):
    """Annotate what the filters and breakdowns look at: partner, conference kind, age group, gender, ethnicity.

    Partner: the partner of the first item (with one) of the case's current agreement.
    Conference kind: the kind of the case's latest conference that was not cancelled.
    Age group: of the first responsible party, on the incident date (kept on the party when the
    date of birth was purged).
    """
    first_partner = _current_items().filter(partner__isnull=False).order_by("pk").values("partner")[:1]
    latest_kind = (
        Conference.objects.filter(case=CASE)
        .exclude(status=ConferenceStatus.CANCELLED)
        .order_by("-starts_at", "-pk")
        .values("kind")[:1]
    )
    referrals = referrals.annotate(
        dim_partner=Subquery(first_partner),
        dim_kind=Coalesce(Subquery(latest_kind), Value("")),
        born=_responsible("person__date_of_birth"),
        kept_age=_responsible("age_group"),
        party_kind=_responsible("person__kind"),
        dim_gender=Coalesce(_responsible("person__gender"), Value("not_stated")),
        dim_ethnicity=Coalesce(_responsible("person__ethnicity"), Value("not_stated")),
        dim_officer=F("referring_officer_id"),
        dim_facilitator=F("case__facilitator_id"),
    )
    birthday_to_come = Q(incident_md__lt=F("born_md"))
    referrals = referrals.annotate(
        incident_md=ExtractMonth("incident_date") * 100 + ExtractDay("incident_date"),
        born_md=ExtractMonth("born") * 100 + ExtractDay("born"),
    ).annotate(
        age=ExtractYear("incident_date")
        - ExtractYear("born")
        - models.Case(When(birthday_to_come, then=Value(1)), default=Value(0), output_field=IntegerField())
    )
    return referrals.annotate(
        dim_age=models.Case(
            When(Q(kept_age__isnull=False) & ~Q(kept_age=""), then=F("kept_age")),
            When(Q(born__isnull=True) | ~Q(party_kind="individual"), then=Value("unknown")),
            When(age__lt=settings.JUVENILE_AGE, then=Value("juvenile")),
            default=Value("adult"),
        )
    )


def with_days(referrals):
    """Annotate when the first contact and the first conference held happened."""
    first_contact = ContactAttempt.objects.filter(case=CASE).order_by("contacted_at").values("contacted_at")[:1]
    first_held = (
        Conference.objects.filter(case=CASE, status=ConferenceStatus.HELD).order_by("starts_at").values("starts_at")[:1]
    )
    return referrals.annotate(first_contact_at=Subquery(first_contact), first_conference_at=Subquery(first_held))


def with_follow_up(referrals):
    """Annotate the reoffending follow-up of each referral, case or not (a referral declined while
    eligible is followed up too): the first reoffence recorded (its date, else the due date of the
    check that recorded it) and the due date of the last check answered."""
    checks = ReoffendingCheck.objects.filter(referral=OuterRef("pk")).order_by().values("referral")
    first_event = (
        checks.filter(reoffended=True).annotate(day=models.Min(Coalesce("reoffended_on", "due_on"))).values("day")
    )
    last_seen = checks.filter(reoffended__isnull=False).annotate(day=models.Max("due_on")).values("day")
    return referrals.annotate(
        fu_event_on=Subquery(first_event, output_field=models.DateField()),
        fu_last_on=Subquery(last_seen, output_field=models.DateField()),
    )


SURVIVAL_COHORTS = ("completed", "returned", "declined_eligible")
SURVIVAL_ORIGINS = ("referral", "closure")


def survival_cohort(*, referral_status: str, eligible: bool | None, case_status: str | None) -> str | None:
    """The cohort of time to reoffence a referral is in: its case completed, returned, or (without a
    case) declined although eligible: the comparison group. None for any other referral."""
    if case_status in (CaseStatus.COMPLETED, CaseStatus.RETURNED):
        return str(case_status)
    if case_status is None and referral_status == ReferralStatus.DECLINED and eligible:
        return "declined_eligible"
    return None


def days_between(start: datetime, end: datetime | None) -> int | None:
    """Whole calendar days (local time) from `start` to `end`."""
    if end is None:
        return None
    return (timezone.localdate(end) - timezone.localdate(start)).days


def month_start(day: date) -> datetime:
    """Return local midnight of the first day of `day`'s month, as an aware datetime."""
    return timezone.make_aware(datetime(day.year, day.month, 1))


def filtered_referrals(filters, base=None):
    """Return the referred referrals the dashboard `filters` select, with dimensions annotated."""
    referrals = with_dimensions(
        (base if base is not None else Referral.objects.all()).filter(submitted_at__isnull=False)
    )
    referrals = referrals.filter(
        created_at__gte=month_start(filters.start), created_at__lt=month_start(filters.end_exclusive)
    )
    if filters.agency:
        referrals = referrals.filter(unit__agency=filters.agency)
    if filters.unit:
        referrals = referrals.filter(unit=filters.unit)
    if filters.offence:
        referrals = referrals.filter(offence_category=filters.offence)
    if filters.partner:
        referrals = referrals.filter(dim_partner=filters.partner.pk)
    if filters.kind:
        referrals = referrals.filter(dim_kind=filters.kind)
    return referrals


BREAKDOWN_DIMENSIONS = {
    "age": "dim_age",
    "gender": "dim_gender",
    "ethnicity": "dim_ethnicity",
    "officer": "dim_officer",
    "facilitator": "dim_facilitator",
    "unit": "unit_id",
}


def cases_behind(referrals, figure: str, *, breakdown: str | None = None, group: str | None = None):
    """Return `referrals` narrowed to those that count towards `figure` (in one breakdown group)."""
    if figure in MEASURE_TIMES:
        referrals = with_days(referrals).filter(**{f"{MEASURE_TIMES[figure]}__isnull": False})
        return _in_group(referrals, breakdown, group)
    expression = figure_expressions()[figure]
    referrals = referrals.annotate(figure_value=expression)
    if isinstance(expression.output_field, BooleanField):
        referrals = referrals.filter(figure_value=True)
    else:
        referrals = referrals.filter(figure_value__gt=0)
    return _in_group(referrals, breakdown, group)


def _in_group(referrals, breakdown, group):
    if not breakdown:
        return referrals
    if breakdown in ("gender", "ethnicity") and group != "not_stated":
        # A cheap, indexable superset first (any responsible party of that group), so that the
        # exact test on the first responsible party runs on few rows.
        parties = ReferralParty.objects.filter(
            referral=OuterRef("pk"), role=PartyRole.RESPONSIBLE, **{f"person__{breakdown}": group}
        )
        referrals = referrals.filter(Exists(parties))
    return referrals.filter(**{BREAKDOWN_DIMENSIONS[breakdown]: group})


MEASURE_TIMES = {"contact": "first_contact_at", "conference": "first_conference_at"}
DRILLABLE = (*FIGURES, *MEASURE_TIMES)
