"""Recount the dashboard's figures straight from the base tables, with the ORM, one referral at a time.

Slow, and meant to be: it shares nothing with the rollup's SQL but the meaning of each figure
(metrics.py), so that check_dashboard catches a mistake in either.
"""

from collections import Counter, defaultdict

from django.utils import timezone

from . import metrics
from .figures import DAY_BREAKDOWNS, ROW_BREAKDOWNS, day_figures, empty_survival, normalise
from .models import FIGURES, MEASURES

DIMENSIONS = {name: metrics.BREAKDOWN_DIMENSIONS[name] for name in ROW_BREAKDOWNS}


def recount(filters, *, now=None) -> dict:
    """Return the figures of `filters` in the shape compute_from_rollup() returns.

    `now` is the moment the figures are for: the rollup's build time when comparing with it, since
    what is stalled or overdue depends on it.
    """
    expressions = metrics.figure_expressions(now)
    referrals = metrics.with_follow_up(metrics.with_days(metrics.filtered_referrals(filters))).annotate(
        **{f"fig_{name}": expression for name, expression in expressions.items()}
    )
    fields = [
        "created_at",
        "status",
        "eligible",
        "screened_at",
        "case__status",
        "case__closed_at",
        "fu_event_on",
        "fu_last_on",
        "first_contact_at",
        "first_conference_at",
        *DIMENSIONS.values(),
        *(f"fig_{name}" for name in FIGURES),
    ]
    survival = empty_survival()
    sums = defaultdict(lambda: defaultdict(Counter))  # (breakdown, group) -> figure -> total
    histograms = defaultdict(lambda: defaultdict(Counter))  # (breakdown, group) -> measure -> days -> n
    for row in referrals.order_by("pk").values(*fields).iterator(chunk_size=2000):
        days = {
            "contact": metrics.days_between(row["created_at"], row["first_contact_at"]),
            "conference": metrics.days_between(row["created_at"], row["first_conference_at"]),
        }
        _add_follow_up(survival, row)
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
    figures["total"]["survival"] = survival
    return figures


def _add_follow_up(survival: dict, row: dict) -> None:
    """Count a referral in its cohort's histograms of days to reoffence (or to its last check)."""
    cohort = metrics.survival_cohort(
        referral_status=row["status"], eligible=row["eligible"], case_status=row["case__status"]
    )
    if cohort is None or row["fu_last_on"] is None:
        return
    seen = row["fu_event_on"] or row["fu_last_on"]
    outcome = "events" if row["fu_event_on"] else "censored"
    began = {"referral": row["created_at"], "closure": row["case__closed_at"] or row["screened_at"]}
    for origin, moment in began.items():
        days = (seen - timezone.localdate(moment)).days
        histogram = survival[origin][cohort][outcome]
        histogram[days] = histogram.get(days, 0) + 1
