"""Time to reoffence: who is in which cohort, and the days to a reoffence or to the last check
answered, from the referral and from the closing, by the rollup and by the recount alike."""

import csv
import io
import re
from datetime import date, datetime

import pytest
from django.urls import reverse

from cases.followups import record_reoffending_check
from cases.models import ReoffendingCheck
from people.models import AuditEntry
from reporting.filters import Filters
from reporting.rollup import rebuild_rollup
from tests.helpers import page_text
from tests.reporting.conftest import LONDON
from tests.reporting.test_figures import MARCH, both
from tests.reporting.test_pages import wilson_text

pytestmark = pytest.mark.django_db
ANSWERED = datetime(2026, 9, 10, 9, 0, tzinfo=LONDON)
MARCH_QUERY = {"start": "2026-03", "end": "2026-03"}


@pytest.fixture
def followed(programme, supervisor, time_machine):
    """Ben's case was returned on 2 March and he reoffended on 1 May; Cal, declined (for risk,
    though eligible) on 2 March, was not re-arrested by the 6-month check, due 2 September."""
    time_machine.move_to(ANSWERED, tick=False)
    ben = ReoffendingCheck.objects.get(referral=programme.ben, months=6)
    record_reoffending_check(check=ben, by=supervisor, reoffended=True, reoffended_on=date(2026, 5, 1), offences=2)
    cal = ReoffendingCheck.objects.get(referral=programme.cal, months=6)
    assert cal.case_id is None and cal.due_on == date(2026, 9, 2)
    record_reoffending_check(check=cal, by=supervisor, reoffended=False, reoffended_on=None)
    return programme


def test_each_cohort_has_its_days_to_reoffence_or_to_its_last_check(followed):
    survival = both(MARCH)["total"]["survival"]

    for origin in ("referral", "closure"):  # all were referred, returned and declined on 2 March
        assert survival[origin]["returned"] == {"events": {60: 1}, "censored": {}}
        assert survival[origin]["declined_eligible"] == {"events": {}, "censored": {184: 1}}
        # Ada's case is still monitored: a check answered early does not put her in a cohort.
        assert survival[origin]["completed"] == {"events": {}, "censored": {}}


def test_referrals_of_other_months_are_not_in_the_curves(followed):
    april = Filters(start=date(2026, 4, 1), end=date(2026, 4, 1))

    survival = both(april)["total"]["survival"]

    assert all(not counts["events"] and not counts["censored"] for o in survival.values() for counts in o.values())


def test_an_unanswered_follow_up_is_in_no_curve(programme):
    survival = both(MARCH)["total"]["survival"]

    assert survival["closure"]["returned"] == {"events": {}, "censored": {}}
    assert survival["closure"]["declined_eligible"] == {"events": {}, "censored": {}}


def test_the_dashboard_draws_the_curves_with_the_numbers_at_risk(followed, login, supervisor):
    rebuild_rollup()

    response = login(supervisor).get(reverse("dashboard:index"), {"start": "2026-03", "end": "2026-03"})

    assert response.status_code == 200
    html = page_text(response).split('id="survival-h"')[1].split('id="harmed-h"')[0]
    section = " ".join(re.sub(r"<[^>]+>", " ", html).split())
    # Returned: Ben, followed from 2 March, reoffended on day 60: at risk 1 at 0 months, none at 3.
    # Declined but eligible: Cal, censored on day 184: at risk at 0, 3 and 6 months (day 180), not at 12.
    assert re.search(r"Returned to the agency\s+1\s+0\s+0\s+0\s+0\s+0", section)
    assert re.search(r"Declined but eligible \(comparison\)\s+1\s+1\s+1\s+0\s+0\s+0", section)
    assert "Completed the agreement No follow-up recorded yet" in section
    assert "100.0%" in section  # all of the returned cohort (one person) reoffended by 6 months
    assert html.count('role="img"') == 2 and "<path" in html  # a chart from each origin


def test_the_figures_export_writes_every_rate_with_its_interval(followed, login, supervisor, officer):
    rebuild_rollup()
    url = reverse("dashboard:figures_csv")

    assert login(officer).get(url, MARCH_QUERY).status_code == 403
    response = login(supervisor).get(url, MARCH_QUERY)

    assert response.status_code == 200
    rows = list(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode())))
    accepted = next(
        r
        for r in rows
        if r["table"] == "The funnel" and r["row"] == "Accepted (case opened)" and r["column"] == "Of referred"
    )
    # 2 of the 4 referred: 50.0 %, and Wilson's interval by hand.
    assert (accepted["value"], f"{accepted['interval_low']}–{accepted['interval_high']}%") == (
        "50.0%",
        wilson_text(2, 4),
    )
    returned = next(
        r
        for r in rows
        if r["section"] == "survival"
        and r["table"] == "Time to reoffence, from the closure or decision"
        and r["row"] == "Returned to the agency"
        and r["column"] == "Reoffended by 6 months"
    )
    assert returned["value"] == "100.0%"  # Ben, the one person of the cohort, reoffended on day 60
    assert AuditEntry.objects.filter(
        action=AuditEntry.Action.EXPORT, detail__startswith="dashboard figures csv"
    ).exists()
    assert login(supervisor).get(url, {"start": "2026-13"}).status_code == 400
