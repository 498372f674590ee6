"""A facilitator's and a supervisor's jobs on a case through the API: assignment, contact attempts,
consents and their withdrawal, assessments and their sign-off, each audited and refused like the pages."""

from datetime import timedelta

import pytest
from django.utils import timezone

from cases.models import Assessment, Consent, ContactAttempt
from people.models import AuditEntry
from tests.cases.builders import build_world
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(officer, supervisor, facilitator):
    return build_world(officer=officer, supervisor=supervisor, facilitator=facilitator)


def url(world, tail):
    return f"/api/v1/cases/{world.case.pk}/{tail}/"


def audited(model, actor):
    return AuditEntry.objects.filter(object_type=model._meta.label_lower, actor=actor, client="api")


def test_a_supervisor_assigns_facilitators_and_moves_a_caseload(world, supervisor, facilitator, as_user):
    second = UserFactory(facilitator=True)
    api = as_user(supervisor)
    response = api.post(
        url(world, "assign"), {"facilitator": second.pk, "co_facilitator": facilitator.pk}, format="json"
    )
    assert response.status_code == 200, response.json()
    assert response["ETag"]
    assert (world.refresh().facilitator, world.case.co_facilitator) == (second, facilitator)

    third = UserFactory(facilitator=True)
    response = api.post("/api/v1/cases/reassign/", {"departing": second.pk, "successor": third.pk}, format="json")
    assert response.status_code == 200 and response.json() == {"moved": 1}
    assert world.refresh().facilitator == third
    assert audited(type(world.case), supervisor).exists()


def test_assignment_is_refused_like_the_page(world, supervisor, facilitator, officer, as_user):
    api = as_user(supervisor)
    response = api.post(url(world, "assign"), {"facilitator": officer.pk}, format="json")
    assert response.status_code == 400 and "facilitator" in response.json()["error"]["fields"]
    same = {"facilitator": facilitator.pk, "co_facilitator": facilitator.pk}
    assert "co_facilitator" in api.post(url(world, "assign"), same, format="json").json()["error"]["fields"]
    assert (
        as_user(facilitator).post(url(world, "assign"), {"facilitator": facilitator.pk}, format="json").status_code
        == 403
    )
    reassign = {"departing": facilitator.pk, "successor": facilitator.pk}
    assert as_user(facilitator).post("/api/v1/cases/reassign/", reassign, format="json").status_code == 403


def test_a_facilitator_logs_contact_and_records_consent_then_withdraws_it(world, facilitator, as_user):
    api = as_user(facilitator)
    contact = {
        "person": world.harmed.pk,
        "contacted_at": (timezone.now() - timedelta(hours=1)).isoformat(),
        "channel": ContactAttempt.Channel.PHONE,
        "outcome": ContactAttempt.Outcome.REACHED,
        "note": "Agreed to meet next week.",
    }
    response = api.post(url(world, "contacts"), contact, format="json")
    assert response.status_code == 200, response.json()
    assert ContactAttempt.objects.filter(case=world.case, person=world.harmed).exists()
    assert audited(ContactAttempt, facilitator).exists()

    consent = {
        "person": world.responsible.pk,
        "purpose": "conference",
        "given_by": world.guardian.pk,  # a juvenile's consent, given by the guardian on the case
        "given_on": timezone.localdate().isoformat(),
        "method": Consent.Method.WRITTEN,
    }
    response = api.post(url(world, "consents"), consent, format="json")
    assert response.status_code == 200, response.json()
    recorded = Consent.objects.get(case=world.case, person=world.responsible)
    response = api.post(url(world, f"consents/{recorded.pk}/withdraw"), {"reason": "Changed his mind."}, format="json")
    assert response.status_code == 200, response.json()
    recorded.refresh_from_db()
    assert recorded.withdrawn_at is not None
    again = api.post(url(world, f"consents/{recorded.pk}/withdraw"), {"reason": "Again."}, format="json")
    assert again.status_code == 409 and again.json()["error"]["code"] == "invalid_transition"


def test_consent_from_someone_not_a_guardian_is_refused(world, facilitator, as_user):
    consent = {
        "person": world.responsible.pk,
        "purpose": "conference",
        "given_by": world.harmed.pk,
        "given_on": timezone.localdate().isoformat(),
        "method": Consent.Method.WRITTEN,
    }
    response = as_user(facilitator).post(url(world, "consents"), consent, format="json")
    assert response.status_code == 400 and "given_by" in response.json()["error"]["fields"]


def test_a_person_not_on_the_case_is_refused(world, facilitator, as_user):
    outsider = build_world(officer=world.case.referral.referring_officer, supervisor=None).harmed
    body = {"person": outsider.pk, "risk": "low"}
    response = as_user(facilitator).post(url(world, "assessments"), body, format="json")
    assert response.status_code == 400 and "person" in response.json()["error"]["fields"]


def test_an_assessment_is_recorded_and_signed_off_by_a_supervisor(world, facilitator, supervisor, as_user):
    body = {"person": world.harmed.pk, "will_attend": True, "ready": False, "risk": "low", "notes": "Nervous."}
    response = as_user(facilitator).post(url(world, "assessments"), body, format="json")
    assert response.status_code == 200, response.json()
    assessment = Assessment.objects.get(case=world.case, person=world.harmed)
    assert (assessment.will_attend, assessment.ready, assessment.risk) == (True, False, "low")
    assert "Nervous" not in str(response.json())  # confidential notes stay out of the case's representation

    sign_off = url(world, f"assessments/{assessment.pk}/sign-off")
    assert as_user(facilitator).post(sign_off, {}, format="json").status_code == 403
    assert as_user(supervisor).post(sign_off, {}, format="json").status_code == 200
    assessment.refresh_from_db()
    assert assessment.signed_off_by == supervisor
    assert audited(Assessment, supervisor).exists()


def test_other_callers_cannot_do_these_jobs(world, officer, other_facilitator, agency_reader, as_user):
    body = {"person": world.harmed.pk, "risk": "low"}
    assert as_user(other_facilitator).post(url(world, "assessments"), body, format="json").status_code == 404
    assert as_user(officer).post(url(world, "assessments"), body, format="json").status_code in (403, 404)
    _, reader = agency_reader
    assert reader.post(url(world, "assessments"), body, format="json").status_code in (403, 404)
    assert not Assessment.objects.exists()


def test_a_body_that_is_not_an_object_is_400(world, facilitator, as_user):
    api = as_user(facilitator)
    for tail in ["contacts", "consents", "assessments"]:
        response = api.post(url(world, tail), [1, 2], format="json")
        assert response.status_code == 400, tail
