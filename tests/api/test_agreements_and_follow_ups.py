"""Renegotiating an agreement and answering a reoffending check through the API, as the pages do."""

from datetime import date

import pytest

from cases.models import ReoffendingCheck
from conferences.models import Agreement, Conference
from tests.api.test_conferences_and_items import agreement_body
from tests.cases.builders import closed_with_follow_ups
from tests.cases.test_followups import CLOSED_AT, local

pytestmark = pytest.mark.django_db


@pytest.fixture
def closed_world(time_machine, officer, supervisor, facilitator):
    """A case closed at CLOSED_AT, with its reoffending checks due 6, 12 and 24 months later."""
    return closed_with_follow_ups(
        time_machine, closed_at=CLOSED_AT, officer=officer, supervisor=supervisor, facilitator=facilitator
    )


def test_a_monitored_case_renegotiates_its_agreement(held_case, harmed_person, partner, facilitator, as_user):
    conference = Conference.objects.get(case=held_case)
    api = as_user(facilitator)
    base = f"/api/v1/conferences/{conference.pk}"
    early = api.post(
        f"{base}/renegotiate/", {**agreement_body(partner.partner.pk, harmed_person.pk), "reason": "x"}, format="json"
    )
    assert early.status_code == 409  # nothing to renegotiate before an agreement
    assert (
        api.post(f"{base}/agreement/", agreement_body(partner.partner.pk, harmed_person.pk), format="json").status_code
        == 201
    )

    body = agreement_body(partner.partner.pk, harmed_person.pk, summary="Smaller instalments.")
    missing = api.post(f"{base}/renegotiate/", body, format="json")
    assert missing.status_code == 400 and "reason" in missing.json()["error"]["fields"]
    response = api.post(f"{base}/renegotiate/", {**body, "reason": "Lost his job; pays less a month."}, format="json")
    assert response.status_code == 201, response.content
    assert all(item["current"] for item in response.json())
    versions = Agreement.objects.filter(case=held_case).order_by("version")
    assert [(a.version, a.superseded_at is not None) for a in versions] == [(1, True), (2, False)]
    assert versions[1].renegotiation_reason == "Lost his job; pays less a month."


def test_a_supervisor_answers_a_due_reoffending_check(closed_world, supervisor, facilitator, time_machine, as_user):
    check = ReoffendingCheck.objects.get(case=closed_world.case, months=6)
    url = f"/api/v1/cases/{closed_world.case.pk}/reoffending-checks/{check.pk}/"
    time_machine.move_to(local(date(2025, 9, 1)), tick=False)
    early = as_user(supervisor).post(url, {"reoffended": False}, format="json")
    assert early.status_code in (400, 409)  # not due yet
    time_machine.move_to(local(date(2025, 10, 6)), tick=False)
    assert as_user(facilitator).post(url, {"reoffended": False}, format="json").status_code in (403, 404)
    api = as_user(supervisor)
    future = api.post(url, {"reoffended": True, "reoffended_on": "2030-01-01"}, format="json")
    assert future.status_code == 400
    response = api.post(url, {"reoffended": True, "reoffended_on": "2025-08-14", "note": "PNC check."}, format="json")
    assert response.status_code == 200, response.json()
    check.refresh_from_db()
    assert (check.reoffended, check.reoffended_on, check.recorded_by) == (True, date(2025, 8, 14), supervisor)


def test_a_check_says_how_many_new_offences_only_for_a_re_arrest(closed_world, supervisor, time_machine, as_user):
    check = ReoffendingCheck.objects.get(case=closed_world.case, months=6)
    url = f"/api/v1/cases/{closed_world.case.pk}/reoffending-checks/{check.pk}/"
    time_machine.move_to(local(date(2025, 10, 6)), tick=False)
    api = as_user(supervisor)

    none_without = api.post(url, {"reoffended": False, "offences": 2}, format="json")
    assert none_without.status_code == 400
    assert "offences" in none_without.json()["error"]["fields"]
    zero = api.post(url, {"reoffended": True, "reoffended_on": "2025-08-14", "offences": 0}, format="json")
    assert zero.status_code == 400 and "offences" in zero.json()["error"]["fields"]
    check.refresh_from_db()
    assert check.recorded_at is None  # nothing was saved by the refusals

    done = api.post(url, {"reoffended": True, "reoffended_on": "2025-08-14", "offences": 3}, format="json")
    assert done.status_code == 200, done.json()
    check.refresh_from_db()
    assert (check.reoffended, check.offences) == (True, 3)
