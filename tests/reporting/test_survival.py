"""Time to reoffence: the Kaplan-Meier estimate against the product-limit arithmetic done by hand, and its chart.

The worked cohort: 7 people. One reoffended on day 30; one was followed for 50 days without
reoffending; two reoffended on day 100; three were followed for 200 days without reoffending.

- day 30: 7 at risk, 1 reoffends: S = 6/7.
- day 50: one censored; S stays 6/7 and 5 remain at risk.
- day 100: 5 at risk, 2 reoffend: S = 6/7 x 3/5 = 18/35.
- day 200: the last three censored; past day 200 nothing is known.
"""

import math
import re
from statistics import NormalDist

import pytest
from django.template.loader import render_to_string

from reporting.survival import AT_RISK_TIMES, SURVIVAL_TIMES, kaplan_meier, survival_section

EVENTS = {30: 1, 100: 2}
CENSORED = {50: 1, 200: 3}
Z = NormalDist().inv_cdf(0.975)


@pytest.fixture
def worked():
    return kaplan_meier(EVENTS, CENSORED)


def log_log_interval(survival: float, greenwood_sum: float) -> tuple[float, float]:
    """Kalbfleisch-Prentice: the normal interval of log(-log S), with Greenwood's variance, turned back."""
    spread = Z * math.sqrt(greenwood_sum) / abs(math.log(survival))
    return survival ** math.exp(spread), survival ** math.exp(-spread)


def test_worked_cohort_follows_the_product_limit(worked):
    assert worked.n == 7
    assert worked.events == 3
    assert worked.survival_at(0) == 1.0
    assert worked.survival_at(29) == 1.0
    assert worked.survival_at(30) == pytest.approx(6 / 7)
    assert worked.survival_at(50) == pytest.approx(6 / 7)
    assert worked.survival_at(99) == pytest.approx(6 / 7)
    assert worked.survival_at(100) == pytest.approx(6 / 7 * 3 / 5)
    assert worked.survival_at(200) == pytest.approx(18 / 35)
    assert worked.survival_at(201) is None  # nobody was followed past day 200: no extrapolation
    assert worked.interval_at(201) is None
    assert [point[0] for point in worked.points] == [30, 50, 100, 200]


def test_at_risk_counts_those_still_followed(worked):
    assert worked.at_risk(0) == 7
    assert worked.at_risk(30) == 7  # the person who reoffends on day 30 is at risk on day 30
    assert worked.at_risk(31) == 6
    assert worked.at_risk(60) == 5
    assert worked.at_risk(100) == 5
    assert worked.at_risk(150) == 3
    assert worked.at_risk(200) == 3
    assert worked.at_risk(201) == 0


def test_someone_censored_on_the_day_of_a_reoffence_counts_as_at_risk_that_day():
    # Day 10: two reoffend and one is censored, out of four. At risk 4 (not 3): S = 1 - 2/4.
    curve = kaplan_meier({10: 2}, {10: 1, 20: 1})

    assert curve.at_risk(10) == 4
    assert curve.survival_at(10) == pytest.approx(1 - 2 / 4)
    assert curve.survival_at(20) == pytest.approx(0.5)


def test_interval_matches_the_log_log_formula_with_greenwoods_variance(worked):
    # Greenwood: sum of d / (n (n - d)) over the reoffence days so far.
    at_30 = log_log_interval(6 / 7, 1 / (7 * 6))
    at_100 = log_log_interval(18 / 35, 1 / (7 * 6) + 2 / (5 * 3))

    assert worked.interval_at(30) == pytest.approx(at_30, rel=1e-9)
    assert worked.interval_at(60) == pytest.approx(at_30, rel=1e-9)
    assert worked.interval_at(100) == pytest.approx(at_100, rel=1e-9)


def test_share_reoffended_reads_as_one_minus_survival_with_the_interval_turned_over(worked):
    low, high = log_log_interval(18 / 35, 1 / (7 * 6) + 2 / (5 * 3))
    expected = f"48.6% ({(1 - high) * 100:.1f}–{(1 - low) * 100:.1f}%)"  # 17/35 = 48.57 %

    assert worked.reoffended_by(180) == expected
    assert worked.reoffended_by(365) is None
    assert worked.reoffended_by(20) == "0.0%"  # nobody yet: the interval is undefined, none shown


def test_interval_contains_the_estimate_and_stays_within_0_and_1():
    curve = kaplan_meier({day: 1 + day % 3 for day in range(5, 700, 9)}, dict.fromkeys(range(0, 720, 13), 2))

    shown = [point for point in curve.points if point[2] is not None]
    assert len(shown) > 50
    for _day, survival, low, high in shown:
        assert 0 <= low <= survival <= high <= 1


def test_no_reoffence_keeps_survival_at_1_with_no_interval():
    curve = kaplan_meier({}, {100: 4, 300: 2})

    assert curve.n == 6
    assert curve.events == 0
    assert [curve.survival_at(day) for day in (0, 100, 299, 300)] == [1.0, 1.0, 1.0, 1.0]
    assert curve.interval_at(150) is None
    assert curve.reoffended_by(180) == "0.0%"
    assert curve.reoffended_by(365) is None
    assert curve.at_risk(150) == 2


def test_everybody_reoffending_reaches_0_and_stays_there():
    curve = kaplan_meier({10: 1, 20: 1}, {})

    assert curve.survival_at(10) == pytest.approx(0.5)
    assert curve.survival_at(20) == 0.0
    assert curve.survival_at(1000) == 0.0  # known, not extrapolated: nobody is left to reoffend
    assert curve.interval_at(20) is None  # the log-log interval is undefined at 0
    assert curve.reoffended_by(730) == "100.0%"


