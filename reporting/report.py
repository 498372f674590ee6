"""Turn figures into the dashboard's sections: tables whose every number links to its cases, and chart data."""

import math
from dataclasses import dataclass, field
from decimal import Decimal
from functools import lru_cache
from itertools import pairwise
from urllib.parse import urlencode

from django.conf import settings
from django.urls import reverse
from scipy.stats import binomtest
from scipy.stats.contingency import relative_risk

from people.models import Ethnicity, Gender, Unit, User

DASH = "–"

FUNNEL = [
    ("referred", "Referred"),
    ("eligible", "Eligible"),
    ("accepted", "Accepted (case opened)"),
    ("consented", "Consented"),
    ("held", "Conference held"),
    ("agreement", "Agreement"),
    ("fulfilled", "Agreement fulfilled"),
]
DECLINE_REASONS = [
    ("declined_not_eligible", "Not eligible under the policy"),
    ("declined_no_admission", "Responsibility not admitted"),
    ("declined_harmed_party_objects", "Harmed party objects"),
    ("declined_insufficient_information", "Insufficient information"),
    ("declined_risk", "Risk too high"),
    ("declined_other", "Other"),
]
RETURN_REASONS = [
    ("returned_withdrew_consent", "Withdrew consent"),
    ("returned_no_contact", "No contact"),
    ("returned_non_compliance", "Did not comply"),
    ("returned_re_arrest", "Re-arrested"),
    ("returned_other", "Other"),
]
OPEN_STAGES = [
    ("open_intake", "Intake"),
    ("open_ready", "Ready"),
    ("open_scheduled", "Scheduled"),
    ("open_conference_held", "Conference held"),
    ("open_monitoring", "Monitoring"),
]
GROUP_BREAKDOWNS = [("age", "Age group"), ("gender", "Gender"), ("ethnicity", "Ethnicity")]
OTHER_LABELS = {
    "declined": "Declined",
    "returned": "Returned to the agency",
    "closed_no_conference": "Closed without conference",
    "stalled": "Stalled cases",
    "overdue_cases": "Cases with overdue agreement items",
    "overdue_items": "Cases with overdue agreement items",
    "withdrawn": "Withdrawn by the referrer",
    "held_direct": "Conference held: direct (the harmed party can take part)",
    "held_surrogate": "Conference held: surrogate (a stand-in for the harmed party)",
    "held_indirect": "Conference held: indirect (shuttle)",
    "harmed_attended": "Harmed party took part",
    "restitution_ordered": "Restitution ordered",
    "restitution_paid": "Restitution paid",
    "hours_ordered": "Service hours ordered",
    "hours_done": "Service hours done",
    "contact": "Contacted (time to first contact)",
    "conference": "Conference held (time to conference)",
}


def metric_label(metric: str) -> str:
    """Return what a drill-down list's cases have in common, in words."""
    labels = {**dict(FUNNEL), **dict(DECLINE_REASONS), **dict(RETURN_REASONS), **dict(OPEN_STAGES), **OTHER_LABELS}
    for prefix, words in (("declined_", "Declined: "), ("returned_", "Returned: "), ("open_", "Open, at stage ")):
        if metric.startswith(prefix) and metric in labels:
            return words + labels[metric].lower()
    if metric.startswith(("checked_", "reoffended_")):
        what, months = metric.split("_")
        return f"{'Reoffending checked' if what == 'checked' else 'Reoffended'} at {months} months"
    if metric.startswith(("surveys_", "satisf", "felt_", "harm_repaired", "would_")):
        return "Harmed parties' surveys: " + metric.replace("_", " ")
    return labels.get(metric, metric.replace("_", " ").capitalize())


def group_label(breakdown: str, group: str) -> str:
    """Return a breakdown group's name (age group, gender, ethnicity; people and units by their id)."""
    return (
        _group_labels({breakdown: {group: None}} if breakdown in ("officer", "facilitator", "unit") else {})
        .get(breakdown, {})
        .get(group, group)
    )


def ratio(part, whole) -> float | None:
    """Return part / whole, or None when there is nothing to divide by."""
    if not whole or part is None:
        return None
    return float(part) / float(whole)


def percent(value: float | None) -> str:
    """Return a share with one decimal, as an evaluation quotes it: 97.5%, never 97%."""
    return DASH if value is None else f"{value * 100:.1f}%"


