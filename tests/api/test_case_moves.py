"""A case's moves through the API that succeed: mark ready, complete, return to the agency, each audited."""

import pytest

from cases.models import CaseStatus
from conferences import services as conference_services
from people.models import AuditEntry
from tests.cases.builders import build_world, prepare, to_monitoring

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(officer, supervisor, facilitator):
    return build_world(officer=officer, supervisor=supervisor, facilitator=facilitator)


def audited_move(case, actor):
    return AuditEntry.objects.filter(
        object_type="cases.case", object_id=str(case.pk), action=AuditEntry.Action.CHANGE, actor=actor, client="api"
    )


def test_a_prepared_case_is_marked_ready(world, facilitator, supervisor, as_user):
    prepare(world, by=facilitator, supervisor=supervisor)
    response = as_user(facilitator).post(f"/api/v1/cases/{world.case.pk}/mark-ready/", {}, format="json")
    assert response.status_code == 200, response.json()
    assert response.json()["status"] == CaseStatus.READY == world.refresh().status
    assert audited_move(world.case, facilitator).exists()


def test_a_case_whose_items_are_done_is_completed(world, facilitator, supervisor, as_user):
    for item in to_monitoring(world, by=facilitator, supervisor=supervisor):
        conference_services.set_item_status(item=item, by=facilitator, status="completed")
    response = as_user(facilitator).post(f"/api/v1/cases/{world.case.pk}/complete/", {}, format="json")
    assert response.status_code == 200, response.json()
    assert response.json()["status"] == CaseStatus.COMPLETED == world.refresh().status
    assert audited_move(world.case, facilitator).exists()


def test_a_case_is_returned_to_the_agency_with_its_reason(world, supervisor, as_user):
    body = {"reason_code": "no_contact", "note": "No answer to three calls and two letters."}
    response = as_user(supervisor).post(f"/api/v1/cases/{world.case.pk}/return/", body, format="json")
    assert response.status_code == 200, response.json()
    assert response.json()["status"] == CaseStatus.RETURNED == world.refresh().status
    assert audited_move(world.case, supervisor).exists()
