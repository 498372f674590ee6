"""Recount the dashboard's figures straight from the base tables, with the ORM, one referral at a time.

Slow, and meant to be: it shares nothing with the rollup's SQL but the meaning of each figure
(metrics.py), so that check_dashboard catches a mistake in either.
"""

from collections import Counter, defaultdict

from . import metrics
from .figures import DAY_BREAKDOWNS, ROW_BREAKDOWNS, day_figures, normalise
from .models import FIGURES, MEASURES

DIMENSIONS = {name: metrics.BREAKDOWN_DIMENSIONS[name] for name in ROW_BREAKDOWNS}


def recount(filters, *, now=None) -> dict:
    """Return the figures of `filters` in the shape compute_from_rollup() returns.

    `now` is the moment the figures are for: the rollup's build time when comparing with it, since
    what is stalled or overdue depends on it.
    """
    expressions = metrics.figure_expressions(now)
    referrals = metrics.with_days(metrics.filtered_referrals(filters)).annotate(
        **{f"fig_{name}": expression for name, expression in expressions.items()}
    )
    fields = [
        "created_at",
        "first_contact_at",
        "first_conference_at",
        *DIMENSIONS.values(),
        *(f"fig_{name}" for name in FIGURES),
    ]
    sums = defaultdict(lambda: defaultdict(Counter))  # (breakdown, group) -> figure -> total
    histograms = defaultdict(lambda: defaultdict(Counter))  # (breakdown, group) -> measure -> days -> n
    for row in referrals.order_by("pk").values(*fields).iterator(chunk_size=2000):
        days = {
            "contact": metrics.days_between(row["created_at"], row["first_contact_at"]),
            "conference": metrics.days_between(row["created_at"], row["first_conference_at"]),
        }
        groups = [("total", "")]
        groups += [(name, str(row[field])) for name, field in DIMENSIONS.items() if row[field] is not None]
        for group in groups:
            for name in FIGURES:
                sums[group]["figures"][name] += row[f"fig_{name}"] or 0
            for measure in MEASURES:
                if days[measure] is not None:
                    histograms[group][measure][days[measure]] += 1
    figures = {name: {} for name in DIMENSIONS}
    for (breakdown, group), values in sums.items():
        counted = normalise(values["figures"])
        if breakdown in ("total", *DAY_BREAKDOWNS):
            counted.update(day_figures(histograms[(breakdown, group)]))
        if breakdown == "total":
            figures["total"] = counted
        else:
            figures[breakdown][group] = counted
    figures.setdefault("total", normalise({}))
    return figures
