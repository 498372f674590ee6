"""Time to reoffence: Kaplan-Meier curves of the dashboard's cohorts, and their chart as server-side SVG.

The data reach this module as histograms (days → people); the estimate is scipy's product-limit
estimator (`scipy.stats.ecdf` on censored data) with its log-log ("exponential Greenwood") 95 %
interval. People still being followed are censored: they count while they are followed and are
never taken as reoffence-free for longer than that.
"""

import math
import operator
import warnings
from bisect import bisect_right
from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np
from scipy import stats

from reporting.report import interval_text, percent

SURVIVAL_TIMES = (180, 365, 730)  # 6, 12 and 24 months
AT_RISK_TIMES = (0, 90, 180, 365, 545, 730)
CHART_DAYS = 730

ORIGINS = (
    ("referral", "From the referral", "Months since the referral"),
    ("closure", "From the closure or decision", "Months since the closure or decision"),
)
COHORTS = (
    ("completed", "Completed the agreement"),
    ("returned", "Returned to the agency"),
    ("declined_eligible", "Declined but eligible (comparison)"),
)
# Colour-blind safe: the cohorts differ in colour and in dash pattern, so neither alone carries the meaning.
STROKES = {
    "completed": ("#0b5394", ""),
    "returned": ("#b45f06", "8 4"),
    "declined_eligible": ("#38761d", "2 4"),
}

VIEWBOX = (640, 320)
PLOT = {"left": 56, "right": 624, "top": 16, "bottom": 272}  # room for the axes' ticks and titles


Point = tuple[int, float, float | None, float | None]  # day, survival, interval low, interval high


@dataclass(frozen=True)
class Curve:
    """A Kaplan-Meier estimate: the share of a cohort not yet reoffended, by days since the origin."""

    n: int
    events: int
    points: tuple[Point, ...]
    # (day, people whose follow-up ended that day, by reoffending or by censoring), ascending by day
    ends: tuple[tuple[int, int], ...] = field(repr=False)

    @property
    def last_day(self) -> int:
        """Return the longest time anyone was followed: the estimate says nothing beyond it."""
        return self.ends[-1][0]

    def _point(self, day: int) -> Point | None:
        """Return the step in force on a day, or None before the first one (when nothing has happened)."""
        index = bisect_right([point[0] for point in self.points], day) - 1
        return self.points[index] if index >= 0 else None

    def survival_at(self, day: int) -> float | None:
        """Return the share not yet reoffended by a day, or None past the last time anyone was followed.

        Once everybody has reoffended the share stays 0: that is known, not extrapolated.
        """
        if day > self.last_day:
            return 0.0 if self.points[-1][1] == 0 else None
        point = self._point(day)
        return 1.0 if point is None else point[1]

    def interval_at(self, day: int) -> tuple[float, float] | None:
        """Return the 95 % interval of the survival at a day, or None where it is undefined.

        The log-log interval has no width while nobody has reoffended, nor once everybody has.
        """
        if day > self.last_day:
            return None
        point = self._point(day)
        if point is None or point[2] is None:
            return None
        return point[2], point[3]

    def at_risk(self, day: int) -> int:
        """Return how many were still followed and had not reoffended just before a day: time ≥ day."""
        return sum(people for end, people in self.ends if end >= day)

    def reoffended_parts(self, day: int) -> tuple[str, str] | None:
        """Return the share reoffended by a day and its interval as text ("12.5%", "4.1-31.2%"), None if unknown.

        The share reoffended is 1 - survival, so its interval is the survival's, turned over.
        """
        survival = self.survival_at(day)
        if survival is None:
            return None
        interval = self.interval_at(day)
        return percent(1 - survival), interval_text(None if interval is None else (1 - interval[1], 1 - interval[0]))

    def reoffended_by(self, day: int) -> str | None:
        """Return the share reoffended by a day with its interval ("12.5% (4.1-31.2%)"), None if unknown."""
        parts = self.reoffended_parts(day)
        if parts is None:
            return None
        share, interval = parts
        return f"{share} ({interval})" if interval else share


def _expand(histogram: Mapping[int, int], what: str) -> np.ndarray:
    """Return one time per person from a histogram of days → people, refusing what is not a count."""
    days, counts = [], []
    for given_day, given_people in histogram.items():
        try:
            day, people = operator.index(given_day), operator.index(given_people)
        except TypeError:
            day = people = -1
        if day < 0 or people < 0:
            raise ValueError(f"{what}: days and people must be whole numbers ≥ 0, not {given_day!r} → {given_people!r}")
        if people:
            days.append(day)
            counts.append(people)
    return np.repeat(np.array(days, dtype=float), counts)


def _bounds(low, high) -> tuple[float, float] | tuple[None, None]:
    """Return an interval's bounds as floats, or no interval where scipy's formula is undefined (NaN)."""
    if math.isnan(low) or math.isnan(high):
        return None, None
    return float(low), float(high)


def kaplan_meier(events: Mapping[int, int], censored: Mapping[int, int]) -> Curve | None:
    """Return the product-limit estimate from histograms of reoffences and of censoring, None if empty.

    A person censored on the day of someone's reoffence is counted at risk that day (scipy's
    convention, and the usual one).
    """
    reoffended, followed = _expand(events, "events"), _expand(censored, "censored")
    if not reoffended.size and not followed.size:
        return None
    found = stats.ecdf(stats.CensoredData(uncensored=reoffended, right=followed)).sf
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="The confidence interval is undefined", category=RuntimeWarning)
        interval = found.confidence_interval(confidence_level=0.95, method="log-log")
    points = tuple(
        (int(day), float(survival), *_bounds(low, high))
        for day, survival, low, high in zip(
            found.quantiles, found.probabilities, interval.low.probabilities, interval.high.probabilities, strict=True
        )
    )
    ends: dict[int, int] = {}
    for histogram in (events, censored):
        for day, people in histogram.items():
            if people:
                ends[int(day)] = ends.get(int(day), 0) + int(people)
    return Curve(
        n=reoffended.size + followed.size, events=reoffended.size, points=points, ends=tuple(sorted(ends.items()))
    )