@lru_cache(maxsize=8192)
def wilson_interval(part: int, whole: int) -> tuple[float, float] | None:
    """Return the 95 % Wilson score interval of part / whole (scipy), or None when there is no count.

    Wilson's rather than the normal approximation: it stays inside 0 to 1 and is honest for the small
    groups and the rates near 0 % or 100 % that a programme's breakdowns are full of.
    """
    if not whole or part is None or not 0 <= part <= whole:
        return None
    found = binomtest(int(part), int(whole)).proportion_ci(confidence_level=0.95, method="wilson")
    return found.low, found.high


def interval_text(interval: tuple[float, float] | None) -> str:
    return "" if interval is None else f"{interval[0] * 100:.1f}–{interval[1] * 100:.1f}%"


def number(value) -> str:
    if value is None:
        return DASH
    if isinstance(value, Decimal):
        return f"{value:,.2f}".removesuffix(".00")
    return f"{value:,}"


@dataclass
class Cell:
    text: str
    url: str = ""
    interval: str = ""  # a rate's 95 % interval, as interval_text() writes it
    flagged: bool = False  # a relative rate index whose interval leaves out 1: a difference, not noise
    bounds: tuple[str, str] = ("", "")  # the interval's two ends, as the figures export writes them


def relative_rate(part: int, whole: int, reference_part: int, reference_whole: int):
    """Return a group's rate over the reference group's, with its 95 % interval (scipy), or None.

    The relative rate index of disproportionate contact: 1 is parity. Katz's log interval, as
    `scipy.stats.contingency.relative_risk` gives it; undefined when either group has no one at the
    stage before, or when the reference group's rate is 0.
    """
    if not whole or not reference_whole or not reference_part or part is None:
        return None
    if part > whole or reference_part > reference_whole:  # a stage that is not a subset of the one before
        return None
    found = relative_risk(int(part), int(whole), int(reference_part), int(reference_whole))
    interval = found.confidence_interval(confidence_level=0.95)
    return found.relative_risk, interval.low, interval.high


@dataclass
class Table:
    caption: str
    headers: list[str]
    rows: list[tuple[str, list[Cell]]] = field(default_factory=list)


