"""Who may see and change conferences: each persona on every page, and the confidential notes."""

from datetime import timedelta

import pytest
from django.urls import reverse

from conferences import services
from conferences.models import ConferenceStatus
from tests.conferences.conftest import schedule_data
from tests.factories import UserFactory
from tests.helpers import page_text

pytestmark = pytest.mark.django_db

NOTES = "He said he was sorry; she talked about the fear since."


@pytest.fixture
def held(conference, facilitator, time_machine):
    time_machine.move_to(conference.starts_at + timedelta(hours=3), tick=False)
    return services.hold_conference(conference=conference, by=facilitator, attended={}, notes=NOTES)


@pytest.fixture
def personas(supervisor, facilitator, other_facilitator, officer, partner):
    return {
        "supervisor": supervisor,
        "facilitator": facilitator,
        "other_facilitator": other_facilitator,
        "officer": officer,
        "partner": partner,
        "anonymous": None,
    }


def client_as(client, user):
    client.logout()
    if user is not None:
        client.force_login(user)
    return client


# persona -> expected status of a page of the case's conference (GET) or a move on it (POST)
READ = {"supervisor": 200, "facilitator": 200, "other_facilitator": 404, "officer": 404, "partner": 404}
WRITE_GET = READ


@pytest.mark.parametrize(
    "persona", ["supervisor", "facilitator", "other_facilitator", "officer", "partner", "anonymous"]
)
@pytest.mark.parametrize("page", ["detail", "ics", "reschedule", "cancel"])
def test_conference_pages(client, personas, persona, page, conference):
    response = client_as(client, personas[persona]).get(reverse(f"conferences:{page}", args=[conference.pk]))

    if persona == "anonymous":
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("login"))
    else:
        assert response.status_code == READ[persona]


@pytest.mark.parametrize(
    "persona", ["supervisor", "facilitator", "other_facilitator", "officer", "partner", "anonymous"]
)
def test_schedule_page(client, personas, persona, ready_case):
    response = client_as(client, personas[persona]).get(reverse("conferences:schedule", args=[ready_case.pk]))

    expected = {"anonymous": 302, **READ}[persona]
    assert response.status_code == expected


@pytest.mark.parametrize("persona", ["other_facilitator", "officer", "partner", "anonymous"])
def test_outsiders_cannot_schedule_or_change_anything(
    client, personas, persona, conference, ready_case, facilitator, time_machine
):
    user = personas[persona]
    participant = conference.participants.get(role="harmed")
    time_machine.move_to(conference.starts_at + timedelta(hours=1), tick=False)  # so that holding is possible
    client_as(client, user)
    posts = [
        (reverse("conferences:schedule", args=[ready_case.pk]), schedule_data(facilitators=[facilitator])),
        (reverse("conferences:reschedule", args=[conference.pk]), {"reason": "x", "start_date": "2026-04-09"}),
        (reverse("conferences:cancel", args=[conference.pk]), {"reason": "x"}),
        (reverse("conferences:add_participant", args=[conference.pk]), {"role": "community", "name": "Z"}),
        (
            reverse("conferences:invitation", args=[conference.pk, participant.pk]),
            {f"p{participant.pk}-invitation": "declined"},
        ),
        (reverse("conferences:hold", args=[conference.pk]), {"notes": "x"}),
    ]

    for path, data in posts:
        response = client.post(path, data)
        assert response.status_code == (302 if user is None else 404), path
        if user is None:
            assert response["Location"].startswith(reverse("login"))

    conference.refresh_from_db()
    participant.refresh_from_db()
    assert conference.status == ConferenceStatus.SCHEDULED
    assert conference.sequence == 0
    assert participant.invitation == "to_invite"
    assert conference.participants.count() == 3
    assert ready_case.conferences.count() == 1


def test_the_supervisor_can_do_everything(login, supervisor, conference, ready_case, facilitator):
    client = login(supervisor)
    participant = conference.participants.get(role="harmed")

    assert (
        client.post(
            reverse("conferences:add_participant", args=[conference.pk]), {"role": "supporter", "name": "Al"}
        ).status_code
        == 302
    )
    client.post(
        reverse("conferences:invitation", args=[conference.pk, participant.pk]),
        {f"p{participant.pk}-invitation": "invited"},
    )
    client.post(reverse("conferences:cancel", args=[conference.pk]), {"reason": "Coordinator's decision."})

    participant.refresh_from_db()
    conference.refresh_from_db()
    assert participant.invitation == "invited"
    assert conference.participants.filter(name="Al").exists()
    assert conference.status == ConferenceStatus.CANCELLED


def test_a_facilitator_booked_on_someone_elses_case_sees_the_conference_but_not_the_notes(
    login, other_facilitator, conference, facilitator, time_machine
):
    conference.bookings.create(
        facilitator=other_facilitator, starts_at=conference.starts_at, ends_at=conference.ends_at
    )
    time_machine.move_to(conference.starts_at + timedelta(hours=3), tick=False)
    services.hold_conference(conference=conference, by=facilitator, attended={}, notes=NOTES)
    client = login(other_facilitator)

    page = client.get(reverse("conferences:detail", args=[conference.pk]))

    assert page.status_code == 200
    text = page_text(page)
    assert NOTES not in text
    assert "Confidential notes" not in text
    assert reverse("conferences:cancel", args=[conference.pk]) not in text
    assert client.get(reverse("conferences:ics", args=[conference.pk])).status_code == 200
    for name in ("reschedule", "cancel", "hold"):
        assert client.get(reverse(f"conferences:{name}", args=[conference.pk])).status_code == 403
    assert client.post(reverse("conferences:cancel", args=[conference.pk]), {"reason": "x"}).status_code == 403


@pytest.mark.parametrize("persona", ["supervisor", "facilitator"])
def test_the_cases_facilitators_and_supervisors_read_the_notes(login, personas, persona, held):
    text = page_text(login(personas[persona]).get(reverse("conferences:detail", args=[held.pk])))
    assert NOTES in text


def test_an_officer_asking_for_the_notes_never_sees_them(login, officer, held):
    client = login(officer)

    for path in (
        reverse("conferences:detail", args=[held.pk]),
        reverse("conferences:ics", args=[held.pk]),
        reverse("conferences:hold", args=[held.pk]),
    ):
        response = client.get(path)
        assert response.status_code == 404
        assert NOTES not in page_text(response)
    referral_page = client.get(held.case.referral.get_absolute_url())
    assert referral_page.status_code == 200
    assert NOTES not in page_text(referral_page)


def test_the_partner_never_sees_the_notes(login, partner, held):
    response = login(partner).get(reverse("conferences:detail", args=[held.pk]))
    assert response.status_code == 404
    assert NOTES not in page_text(response)


@pytest.mark.parametrize(
    ("persona", "status"),
    [("supervisor", 200), ("facilitator", 200), ("other_facilitator", 200), ("officer", 403), ("partner", 403)],
)
def test_the_week_schedule_is_for_facilitators_and_supervisors(client, personas, persona, status):
    response = client_as(client, personas[persona]).get(reverse("conferences:my_schedule"))
    assert response.status_code == status


def test_the_week_schedule_needs_a_login(client):
    response = client.get(reverse("conferences:my_schedule"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_an_admin_is_a_supervisor_here(login, conference):
    admin = UserFactory(username="admin", admin=True)
    assert login(admin).get(reverse("conferences:detail", args=[conference.pk])).status_code == 200
