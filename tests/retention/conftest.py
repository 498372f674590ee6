"""A juvenile's case that completed successfully long enough ago to be sealed, and the administrator."""

from datetime import timedelta

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from cases import services as case_services
from cases.models import Case
from conferences import services as conference_services
from conferences.models import Conference, ConferenceKind, ConferenceStatus, Participant
from tests.cases.builders import World, build_world, to_monitoring
from tests.factories import UserFactory

# The reporting tests' known-answer programme, to check that sealing and purging change no figure.
from tests.reporting.conftest import _fresh_cache, programme  # noqa: F401


@pytest.fixture
def administrator():
    return UserFactory(username="retention_admin", admin=True)


def complete(world: World, *, facilitator, supervisor, days_ago: int = 61) -> World:
    """Hold the conference, complete every item and the case, closed `days_ago` days ago."""
    items = to_monitoring(world, by=facilitator, supervisor=supervisor)
    held = timezone.now() - timedelta(days=days_ago + 30)
    conference = Conference.objects.create(
        case=world.case, kind=ConferenceKind.VICTIM_OFFENDER, status=ConferenceStatus.HELD, starts_at=held,
        held_at=held, address="Community hall", created_by=facilitator,
    )  # fmt: skip
    Participant.objects.create(conference=conference, role=Participant.Role.RESPONSIBLE, person=world.responsible)
    Participant.objects.create(conference=conference, role=Participant.Role.COMMUNITY, name="Neighbour")
    for item in items:
        conference_services.set_item_status(item=item, by=facilitator, status="completed")
    case_services.complete_case(case=world.refresh(), by=facilitator)
    Case.objects.filter(pk=world.case.pk).update(closed_at=timezone.now() - timedelta(days=days_ago))
    world.refresh()
    return world


@pytest.fixture
def completed_juvenile(officer, supervisor, facilitator) -> World:
    """Jamie Doyle (15) completed his agreement 61 days ago: the record is due to be sealed."""
    world = build_world(officer=officer, supervisor=supervisor, facilitator=facilitator)
    return complete(world, facilitator=facilitator, supervisor=supervisor)


@pytest.fixture
def as_user():
    """Return an API client signed in as `user` with a session."""

    def _as_user(user):
        client = APIClient()
        client.force_login(user)
        return client

    return _as_user