def _x(day: float) -> float:
    return round(PLOT["left"] + (PLOT["right"] - PLOT["left"]) * min(day, CHART_DAYS) / CHART_DAYS, 1)


def _y(share: float) -> float:
    return round(PLOT["bottom"] - (PLOT["bottom"] - PLOT["top"]) * share, 1)


def _fmt(value: float) -> str:
    """Return a coordinate as SVG wants it, short: 56, 79.3."""
    return f"{value:.1f}".removesuffix(".0")


def step_path(curve: Curve) -> str:
    """Return the SVG path of the share reoffended (1 - survival), a step at each reoffence, up to 24 months.

    The line stops at the last time anyone was followed: beyond it the estimate is unknown.
    """
    parts = [f"M{_fmt(_x(0))} {_fmt(_y(0))}"]
    for day, survival, *_ in _drops(curve):
        if day > CHART_DAYS:
            break
        parts.append(f"H{_fmt(_x(day))} V{_fmt(_y(1 - survival))}")
    parts.append(f"H{_fmt(_x(curve.last_day))}")
    return " ".join(parts)


def censor_path(curve: Curve) -> str:
    """Return short upright ticks where people stopped being followed without reoffending."""
    reoffence_days = {point[0] for point in _drops(curve)}
    ticks = []
    for day, survival, *_ in curve.points:
        if day <= CHART_DAYS and day not in reoffence_days:
            ticks.append(f"M{_fmt(_x(day))} {_fmt(_y(1 - survival) - 4)}v8")
    return " ".join(ticks)


def _drops(curve: Curve):
    """Yield the steps where the survival falls: the days someone reoffended."""
    before = 1.0
    for point in curve.points:
        if point[1] < before:
            yield point
        before = point[1]


def _chart(cohorts: list[dict]) -> dict:
    """Return what the template needs to draw the chart: axes, gridlines, one path per cohort with data."""
    month = CHART_DAYS / 24
    return {
        "width": VIEWBOX[0],
        "height": VIEWBOX[1],
        "plot": PLOT,
        "x_ticks": [{"x": _x(months * month), "label": str(months)} for months in (0, 6, 12, 18, 24)],
        "y_ticks": [{"y": _y(share / 100), "label": f"{share}%"} for share in (0, 25, 50, 75, 100)],
        "x_title": (PLOT["left"] + PLOT["right"]) / 2,
        "y_title": -(PLOT["top"] + PLOT["bottom"]) / 2,  # the title is turned a quarter, so x runs up the page
        "curves": [
            {**cohort, "legend_y": PLOT["top"] + 10 + 18 * index}
            for index, cohort in enumerate(cohort for cohort in cohorts if cohort["has_data"])
        ],
        "legend_x": PLOT["left"] + 12,
    }


def _cohort(key: str, label: str, curve: Curve | None) -> dict:
    colour, dash = STROKES[key]
    cohort = {"key": key, "label": label, "colour": colour, "dash": dash, "has_data": curve is not None}
    if curve is None:
        return cohort
    return {
        **cohort,
        "n": curve.n,
        "events": curve.events,
        "path": step_path(curve),
        "censor_path": censor_path(curve),
        "at_risk": [curve.at_risk(day) for day in AT_RISK_TIMES],
        "reoffended": [curve.reoffended_by(day) for day in SURVIVAL_TIMES],
        "reoffended_parts": [curve.reoffended_parts(day) for day in SURVIVAL_TIMES],
    }


def survival_section(curves: dict[str, dict[str, Curve | None]]) -> dict:
    """Return the time-to-reoffence section: per origin, the chart, the numbers at risk and the 6/12/24 table.

    A cohort or origin that is missing counts as one with no follow-up recorded yet.
    """
    unknown = set(curves) - {key for key, *_ in ORIGINS}
    unknown |= {cohort for by_cohort in curves.values() for cohort in by_cohort} - {key for key, _ in COHORTS}
    if unknown:
        raise ValueError(f"Unknown origins or cohorts: {', '.join(sorted(unknown))}")
    origins = []
    for origin, origin_label, axis_label in ORIGINS:
        by_cohort = curves.get(origin, {})
        cohorts = [_cohort(key, label, by_cohort.get(key)) for key, label in COHORTS]
        origins.append(
            {
                "key": origin,
                "label": origin_label,
                "axis_label": axis_label,
                "has_data": any(cohort["has_data"] for cohort in cohorts),
                "cohorts": cohorts,
                "chart": _chart(cohorts),
            }
        )
    return {
        "origins": origins,
        "at_risk_months": [round(day / (CHART_DAYS / 24)) for day in AT_RISK_TIMES],
        "survival_months": [round(day / (CHART_DAYS / 24)) for day in SURVIVAL_TIMES],
    }


def time_to_reoffence(histograms: dict) -> dict:
    """The section of a view, from its figures' histograms (figures.survival_figures): per origin
    and cohort, {"events": {days: people}, "censored": {days: people}}."""
    return survival_section(
        {
            origin: {cohort: kaplan_meier(h["events"], h["censored"]) for cohort, h in cohorts.items()}
            for origin, cohorts in histograms.items()
        }
    )
