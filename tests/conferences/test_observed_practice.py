"""A supervisor who watched a held conference records each facilitator's practice from its page:
training's observed practice, which counts towards accreditation for the conference's kind."""

from datetime import date

import pytest
from django.urls import reverse

from conferences import services
from tests.conferences.conftest import local
from tests.helpers import page_text
from training.models import Observation

pytestmark = pytest.mark.django_db


@pytest.fixture
def held(conference, facilitator, time_machine):
    time_machine.move_to(local(1, 13), tick=False)
    attended = {p.pk: True for p in conference.participants.all()}
    return services.hold_conference(conference=conference, by=facilitator, attended=attended)


def observe_url(conference):
    return reverse("conferences:observe", args=[conference.pk])


def test_a_supervisor_records_observed_practice_once_per_facilitator(login, supervisor, facilitator, held):
    client = login(supervisor)
    page = page_text(client.get(held.get_absolute_url()))
    assert "Record observed practice" in page

    data = {"facilitator": facilitator.pk, "judgement": "competent", "note": "Kept the circle safe."}
    response = client.post(observe_url(held), data, follow=True)

    observation = Observation.objects.get()
    assert (observation.facilitator, observation.observer, observation.conference) == (facilitator, supervisor, held)
    assert (observation.conference_kind, observation.observed_on) == (held.kind, date(2026, 4, 1))
    assert "recorded on their training record" in page_text(response)
    assert "“Kept the circle safe.”" in page_text(response)

    again = client.post(observe_url(held), {**data, "judgement": "not_yet"}, follow=True)
    assert "already recorded" in page_text(again)
    assert Observation.objects.count() == 1


def test_only_a_supervisor_observes_and_only_a_held_conference(login, supervisor, facilitator, conference):
    data = {"facilitator": facilitator.pk, "judgement": "competent"}
    assert login(facilitator).post(observe_url(conference), data).status_code == 403
    response = login(supervisor).post(observe_url(conference), data, follow=True)
    assert "once the conference has been held" in page_text(response)
    assert "Record observed practice" not in page_text(login(supervisor).get(conference.get_absolute_url()))
    assert not Observation.objects.exists()


def test_someone_not_booked_cannot_be_observed_there(login, supervisor, other_facilitator, held):
    response = login(supervisor).post(
        observe_url(held), {"facilitator": other_facilitator.pk, "judgement": "competent"}, follow=True
    )
    assert "Choose who you observed and your judgement." in page_text(response)
    assert not Observation.objects.exists()
