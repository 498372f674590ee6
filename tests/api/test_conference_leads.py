"""The API applies the lead's rule as the schedule page does: an unaccredited lead is a 409 with its
code, the lead is named in the body and the reply, and only a supervisor overrides."""

import pytest

from conferences.models import ConferenceFacilitator
from tests.api.test_conferences_and_items import schedule_body
from tests.factories import accredit
from training.models import ConferenceKind, Level

pytestmark = pytest.mark.django_db


def test_the_api_refuses_an_unaccredited_lead_with_a_409(untrained, case_of, as_user):
    case = case_of(untrained)
    response = as_user(untrained).post("/api/v1/conferences/", schedule_body(case, untrained), format="json")
    assert response.status_code == 409
    error = response.json()["error"]
    assert error["code"] == "lead_not_accredited"
    assert "holds no accreditation for victim-offender conferences" in error["message"]


def test_the_api_names_the_lead_and_lets_a_trainee_co_facilitate(facilitator, untrained, case_of, as_user):
    accredit(untrained, kind=ConferenceKind.VICTIM_OFFENDER, level=Level.TRAINEE)
    case = case_of(untrained, co=facilitator)
    body = schedule_body(case, untrained, facilitators=[untrained.pk, facilitator.pk], lead=facilitator.pk)

    response = as_user(facilitator).post("/api/v1/conferences/", body, format="json")

    assert response.status_code == 201, response.content
    assert response.json()["lead"] == facilitator.pk
    assert response.json()["lead_override_reason"] is None
    response = as_user(facilitator).post("/api/v1/conferences/", {**body, "lead": 999999}, format="json")
    assert response.status_code == 400


def test_the_api_override_is_for_supervisors(supervisor, untrained, case_of, as_user):
    case = case_of(untrained)
    body = schedule_body(case, untrained, lead_override_reason="Cover for a sick colleague.")

    assert as_user(untrained).post("/api/v1/conferences/", body, format="json").status_code == 403
    response = as_user(supervisor).post("/api/v1/conferences/", body, format="json")

    assert response.status_code == 201, response.content
    assert response.json()["lead_override_reason"] == "Cover for a sick colleague."
    booking = ConferenceFacilitator.objects.get(conference_id=response.json()["id"])
    assert booking.overridden_by == supervisor
