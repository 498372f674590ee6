"""Officers' feedback: what became of their referrals, month by month."""

from django.db.models import Count, DateField, Q
from django.db.models.functions import TruncMonth

from . import metrics

OUTCOMES = [
    ("referred", "Submitted"),
    ("accepted", "Accepted"),
    ("declined", "Declined"),
    ("held", "Conference held"),
    ("fulfilled", "Completed"),
]
MONTHS_SHOWN = 36


def outcomes_by_month(referrals) -> list[dict]:
    """Return, newest month first, how many of `referrals` reached each outcome (same definitions as the dashboard)."""
    expressions = metrics.figure_expressions()
    annotated = referrals.filter(submitted_at__isnull=False).annotate(
        month=TruncMonth("created_at", output_field=DateField()),
        **{f"fig_{name}": expressions[name] for name, _ in OUTCOMES},
    )
    counts = {name: Count("pk", filter=Q(**{f"fig_{name}": True})) for name, _ in OUTCOMES}
    rows = annotated.values("month").annotate(**counts).order_by("-month")[:MONTHS_SHOWN]
    return [{"month": row["month"], "counts": [row[name] for name, _ in OUTCOMES]} for row in rows]
