"""What training achieves, for the dashboard: officers trained per unit, referrals per trained and
untrained officer, and facilitators' accreditations coming up for renewal.

Read live from the training tables (they are small), except the referrals, which come from the
rollup's officer breakdown so that they agree with the page's other figures and filters. A fixed
number of queries whatever the number of units or officers; see docs/dashboard.md.
"""

from dataclasses import dataclass, field
from datetime import date, timedelta

from django.db.models import Exists, OuterRef
from django.utils import timezone

from people.models import Role, User
from training.models import Accreditation, Attendance, add_months

from .report import DASH, interval_text, percent, ratio, wilson_interval

EXPIRY_DAYS = 90


def share(part: int, whole: int) -> str:
    """Return part of whole as a percentage with one decimal, or a dash when there is no whole."""
    return percent(ratio(part, whole))


def per_officer(referrals: int, officers: int) -> str:
    value = ratio(referrals, officers)
    return DASH if value is None else f"{value:.2f}"


@dataclass
class Coverage:
    unit: str
    officers: int = 0
    trained: int = 0

    @property
    def share(self) -> str:
        return share(self.trained, self.officers)

    @property
    def interval(self) -> str:
        """The share's 95 % interval, as every rate of the dashboard has."""
        return interval_text(wilson_interval(self.trained, self.officers))


@dataclass
class Referrers:
    trained: bool
    officers: int = 0
    referrals: int = 0

    @property
    def per_officer(self) -> str:
        return per_officer(self.referrals, self.officers)


@dataclass
class TrainingFigures:
    months: int
    today: date
    units: list[Coverage] = field(default_factory=list)
    total: Coverage = field(default_factory=lambda: Coverage("All units"))
    referrers: list[Referrers] = field(default_factory=list)
    expiring: list[Accreditation] = field(default_factory=list)
    lapsed: int = 0

    @property
    def trained_since(self) -> date:
        return trained_since(self.today, self.months)


def trained_since(today: date, months: int) -> date:
    """Return the first day on which a pass still makes an officer trained within `months`."""
    return add_months(today, -months)


def officers_in_scope(filters, *, since: date, today: date):
    """Return the active officer accounts the filters' agency or unit covers, each marked trained or not."""
    passes = Attendance.objects.passed().filter(user=OuterRef("pk"), completed_on__gte=since, completed_on__lte=today)
    officers = User.objects.filter(role=Role.OFFICER, is_active=True, unit__isnull=False)
    if filters.unit:
        officers = officers.filter(unit=filters.unit)
    elif filters.agency:
        officers = officers.filter(unit__agency=filters.agency)
    return officers.annotate(trained=Exists(passes))


def training_figures(filters, figures: dict, today: date | None = None) -> TrainingFigures:
    """Return the training section for `filters`; `figures` are the page's (the officer breakdown is read).

    An officer is trained when they passed any course on or after the same day `trained_months`
    ago, as of `today`, whatever the period filtered: the period chooses the referrals counted.
    """
    today = today or timezone.localdate()
    result = TrainingFigures(months=filters.trained_months, today=today)
    _count_officers(result, filters, figures.get("officer", {}))
    _find_accreditations_near_expiry(result)
    return result


def _count_officers(result: TrainingFigures, filters, referred: dict) -> None:
    """Fill in the officers trained per unit and the referrals per trained and untrained officer: one query."""
    units: dict[int, Coverage] = {}
    trained, untrained = Referrers(trained=True), Referrers(trained=False)
    rows = officers_in_scope(filters, since=result.trained_since, today=result.today).values_list(
        "pk", "unit_id", "unit__agency__code", "unit__name", "trained"
    )
    for pk, unit_id, agency_code, unit_name, is_trained in rows.order_by("unit__agency__code", "unit__name", "pk"):
        coverage = units.setdefault(unit_id, Coverage(f"{agency_code} · {unit_name}"))
        for counted in (coverage, result.total):
            counted.officers += 1
            counted.trained += int(is_trained)
        group = trained if is_trained else untrained
        group.officers += 1
        group.referrals += referred.get(str(pk), {}).get("referred", 0)
    result.units = list(units.values())
    result.referrers = [trained, untrained]


def _find_accreditations_near_expiry(result: TrainingFigures) -> None:
    """Fill in those expiring soon and the count lapsed lately: one query for both.

    An accreditation lapses by itself on its expiry day, whether or not the daily task has marked
    it yet, so the day is what counts; a renewed one has a later expiry and drops out.
    """
    today = result.today
    near = Accreditation.objects.filter(
        facilitator__is_active=True,
        expires_on__gt=today - timedelta(days=EXPIRY_DAYS),
        expires_on__lte=today + timedelta(days=EXPIRY_DAYS),
    ).select_related("facilitator")
    for accreditation in near.order_by("expires_on", "pk"):
        if accreditation.expires_on <= today:
            result.lapsed += 1
        elif accreditation.is_current_on(today):
            result.expiring.append(accreditation)