def test_nobody_in_the_data_gives_no_curve():
    assert kaplan_meier({}, {}) is None
    assert kaplan_meier({30: 0}, {50: 0}) is None


@pytest.mark.parametrize("events", [{-1: 2}, {3: -1}, {2.5: 1}])
def test_what_is_not_a_count_of_days_is_refused(events):
    with pytest.raises(ValueError, match="whole numbers"):
        kaplan_meier(events, {})


def cohort_rows(html: str, origin: str, table: str) -> dict[str, list[str]]:
    """Return a table's rows of one origin's block as {row header text: [cell texts]}."""
    block = re.search(rf'data-origin="{origin}".*?(?=data-origin=|</section>)', html, re.S).group(0)
    body = re.search(rf"<table[^>]*{table}>.*?</table>", block, re.S).group(0)
    rows = {}
    for header, cells in re.findall(r'<tr><th scope="row"[^>]*>(.*?)</th>(.*?)</tr>', body, re.S):
        text = re.sub(r"<[^>]+>", "", header).strip()
        rows[text] = [
            re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", cell)).strip()
            for cell in re.findall(r"<td[^>]*>(.*?)</td>", cells, re.S)
        ]
    return rows


@pytest.fixture
def rendered(worked):
    returned = kaplan_meier({10: 1}, {800: 3})
    section = survival_section(
        {"referral": {"completed": worked, "returned": returned, "declined_eligible": None}, "closure": {}}
    )
    return section, render_to_string("dashboard/_survival.html", {"survival": section})


def test_chart_draws_the_share_reoffended_as_steps(rendered):
    section, html = rendered
    # x: 56 + 568 x day / 730; y: 272 - 256 x share reoffended.
    # day 30: x 79.3, share 1/7 → y 235.4; day 100: x 133.8, share 17/35 → y 147.7; ends at day 200: x 211.6.
    assert 'd="M56 272 H79.3 V235.4 H133.8 V147.7 H211.6"' in html
    # Censoring ticks, 8 high, centred on the line: day 50 (x 94.9, y 235.4) and day 200 (x 211.6, y 147.7).
    assert 'd="M94.9 231.4v8 M211.6 143.7v8"' in html
    # The returned cohort: one of four on day 10 (x 63.8, y 208), followed past 24 months: drawn to the edge.
    assert 'd="M56 272 H63.8 V208 H624"' in html
    assert 'stroke="#0b5394"' in html
    assert 'stroke="#b45f06" stroke-width="2.5" stroke-dasharray="8 4"' in html
    assert 'role="img"' in html
    assert "<title" in html
    assert "<desc" in html
    assert "style=" not in html  # the Content Security Policy allows no inline styles
    assert "<script" not in html
    legend = re.search(r"<g data-legend>.*?</g>", html, re.S).group(0)
    assert "Completed the agreement" in legend
    assert "Returned to the agency" in legend
    assert "Declined but eligible" not in legend  # no data, no line
    assert [origin["key"] for origin in section["origins"]] == ["referral", "closure"]


def test_tables_give_the_numbers_at_risk_and_the_shares_reoffended(rendered):
    _section, html = rendered
    assert AT_RISK_TIMES == (0, 90, 180, 365, 545, 730)
    assert SURVIVAL_TIMES == (180, 365, 730)

    at_risk = cohort_rows(html, "referral", "data-at-risk")
    assert at_risk["Completed the agreement"] == ["7", "5", "3", "0", "0", "0"]
    assert at_risk["Returned to the agency"] == ["4", "3", "3", "3", "3", "3"]
    assert at_risk["Declined but eligible (comparison)"] == ["No follow-up recorded yet"]

    by = cohort_rows(html, "referral", "data-reoffended-by")
    completed = log_log_interval(18 / 35, 1 / (7 * 6) + 2 / (5 * 3))
    completed_text = f"48.6% ({(1 - completed[1]) * 100:.1f}–{(1 - completed[0]) * 100:.1f}%)"
    not_yet = "Not followed this long yet"
    assert by["Completed the agreement"] == ["7", "3", completed_text, not_yet, not_yet]
    returned = log_log_interval(3 / 4, 1 / (4 * 3))
    returned_text = f"25.0% ({(1 - returned[1]) * 100:.1f}–{(1 - returned[0]) * 100:.1f}%)"
    assert by["Returned to the agency"] == ["4", "1", returned_text, returned_text, returned_text]
    assert by["Declined but eligible (comparison)"] == ["No follow-up recorded yet"]


def test_an_origin_without_data_says_so_instead_of_an_empty_chart(rendered):
    _section, html = rendered
    closure = re.search(r'data-origin="closure".*?</section>', html, re.S).group(0)

    assert "From the closure or decision" in closure
    assert "No follow-up recorded yet." in closure
    assert "<svg" not in closure
    assert html.count('<svg class="d-block') == 1


def test_the_words_explain_censoring_and_the_comparison():
    html = render_to_string("dashboard/_survival.html", {"survival": survival_section({})})

    assert "Time to reoffence" in html
    assert "censored" in html
    assert "not a randomised control" in html
    assert html.count("No follow-up recorded yet.") == 2


def test_unknown_cohorts_are_refused():
    with pytest.raises(ValueError, match="convicted"):
        survival_section({"referral": {"convicted": None}})
