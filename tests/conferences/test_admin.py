"""The admin: venues are managed there; conferences are shown read-only, without their notes."""

from datetime import timedelta

import pytest
from django.urls import reverse

from conferences import services
from conferences.models import Venue
from tests.factories import UserFactory
from tests.helpers import page_text

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client):
    client.force_login(UserFactory(username="admin", admin=True))
    return client


def test_venues_can_be_added(admin_client):
    response = admin_client.post(
        reverse("admin:conferences_venue_add"),
        {"name": "Quaker Meeting House", "address": "Friars Walk", "active": "on"},
    )
    assert response.status_code == 302
    assert Venue.objects.filter(name="Quaker Meeting House").exists()


def test_conferences_are_read_only_and_keep_their_notes_out(admin_client, conference, facilitator, time_machine):
    time_machine.move_to(conference.starts_at + timedelta(hours=3), tick=False)
    services.hold_conference(conference=conference, by=facilitator, attended={}, notes="What was said stays here.")
    admin_client.force_login(UserFactory(username="admin", admin=True))  # the clock moved past the session

    listing = admin_client.get(reverse("admin:conferences_conference_changelist"))
    page = admin_client.get(reverse("admin:conferences_conference_change", args=[conference.pk]))

    assert listing.status_code == 200
    assert conference.case.reference in page_text(listing)
    assert page.status_code == 200
    text = page_text(page)
    assert "What was said stays here." not in text
    assert 'name="_save"' not in text
    assert admin_client.get(reverse("admin:conferences_conference_add")).status_code == 403
    assert admin_client.get(reverse("admin:conferences_conference_delete", args=[conference.pk])).status_code == 403
