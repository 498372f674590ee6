"""Every figure of a small programme with a known answer, from the rollup and from the recount."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from conferences.models import ConferenceKind
from referrals import services as referral_services
from reporting.figures import compute_from_rollup
from reporting.filters import Filters, default_filters
from reporting.recount import recount
from reporting.rollup import rebuild_rollup
from tests.reporting.conftest import LOOKED

pytestmark = pytest.mark.django_db

MARCH = Filters(start=date(2026, 3, 1), end=date(2026, 3, 1))
EXPECTED_TOTAL = {
    "referred": 4, "eligible": 3, "accepted": 2, "consented": 1, "held": 1, "agreement": 1, "fulfilled": 0,
    "declined": 1, "declined_risk": 1, "declined_not_eligible": 0, "returned": 1, "returned_no_contact": 1,
    "closed_no_conference": 0, "open_intake": 0, "open_monitoring": 1, "stalled": 0,
    "overdue_cases": 1, "overdue_items": 2, "harmed_attended": 1,
    "surveys_sent": 1, "surveys_answered": 1, "satisfaction_total": 4, "satisfied": 1, "felt_heard": 1,
    "harm_repaired": 0, "would_recommend": 1, "checked_6": 1, "reoffended_6": 0, "checked_12": 0,
    "restitution_ordered": Decimal("100.00"), "restitution_paid": Decimal("60.00"),
    "hours_ordered": Decimal("10.00"), "hours_done": Decimal("4.00"),
    # Days to first contact: Ada 3, Ben 1 (nearest rank: median 1, p90 3); to conference: Ada 10.
    "contact_median": 1, "contact_p90": 3, "conference_median": 10, "conference_p90": 10,
}  # fmt: skip


def both(filters):
    """Return the figures from the rollup, after checking that the recount gives the very same."""
    rebuild_rollup()
    from_rollup = compute_from_rollup(filters)
    assert from_rollup == recount(filters)
    return from_rollup


def test_every_total_of_the_programme(programme):
    total = both(MARCH)["total"]
    assert {name: total[name] for name in EXPECTED_TOTAL} == EXPECTED_TOTAL


def test_breakdowns_by_age_gender_and_ethnicity(programme):
    figures = both(MARCH)
    assert {g: v["referred"] for g, v in figures["age"].items()} == {"adult": 2, "juvenile": 2}
    assert figures["age"]["adult"]["held"] == 1 and figures["age"]["juvenile"]["returned"] == 1
    assert figures["age"]["juvenile"]["contact_median"] == 1 and figures["age"]["adult"]["contact_median"] == 3
    assert figures["age"]["juvenile"]["conference_median"] is None
    assert {g: v["referred"] for g, v in figures["gender"].items()} == {"male": 2, "female": 2}
    assert figures["gender"]["female"]["declined"] == 1
    assert {g: v["referred"] for g, v in figures["ethnicity"].items()} == {"white": 2, "black": 1, "not_stated": 1}
    assert figures["ethnicity"]["white"]["restitution_paid"] == Decimal("60.00")


def test_referrals_by_officer_unit_and_facilitator(programme, officer, other_officer):
    figures = both(MARCH)
    assert figures["officer"][str(officer.pk)]["referred"] == 2
    assert figures["officer"][str(other_officer.pk)]["declined"] == 1
    assert figures["unit"][str(officer.unit_id)]["accepted"] == 2
    assert figures["facilitator"][str(programme.facilitator.pk)]["open_monitoring"] == 1


def test_filters(programme, officer):
    unit = both(Filters(start=MARCH.start, end=MARCH.end, unit=officer.unit))["total"]
    assert (unit["referred"], unit["declined"]) == (2, 0)
    burglary = both(Filters(start=MARCH.start, end=MARCH.end, offence=programme.cal.offence_category))["total"]
    assert (burglary["referred"], burglary["declined"]) == (1, 1)
    partner = both(Filters(start=MARCH.start, end=MARCH.end, partner=programme.partner))["total"]
    assert (partner["referred"], partner["restitution_ordered"]) == (1, Decimal("100.00"))
    kind = both(Filters(start=MARCH.start, end=MARCH.end, kind=ConferenceKind.FAMILY_GROUP))["total"]
    assert kind["referred"] == 0


def test_an_empty_period_has_zeros_and_no_medians(programme):
    empty = both(Filters(start=date(2025, 1, 1), end=date(2025, 6, 1)))
    assert empty["total"]["referred"] == 0 and empty["total"]["restitution_ordered"] == Decimal("0.00")
    assert empty["total"]["contact_median"] is None and empty["age"] == {}


def test_check_command_agrees_and_then_catches_a_stale_rollup(programme, capsys):
    call_command("refresh_dashboard")
    call_command("check_dashboard", "--all-time")
    out = capsys.readouterr().out
    assert out.count("identical") == 7 and "all time" in out
    programme.dee.parties.update(prior_diversions=0)  # no figure changes
    call_command("check_dashboard")
    referral_services.accept_referral(referral=programme.dee, by=programme.ada.screened_by)
    with pytest.raises(CommandError, match="differ"):
        call_command("check_dashboard")


def test_check_command_counts_as_of_the_rollups_build_not_as_of_now(programme, time_machine, capsys):
    call_command("refresh_dashboard")
    time_machine.move_to(LOOKED + timedelta(days=60), tick=False)  # the monitored case has gone quiet since

    call_command("check_dashboard")

    assert capsys.readouterr().out.count("identical") == 6
    assert recount(default_filters(), now=timezone.now())["total"]["stalled"] == 1
