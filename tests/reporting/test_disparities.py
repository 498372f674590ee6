"""Breakdowns an evaluator can quote: each group's rate at each stage, of the stage before, and the
relative rate index against a reference group the supervisor chooses, flagged when its interval
leaves out 1. Known answers worked out by hand here (Wilson's and Katz's formulas), not by the
library the page uses."""

import math
from datetime import date

import pytest
from django.urls import reverse

from reporting.filters import FilterForm, Filters
from reporting.report import Report
from reporting.rollup import rebuild_rollup
from tests.reporting.test_pages import wilson_text

pytestmark = pytest.mark.django_db

STAGES = ("referred", "eligible", "accepted", "consented", "held", "agreement", "fulfilled")


def stages(*counts) -> dict:
    return dict(zip(STAGES, counts, strict=True))


# 100 women and 100 men referred, all eligible; 88 women accepted and 65 men (the planned disparity);
# after that the same share of each goes on.
WOMEN = stages(100, 100, 88, 80, 70, 60, 50)
MEN = stages(100, 100, 65, 59, 52, 44, 37)
FIGURES = {
    "total": {name: WOMEN[name] + MEN[name] for name in STAGES},
    "age": {"adult": {name: WOMEN[name] + MEN[name] for name in STAGES}},
    "gender": {"female": WOMEN, "male": MEN},
    "ethnicity": {},
}


def katz(part, whole, reference_part, reference_whole, z=1.959964) -> str:
    """The relative rate and its 95 % interval by Katz's log method, worked out by hand."""
    rate = (part / whole) / (reference_part / reference_whole)
    spread = z * math.sqrt(1 / part - 1 / whole + 1 / reference_part - 1 / reference_whole)
    return f"{rate:.2f} {rate * math.exp(-spread):.2f}–{rate * math.exp(spread):.2f}"


def report(**references) -> Report:
    return Report(FIGURES, Filters(start=date(2026, 1, 1), end=date(2026, 3, 1), **references))


def cells_of(table) -> dict[str, list[str]]:
    return {label: [f"{c.text} {c.interval}".strip() for c in cells] for label, cells in table.rows}


def test_each_stage_rate_is_of_the_stage_before_with_its_interval():
    rates = cells_of(report().stage_rates("gender", "Gender"))
    assert rates["Female"][:2] == ["100.0% " + wilson_text(100, 100), "88.0% " + wilson_text(88, 100)]
    assert rates["Male"][1] == "65.0% " + wilson_text(65, 100) == "65.0% 55.3–73.6%"
    # Consented of accepted, not of referred: 59 of 65 men.
    assert rates["Male"][2] == "90.8% " + wilson_text(59, 65)


def test_the_relative_rate_index_against_the_largest_group_is_flagged_when_it_excludes_one():
    table = report().relative_rates("gender", "Gender")
    assert table.caption == "Relative rate index by gender, compared with Female"
    rows = dict(table.rows)
    accepted = rows["Male"][1]
    assert f"{accepted.text} {accepted.interval}" == katz(65, 100, 88, 100) == "0.74 0.63–0.87"
    assert accepted.flagged
    eligible = rows["Male"][0]  # all eligible in both groups: parity, and no interval to speak of
    assert eligible.text == "1.00" and not eligible.flagged
    consented = rows["Male"][2]  # 59 of 65 against 80 of 88: within noise
    assert f"{consented.text} {consented.interval}" == katz(59, 65, 80, 88)
    assert not consented.flagged
    assert [c.text for c in rows["Female (reference)"]] == ["1.00"] * 6


def test_the_supervisor_chooses_the_reference_group():
    rows = dict(report(reference_gender="male").relative_rates("gender", "Gender").rows)
    accepted = rows["Female"][1]
    assert f"{accepted.text} {accepted.interval}" == katz(88, 100, 65, 100) == "1.35 1.15–1.59"
    assert accepted.flagged and "Male (reference)" in rows


def test_a_reference_group_with_a_zero_rate_gives_a_dash_not_an_error():
    figures = {**FIGURES, "gender": {"female": WOMEN, "male": stages(10, 10, 0, 0, 0, 0, 0)}}
    table = Report(figures, Filters(start=date(2026, 1, 1), end=date(2026, 3, 1), reference_gender="male"))
    rows = dict(table.relative_rates("gender", "Gender").rows)
    assert rows["Female"][1].text == "–"  # 88 % over 0 %: no index
    # A stage larger than the one before (not a funnel) gives no index, never an error.
    figures = {**FIGURES, "gender": {"female": WOMEN, "male": stages(10, 10, 12, 0, 0, 0, 0)}}
    rows = dict(
        Report(figures, Filters(start=date(2026, 1, 1), end=date(2026, 3, 1))).relative_rates("gender", "G").rows
    )
    assert rows["Male"][1].text == "–"


def test_the_reference_is_a_filter_the_page_validates(programme, login, supervisor):
    rebuild_rollup()
    client = login(supervisor)
    march = {"start": "2026-03", "end": "2026-03"}
    page = client.get(reverse("dashboard:index"), {**march, "reference_gender": "male"}).content.decode()
    assert "Relative rate index by gender, compared with Male" in page
    assert "Rate at each stage, of the stage before, by ethnicity" in page
    refused = client.get(reverse("dashboard:index"), {**march, "reference_gender": "nonsense"})
    assert refused.status_code == 400
    assert not FilterForm({**march, "reference_age": "elderly"}).is_valid()
