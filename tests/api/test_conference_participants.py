"""A conference's participants through the API: inviting a community member or a supporter by name,
and recording where each invitation stands, as the conference page does."""

import pytest

from conferences.models import Participant
from people.models import AuditEntry
from tests.api.test_conferences_and_items import schedule_body
from tests.conferences.conftest import make_ready_case

pytestmark = pytest.mark.django_db


@pytest.fixture
def scheduled(officer, supervisor, facilitator, as_user):
    case = make_ready_case(officer=officer, supervisor=supervisor, facilitator=facilitator)
    response = as_user(facilitator).post("/api/v1/conferences/", schedule_body(case, facilitator), format="json")
    assert response.status_code == 201, response.content
    return response.json()["id"]


def test_the_facilitator_invites_a_community_member_and_records_the_answers(scheduled, facilitator, as_user):
    api = as_user(facilitator)
    url = f"/api/v1/conferences/{scheduled}/participants/"
    response = api.post(url, {"role": "community", "name": "Ann Baker, shopkeepers' association"}, format="json")
    assert response.status_code == 200, response.json()
    assert response["ETag"]
    added = Participant.objects.get(conference_id=scheduled, name__startswith="Ann Baker")
    listed = {p["id"]: p for p in response.json()["participants"]}
    assert (listed[added.pk]["role"], listed[added.pk]["invitation"]) == ("community", "to_invite")
    assert AuditEntry.objects.filter(object_type="conferences.participant", object_id=str(added.pk)).exists()

    invitation = f"/api/v1/conferences/{scheduled}/participants/{added.pk}/invitation/"
    assert api.post(invitation, {"invitation": "accepted"}, format="json").status_code == 200
    added.refresh_from_db()
    assert added.invitation == Participant.Invitation.ACCEPTED


def test_participant_input_is_checked_like_the_page(scheduled, facilitator, as_user):
    api = as_user(facilitator)
    url = f"/api/v1/conferences/{scheduled}/participants/"
    assert "role" in api.post(url, {"role": "harmed", "name": "X"}, format="json").json()["error"]["fields"]
    assert "name" in api.post(url, {"role": "community", "name": "   "}, format="json").json()["error"]["fields"]
    other = Participant.objects.filter(conference_id=scheduled).first()
    bad = api.post(
        f"/api/v1/conferences/{scheduled}/participants/{other.pk}/invitation/", {"invitation": "maybe"}, format="json"
    )
    assert bad.status_code == 400 and "invitation" in bad.json()["error"]["fields"]
    assert (
        api.post(
            f"/api/v1/conferences/{scheduled}/participants/999999/invitation/", {"invitation": "invited"}, format="json"
        ).status_code
        == 404
    )


def test_after_the_conference_is_cancelled_nobody_can_be_added(scheduled, facilitator, other_facilitator, as_user):
    api = as_user(facilitator)
    assert (
        api.post(f"/api/v1/conferences/{scheduled}/cancel/", {"reason": "Venue flooded."}, format="json").status_code
        == 200
    )
    response = api.post(
        f"/api/v1/conferences/{scheduled}/participants/", {"role": "supporter", "name": "Bo"}, format="json"
    )
    assert response.status_code == 409
    outsider = as_user(other_facilitator).post(
        f"/api/v1/conferences/{scheduled}/participants/", {"role": "supporter", "name": "Bo"}, format="json"
    )
    assert outsider.status_code == 404


def test_a_sent_invitation_cannot_be_set_back_to_not_invited_and_the_list_says_when_it_went(
    scheduled, facilitator, as_user
):
    from reminders.tasks import send_reminders_now

    send_reminders_now()  # the invitations go out (a worker's job)
    api = as_user(facilitator)
    listed = api.get(f"/api/v1/conferences/{scheduled}/").json()["participants"]
    sent = [p for p in listed if p["invited_at"]]
    assert sent and all(p["invitation"] == "invited" and p["answered_at"] is None for p in sent)

    url = f"/api/v1/conferences/{scheduled}/participants/{sent[0]['id']}/invitation/"
    response = api.post(url, {"invitation": "to_invite"}, format="json")

    assert response.status_code == 409
    assert "cannot be not invited" in response.json()["error"]["message"]
    assert Participant.objects.get(pk=sent[0]["id"]).invitation == Participant.Invitation.INVITED