class Report:
    """The sections of the dashboard for one set of filters and its figures."""

    def __init__(self, figures: dict, filters):
        self.figures = figures
        self.filters = filters
        self.query = filters.query()
        self.labels = _group_labels(figures)
        self.base_link = f"{reverse('dashboard:cases')}?{urlencode(self.query)}"

    def link(self, metric: str, breakdown: str = "", group: str = "") -> str:
        params = {"metric": metric, "breakdown": breakdown, "group": group} if breakdown else {"metric": metric}
        return f"{self.base_link}&{urlencode(params)}"

    def count(self, values: dict, metric: str, breakdown="", group="") -> Cell:
        return Cell(number(values.get(metric)), self.link(metric, breakdown, group))

    def rate(self, values: dict, part: str, whole: str, breakdown="", group="") -> Cell:
        """A share of counted cases, with its 95 % interval."""
        share = ratio(values.get(part), values.get(whole))
        found = wilson_interval(values.get(part), values.get(whole))
        bounds = (f"{found[0] * 100:.1f}", f"{found[1] * 100:.1f}") if found else ("", "")
        return Cell(percent(share), self.link(part, breakdown, group), interval_text(found), bounds=bounds)

    def amount_share(self, values: dict, part: str, whole: str, breakdown="", group="") -> Cell:
        """A share of an amount (pounds paid, hours done): no interval, it is not a count of cases."""
        return Cell(percent(ratio(values.get(part), values.get(whole))), self.link(part, breakdown, group))

    def days(self, values: dict, name: str, measure: str, breakdown="", group="") -> Cell:
        return Cell(number(values.get(name)), self.link(measure, breakdown, group))

    def groups(self, breakdown: str):
        """Yield (label, values, group) of a breakdown, largest first."""
        found = self.figures.get(breakdown, {})
        for group in sorted(found, key=lambda g: (-found[g]["referred"], self.labels[breakdown].get(g, g))):
            yield self.labels[breakdown].get(group, group), found[group], group

    def table(self, caption: str, breakdown: str, columns: list[tuple[str, callable]]) -> Table:
        """Return one row per group of `breakdown`; each column is (header, cell(values, breakdown, group))."""
        table = Table(caption, [header for header, _ in columns])
        for label, values, group in self.groups(breakdown):
            table.rows.append((label, [cell(values, breakdown, group) for _, cell in columns]))
        return table

    def breakdown_tables(self, topic: str, columns) -> list[Table]:
        return [self.table(f"{topic} by {label.lower()}", name, columns) for name, label in GROUP_BREAKDOWNS]

    def reference_group(self, breakdown: str) -> str | None:
        """Return the group a breakdown's groups are compared with: the one chosen, else the largest."""
        groups = [group for _, _, group in self.groups(breakdown)]
        chosen = self.filters.reference(breakdown)
        if chosen in groups:
            return chosen
        return groups[0] if groups else None

    def stage_rates(self, breakdown: str, label: str) -> Table:
        """Each group's rate at each stage of the funnel, of the stage before: the right denominator."""
        table = Table(f"Rate at each stage, of the stage before, by {label.lower()}", [name for _, name in FUNNEL[1:]])
        for group_label_, values, group in self.groups(breakdown):
            cells = [
                self.rate(values, stage, previous, breakdown, group) for (previous, _), (stage, _) in pairwise(FUNNEL)
            ]
            table.rows.append((group_label_, cells))
        return table

    def relative_rates(self, breakdown: str, label: str) -> Table | None:
        """Each group's stage rates over the reference group's (the relative rate index), with intervals."""
        reference = self.reference_group(breakdown)
        if reference is None:
            return None
        found = self.figures.get(breakdown, {})
        base = found[reference]
        table = Table(
            f"Relative rate index by {label.lower()}, compared with {self.labels[breakdown].get(reference, reference)}",
            [name for _, name in FUNNEL[1:]],
        )
        for group_label_, values, group in self.groups(breakdown):
            cells = []
            for (previous, _), (stage, _) in pairwise(FUNNEL):
                if group == reference:
                    cells.append(Cell("1.00"))
                    continue
                rri = relative_rate(values.get(stage), values.get(previous), base.get(stage), base.get(previous))
                if rri is None:
                    cells.append(Cell(DASH))
                    continue
                value, low, high = rri
                known = not (math.isnan(low) or math.isnan(high))
                bounds = (f"{low:.2f}", f"{high:.2f}") if known else ("", "")
                interval = "–".join(bounds) if known else ""
                flagged = known and (high < 1 or low > 1)
                cells.append(Cell(f"{value:.2f}", self.link(stage, breakdown, group), interval, flagged, bounds))
            table.rows.append((f"{group_label_} (reference)" if group == reference else group_label_, cells))
        return table

    def disparities(self) -> list[dict]:
        """The funnel's breakdowns as an evaluator reads them: stage rates and relative rate indices."""
        return [
            {
                "breakdown": name,
                "label": label,
                "rates": self.stage_rates(name, label),
                "relative": self.relative_rates(name, label),
            }
            for name, label in GROUP_BREAKDOWNS
        ]

    # The sections

    def funnel(self) -> dict:
        total = self.figures["total"]
        rows, previous = [], "referred"
        for name, label in FUNNEL:
            rows.append(
                (label, [self.count(total, name), self.rate(total, name, "referred"), self.rate(total, name, previous)])
            )
            previous = name
        columns = [(label, lambda v, b, g, n=name: self.count(v, n, b, g)) for name, label in FUNNEL]
        columns.append(("Fulfilled of referred", lambda v, b, g: self.rate(v, "fulfilled", "referred", b, g)))
        left = [
            ("Withdrawn by the referrer", [self.count(total, "withdrawn"), self.rate(total, "withdrawn", "referred")])
        ]
        return {
            "table": Table("The funnel", ["Cases", "Of referred", "Of previous stage"], rows),
            "left": Table("Left before a decision", ["Cases", "Of referred"], left),
            "chart": {"labels": [label for _, label in FUNNEL], "values": [total[name] for name, _ in FUNNEL]},
            "breakdowns": self.breakdown_tables("The funnel", columns),
            "disparities": self.disparities(),
        }

    def reasons(self, figure: str, reasons, caption: str) -> dict:
        total = self.figures["total"]
        rows = [(label, [self.count(total, name), self.rate(total, name, figure)]) for name, label in reasons]
        rows.append(("All", [self.count(total, figure), self.rate(total, figure, "referred")]))
        columns = [(label, lambda v, b, g, n=name: self.count(v, n, b, g)) for name, label in reasons]
        columns.append(("All", lambda v, b, g: self.count(v, figure, b, g)))
        return {
            "table": Table(caption, ["Cases", "Share"], rows),
            "chart": {"labels": [label for _, label in reasons], "values": [total[name] for name, _ in reasons]},
            "breakdowns": self.breakdown_tables(caption, columns),
        }

    def timeliness(self) -> dict:
        total = self.figures["total"]
        rows = [
            (
                "Referral to first contact",
                [self.days(total, "contact_median", "contact"), self.days(total, "contact_p90", "contact")],
            ),
            (
                "Referral to conference",
                [self.days(total, "conference_median", "conference"), self.days(total, "conference_p90", "conference")],
            ),
        ]
        columns = [
            ("Contact: median", lambda v, b, g: self.days(v, "contact_median", "contact", b, g)),
            ("Contact: 90th percentile", lambda v, b, g: self.days(v, "contact_p90", "contact", b, g)),
            ("Conference: median", lambda v, b, g: self.days(v, "conference_median", "conference", b, g)),
            ("Conference: 90th percentile", lambda v, b, g: self.days(v, "conference_p90", "conference", b, g)),
        ]
        return {
            "table": Table("Days from referral", ["Median (days)", "90th percentile (days)"], rows),
            "breakdowns": self.breakdown_tables("Days from referral", columns),
        }

    def caseload(self) -> dict:
        total = self.figures["total"]
        stage_rows = [(label, [self.count(total, name)]) for name, label in OPEN_STAGES]
        attention = [
            ("Stalled cases", [self.count(total, "stalled")]),
            ("Cases with overdue agreement items", [self.count(total, "overdue_cases")]),
            ("Overdue agreement items", [self.count(total, "overdue_items")]),
        ]
        columns = [(label, lambda v, b, g, n=name: self.count(v, n, b, g)) for name, label in OPEN_STAGES]
        columns += [
            ("Stalled", lambda v, b, g: self.count(v, "stalled", b, g)),
            ("Overdue items", lambda v, b, g: self.count(v, "overdue_items", b, g)),
        ]
        by_facilitator = self.table("Open caseload by facilitator", "facilitator", columns)
        by_facilitator.rows = [row for row in by_facilitator.rows if any(c.text not in ("0", DASH) for c in row[1])]
        return {
            "table": Table("Open caseload by stage", ["Cases"], stage_rows),
            "attention": Table("Needs attention", ["Cases"], attention),
            "chart": {"labels": [label for _, label in OPEN_STAGES], "values": [total[n] for n, _ in OPEN_STAGES]},
            "by_facilitator": by_facilitator,
            "breakdowns": self.breakdown_tables("Open caseload", columns),
        }

    def referrers(self) -> list[Table]:
        columns = [
            ("Referred", lambda v, b, g: self.count(v, "referred", b, g)),
            ("Accepted", lambda v, b, g: self.count(v, "accepted", b, g)),
            ("Accepted of referred", lambda v, b, g: self.rate(v, "accepted", "referred", b, g)),
            ("Declined", lambda v, b, g: self.count(v, "declined", b, g)),
            ("Conference held", lambda v, b, g: self.count(v, "held", b, g)),
            ("Fulfilled", lambda v, b, g: self.count(v, "fulfilled", b, g)),
        ]
        return [
            self.table("Referrals by unit", "unit", columns),
            self.table("Referrals by officer", "officer", columns),
        ]

    def reparation(self) -> dict:
        total = self.figures["total"]
        rows = [
            (
                "Restitution (£)",
                [
                    self.count(total, "restitution_ordered"),
                    self.count(total, "restitution_paid"),
                    self.amount_share(total, "restitution_paid", "restitution_ordered"),
                ],
            ),
            (
                "Community service (hours)",
                [
                    self.count(total, "hours_ordered"),
                    self.count(total, "hours_done"),
                    self.amount_share(total, "hours_done", "hours_ordered"),
                ],
            ),
        ]
        columns = [
            ("Restitution ordered (£)", lambda v, b, g: self.count(v, "restitution_ordered", b, g)),
            ("Paid (£)", lambda v, b, g: self.count(v, "restitution_paid", b, g)),
            ("Paid of ordered", lambda v, b, g: self.amount_share(v, "restitution_paid", "restitution_ordered", b, g)),
            ("Hours ordered", lambda v, b, g: self.count(v, "hours_ordered", b, g)),
            ("Hours done", lambda v, b, g: self.count(v, "hours_done", b, g)),
            ("Done of ordered", lambda v, b, g: self.amount_share(v, "hours_done", "hours_ordered", b, g)),
        ]
        return {
            "table": Table("Reparation", ["Ordered", "Done", "Done of ordered"], rows),
            "chart": {
                "labels": ["Restitution (£)", "Community service (hours)"],
                "ordered": [float(total["restitution_ordered"]), float(total["hours_ordered"])],
                "done": [float(total["restitution_paid"]), float(total["hours_done"])],
            },
            "breakdowns": self.breakdown_tables("Reparation", columns),
        }

    def harmed_party_cells(self, v, b="", g=""):
        average = ratio(v.get("satisfaction_total"), v.get("surveys_answered"))
        return [
            self.count(v, "harmed_attended", b, g),
            self.rate(v, "harmed_attended", "held_direct", b, g),
            self.count(v, "surveys_answered", b, g),
            self.rate(v, "surveys_answered", "surveys_sent", b, g),
            Cell(DASH if average is None else f"{average:.1f}", self.link("surveys_answered", b, g)),
            self.rate(v, "satisfied", "surveys_answered", b, g),
            self.rate(v, "felt_heard", "surveys_answered", b, g),
            self.rate(v, "harm_repaired", "surveys_answered", b, g),
            self.rate(v, "would_recommend", "surveys_answered", b, g),
        ]

    HARMED_HEADERS = [
        "Harmed party took part",
        "Of direct conferences held",
        "Surveys answered",
        "Of surveys sent",
        "Average satisfaction (1–5)",
        "Satisfied",
        "Felt heard",
        "Harm repaired",
        "Would recommend",
    ]

    KIND_SPLIT = [
        ("held_direct", "Direct: the harmed party can take part"),
        ("held_surrogate", "Surrogate: someone stands in for them"),
        ("held_indirect", "Indirect: shuttle mediation"),
    ]

    def harmed_party(self) -> dict:
        total = self.figures["total"]
        table = Table("Harmed parties", self.HARMED_HEADERS, [("All", self.harmed_party_cells(total))])
        kinds = Table(
            "Conferences held by kind",
            ["Cases", "Of conferences held"],
            [(label, [self.count(total, name), self.rate(total, name, "held")]) for name, label in self.KIND_SPLIT],
        )
        breakdowns = []
        for name, label in GROUP_BREAKDOWNS:
            grouped = Table(f"Harmed parties by the responsible party's {label.lower()}", self.HARMED_HEADERS)
            for group_label, values, group in self.groups(name):
                grouped.rows.append((group_label, self.harmed_party_cells(values, name, group)))
            breakdowns.append(grouped)
        return {"table": table, "kinds": kinds, "breakdowns": breakdowns}

    def reoffending(self) -> dict:
        total = self.figures["total"]
        rows = []
        for months in (6, 12, 24):
            checked, reoffended = f"checked_{months}", f"reoffended_{months}"
            rows.append(
                (
                    f"{months} months",
                    [self.count(total, checked), self.count(total, reoffended), self.rate(total, reoffended, checked)],
                )
            )
        columns = []
        for months in (6, 12, 24):
            columns += [
                (f"{months} m: checked", lambda v, b, g, m=months: self.count(v, f"checked_{m}", b, g)),
                (
                    f"{months} m: reoffended",
                    lambda v, b, g, m=months: self.rate(v, f"reoffended_{m}", f"checked_{m}", b, g),
                ),
            ]
        return {
            "table": Table("Reoffending after the case closed", ["Cases checked", "Reoffended", "Rate"], rows),
            "chart": {
                "labels": ["6 months", "12 months", "24 months"],
                "values": [ratio(total[f"reoffended_{m}"], total[f"checked_{m}"]) for m in (6, 12, 24)],
            },
            "breakdowns": self.breakdown_tables("Reoffending", columns),
        }

    def charts(self, sections: dict) -> dict:
        return {
            name: section["chart"]
            for name, section in sections.items()
            if isinstance(section, dict) and "chart" in section
        }


def _group_labels(figures: dict) -> dict:
    """Return readable names of the breakdown groups: two queries, for the people and units shown."""
    juvenile = f"Juvenile (under {settings.JUVENILE_AGE})"
    labels = {
        "age": {"juvenile": juvenile, "adult": "Adult", "unknown": "Age not known"},
        "gender": dict(Gender.choices),
        "ethnicity": dict(Ethnicity.choices),
    }
    user_ids = {int(g) for name in ("officer", "facilitator") for g in figures.get(name, {})}
    users = {str(u.pk): str(u) for u in User.objects.filter(pk__in=user_ids)}
    labels["officer"] = labels["facilitator"] = users
    unit_ids = [int(g) for g in figures.get("unit", {})]
    labels["unit"] = {str(u.pk): str(u) for u in Unit.objects.filter(pk__in=unit_ids).select_related("agency")}
    return labels
