"""Read the dashboard's figures from the rollup, and turn histograms into medians and 90th percentiles.

Figures are a dict: "total" holds every figure of the selection; "age", "gender", "ethnicity",
"officer", "facilitator" and "unit" hold the same figures per group. The recount (recount.py)
returns the same shape, so that check_dashboard can compare the two.
"""

import logging
import math
from collections import Counter, defaultdict
from datetime import timedelta
from decimal import Decimal

from django.conf import settings
from django.core.cache import cache
from django.db.models import Sum
from django.utils import timezone
from django_celery_beat.models import PeriodicTask

from rjcases.locks import alone

from .filters import default_filters
from .metrics import SURVIVAL_COHORTS, SURVIVAL_ORIGINS
from .models import COUNTS, FIGURES, MEASURES, SUMS, DashboardBuild, DashboardDays, DashboardRollup
from .rollup import rebuild_rollup

DAY_FIGURES = tuple(f"{measure}_{stat}" for measure in MEASURES for stat in ("median", "p90"))
DAY_BREAKDOWNS = ("age", "gender", "ethnicity")
ROW_BREAKDOWNS = ("age", "gender", "ethnicity", "officer", "facilitator", "unit")
log = logging.getLogger(__name__)


def percentile(histogram: Counter, share: float) -> int | None:
    """Return the nearest-rank percentile of a histogram (days -> count): the smallest value with at
    least `share` of the counts at or below it. None when the histogram is empty."""
    total = sum(histogram.values())
    if not total:
        return None
    rank = math.ceil(share * total)
    seen = 0
    for value in sorted(histogram):
        seen += histogram[value]
        if seen >= rank:
            return value
    return None  # unreachable: the last value reaches the total


def day_figures(histograms: dict[str, Counter]) -> dict:
    figures = {}
    for measure in MEASURES:
        histogram = histograms.get(measure, Counter())
        figures[f"{measure}_median"] = percentile(histogram, 0.5)
        figures[f"{measure}_p90"] = percentile(histogram, 0.9)
    return figures


def empty_figures() -> dict:
    return {**dict.fromkeys(COUNTS, 0), **{name: Decimal("0.00") for name in SUMS}, **day_figures({})}


def normalise(values: dict) -> dict:
    """Return figures with whole counts and sums to the cent, so that both sources compare equal."""
    figures = empty_figures()
    for name in COUNTS:
        figures[name] = int(values.get(name) or 0)
    for name in SUMS:
        figures[name] = Decimal(str(values.get(name) or 0)).quantize(Decimal("0.01"))
    for name in DAY_FIGURES:
        figures[name] = values.get(name)
    return figures


def _rollup_rows(filters):
    """Return the rollup rows and histogram rows of the filters' slice and months."""
    slice_name, slice_value = filters.slice()
    where = {"slice": slice_name, "slice_value": slice_value, "month__gte": filters.start, "month__lte": filters.end}
    return DashboardRollup.objects.filter(**where), DashboardDays.objects.filter(**where)


def compute_from_rollup(filters) -> dict:
    """Return the figures of `filters` by summing the rows of one slice: two queries whatever the size."""
    rows, days = _rollup_rows(filters)
    sums = {name: Sum(name) for name in FIGURES}
    figures = {breakdown: {} for breakdown in ROW_BREAKDOWNS}
    for row in rows.values("breakdown", "group_value").annotate(**sums).order_by():
        figures[row["breakdown"]][row["group_value"]] = normalise(row)
    histograms = defaultdict(lambda: defaultdict(Counter))
    for row in days.values("breakdown", "group_value", "measure", "days").annotate(n=Sum("cases")).order_by():
        histograms[(row["breakdown"], row["group_value"])][row["measure"]][row["days"]] += row["n"]
        if row["breakdown"] == "age":  # every referral is in one age group: the age rows make the total
            histograms[("total", "")][row["measure"]][row["days"]] += row["n"]
    for breakdown in DAY_BREAKDOWNS:
        for group, values in figures[breakdown].items():
            values.update(day_figures(histograms[(breakdown, group)]))
    total = normalise({name: sum(v[name] for v in figures["age"].values()) for name in FIGURES})
    total.update(day_figures(histograms[("total", "")]))
    total["survival"] = survival_figures(histograms[("total", "")])
    figures["total"] = total
    return figures


def empty_survival() -> dict:
    """Per origin and cohort, the histograms (days -> people) of reoffences and of censoring."""
    return {
        origin: {cohort: {"events": {}, "censored": {}} for cohort in SURVIVAL_COHORTS} for origin in SURVIVAL_ORIGINS
    }


def survival_figures(histograms: dict[str, Counter]) -> dict:
    """Read the histograms of time to reoffence out of the rollup's measures km_<origin>_<cohort>_<outcome>."""
    survival = empty_survival()
    for measure, histogram in histograms.items():
        if not measure.startswith("km_"):
            continue
        origin, rest = measure[3:].split("_", 1)
        cohort, outcome = rest.rsplit("_", 1)
        counts = survival[origin][cohort]["events" if outcome == "event" else "censored"]
        for days, people in histogram.items():
            counts[days] = counts.get(days, 0) + people
    return survival


def latest_build() -> DashboardBuild | None:
    return DashboardBuild.objects.order_by("-computed_at").first()


def dashboard_figures(filters, build: DashboardBuild) -> dict:
    """Return the figures of `filters`, cached until the rollup is rebuilt (the build is in the key)."""
    key = f"dashboard:{build.pk}:{build.computed_at.timestamp()}:{filters.cache_key()}"
    figures = cache.get(key)
    if figures is None:
        figures = compute_from_rollup(filters)
        cache.set(key, figures, timeout=60 * 60)
    return figures


REBUILD_LOCK = "reporting.dashboard-rebuild"


def refresh(*, unless_recent: bool = False) -> DashboardBuild | None:
    """Rebuild the rollup and work out the default view at once, so that no supervisor waits for it.

    One rebuild runs at a time, however many beats queue it. With `unless_recent` (the periodic
    task) a rebuild within DASHBOARD_REBUILD_MIN_SECONDS of the last one is skipped too: a second
    beat's copy of the same tick. Returns None when skipped.
    With Redis as the cache (production) every web process then finds the default figures ready.
    """
    with alone(REBUILD_LOCK) as first:
        if not first:
            log.info("Dashboard rebuild skipped: another one is running")
            return None
        latest = DashboardBuild.objects.order_by("-computed_at").first()
        recent = timezone.now() - timedelta(seconds=settings.DASHBOARD_REBUILD_MIN_SECONDS)
        if unless_recent and latest and latest.computed_at > recent:
            log.info("Dashboard rebuild skipped: the figures were rebuilt at %s", latest.computed_at)
            return None
        build = rebuild_rollup()
    dashboard_figures(default_filters(), build)
    return build


REFRESH_TASK = "reporting.tasks.refresh_dashboard"


def refresh_interval() -> str:
    """Return how often the figures are rebuilt, as the schedule an admin may have changed says."""
    task = PeriodicTask.objects.filter(task=REFRESH_TASK, enabled=True).select_related("interval").first()
    if task is None or task.interval is None:
        return "when an administrator runs refresh_dashboard"
    return f"every {task.interval.every} {task.interval.period}"
