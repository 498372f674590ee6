"""The .ics invitation: headers, a stable UID, a growing SEQUENCE, UTC times, cancellation."""

import pytest
from django.urls import reverse
from icalendar import Calendar

from conferences import services
from tests.conferences.conftest import local

pytestmark = pytest.mark.django_db


def download(client, conference):
    response = client.get(reverse("conferences:ics", args=[conference.pk]))
    assert response.status_code == 200
    return response


def event_of(response):
    calendar = Calendar.from_ical(response.content)
    (event,) = calendar.walk("VEVENT")
    return calendar, event


def test_the_download_is_a_calendar_attachment_named_after_the_case(login, facilitator, conference):
    response = download(login(facilitator), conference)

    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    reference = conference.case.reference
    assert response["Content-Disposition"] == f'attachment; filename="conference-{reference}.ics"'
    calendar, event = event_of(response)
    assert str(calendar["METHOD"]) == "PUBLISH"
    assert str(event["UID"]) == f"{conference.uid}@rjcases"
    assert int(event["SEQUENCE"]) == 0
    assert str(event["STATUS"]) == "CONFIRMED"
    assert str(event["SUMMARY"]) == f"Victim-offender conference ({reference})"
    assert str(event["LOCATION"]) == "Northby Community Centre, 2 Mill Road\nNorthby NB1 4CC"


def test_times_are_in_utc(login, facilitator, conference):
    """10:00 in London on 1 April 2026 is British Summer Time: 09:00 UTC."""
    raw = download(login(facilitator), conference).content.decode()

    assert "DTSTART:20260401T090000Z" in raw
    assert "DTEND:20260401T110000Z" in raw
    assert "TZID" not in raw


def test_no_names_of_the_parties_in_the_invitation(login, facilitator, conference):
    raw = download(login(facilitator), conference).content.decode()
    for participant in conference.participants.all():
        assert participant.display_name not in raw


def test_rescheduling_keeps_the_uid_and_raises_the_sequence(login, facilitator, conference, plan):
    client = login(facilitator)
    _, before = event_of(download(client, conference))

    services.reschedule_conference(
        conference=conference,
        by=facilitator,
        plan=plan(starts_at=local(7, 18), venue=None, mode="virtual", meeting_link="https://meet.example.org/x"),
        reason="Evening suits everyone.",
    )
    raw = download(client, conference).content.decode()
    _, after = event_of(download(client, conference))

    assert str(after["UID"]) == str(before["UID"])
    assert int(after["SEQUENCE"]) == int(before["SEQUENCE"]) + 1
    assert "DTSTART:20260407T170000Z" in raw
    assert str(after["LOCATION"]) == "https://meet.example.org/x"
    assert str(after["URL"]) == "https://meet.example.org/x"


def test_a_winter_conference_is_in_utc_too(login, facilitator, conference, plan):
    services.reschedule_conference(
        conference=conference, by=facilitator, plan=plan(starts_at=local(10, 10, month=11)), reason="Later."
    )
    raw = download(login(facilitator), conference).content.decode()
    assert "DTSTART:20261110T100000Z" in raw


def test_a_cancelled_conference_says_so(login, facilitator, conference):
    services.cancel_conference(conference=conference, by=facilitator, reason="Withdrawn.")

    calendar, event = event_of(download(login(facilitator), conference))

    assert str(calendar["METHOD"]) == "CANCEL"
    assert str(event["STATUS"]) == "CANCELLED"
    assert int(event["SEQUENCE"]) == 1
    assert str(event["UID"]) == f"{conference.uid}@rjcases"
