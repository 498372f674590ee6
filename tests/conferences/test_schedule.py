"""The schedule page: the form, its checks, double bookings and cases that are not ready."""

import pytest
from django.urls import reverse

from cases.models import CaseStatus, ConsentPurpose
from cases.services import withdraw_consent
from conferences import services
from conferences.models import Conference, ConferenceFacilitator, Participant
from tests.conferences.conftest import checked, local, make_ready_case, schedule_data
from tests.factories import UserFactory
from tests.helpers import page_text

pytestmark = pytest.mark.django_db


def schedule_url(case):
    return reverse("conferences:schedule", args=[case.pk])


def test_form_offers_active_facilitators_and_ticks_the_cases_own(
    login, officer, supervisor, facilitator, co_facilitator, other_facilitator
):
    case = make_ready_case(
        officer=officer, supervisor=supervisor, facilitator=facilitator, co_facilitator=co_facilitator
    )
    UserFactory(username="gone", facilitator=True, is_active=False, first_name="Gone", last_name="Away")

    response = login(facilitator).get(schedule_url(case))

    assert response.status_code == 200
    text = page_text(response)
    assert checked(response, "facilitators") == {str(facilitator.pk), str(co_facilitator.pk)}
    assert checked(response, "mode") == {"in_person"}
    assert checked(response, "invite_officer") == set()
    assert "Femi Adebayo" in text
    assert "Gone Away" not in text
    assert f"{officer} is added to the participants." in text


def test_scheduling_creates_the_conference_books_the_facilitators_and_moves_the_case(
    login, facilitator, other_facilitator, ready_case, officer
):
    data = schedule_data(facilitators=[facilitator, other_facilitator], invite_officer="on")

    response = login(facilitator).post(schedule_url(ready_case), data)

    conference = Conference.objects.get(case=ready_case)
    assert response.status_code == 302
    assert response["Location"] == conference.get_absolute_url()
    # 14:30 in London in April (British Summer Time) is 13:30 UTC.
    assert conference.starts_at == local(2, 14, 30)
    assert conference.starts_at.utcoffset().total_seconds() == 0
    assert conference.starts_at.hour == 13
    assert conference.duration_minutes == 90
    assert conference.ends_at == local(2, 16)
    assert conference.address == "Room 3, Northby Library, 5 Market Square"
    assert conference.venue is None
    assert conference.created_by == facilitator
    booked = set(
        ConferenceFacilitator.objects.filter(conference=conference, active=True).values_list("facilitator", flat=True)
    )
    assert booked == {facilitator.pk, other_facilitator.pk}
    roles = sorted(conference.participants.values_list("role", flat=True))
    assert roles == ["harmed", "officer", "responsible"]
    assert conference.participants.get(role="officer").user == officer
    ready_case.refresh_from_db()
    assert ready_case.status == CaseStatus.SCHEDULED
    follow = login(facilitator).get(response["Location"])
    assert "Community circle scheduled for Thursday 2 April 2026 at 14:30." in page_text(follow)


def test_a_virtual_conference_needs_a_link_and_keeps_no_place(login, facilitator, ready_case, venue):
    data = schedule_data(facilitators=[facilitator], mode="virtual", venue=str(venue.pk), meeting_link="")

    response = login(facilitator).post(schedule_url(ready_case), data)

    assert response.status_code == 400
    assert "A virtual conference needs the link to join it." in page_text(response)
    assert not Conference.objects.exists()

    data["meeting_link"] = "meet.example.org/rj-circle"
    response = login(facilitator).post(schedule_url(ready_case), data)

    conference = Conference.objects.get()
    assert response.status_code == 302
    assert conference.mode == Conference.Mode.VIRTUAL
    assert conference.meeting_link == "https://meet.example.org/rj-circle"
    assert conference.venue is None
    assert conference.address == ""


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"start_date": "2026-03-30", "start_time": "08:59"}, "The conference must start in the future."),
        ({"start_date": "2025-12-01"}, "The conference must start in the future."),
        ({"start_date": "2029-01-01"}, "Schedule a conference at most two years ahead."),
        ({"start_date": "9999-12-31", "start_time": "23:59", "duration_minutes": "480"}, "at most two years ahead"),
        ({"start_date": "2026-02-30"}, "Enter a valid date."),
        ({"start_date": "not a date"}, "Enter a valid date."),
        ({"start_time": "25:00"}, "Enter a valid time."),
        ({"start_date": None, "start_time": None}, "This field is required."),
        ({"duration_minutes": "10"}, "A conference lasts at least 15 minutes."),
        ({"duration_minutes": "481"}, "A conference lasts at most 8 hours (480 minutes)."),
        ({"duration_minutes": "two hours"}, "Enter a whole number."),
        ({"address": ""}, "Choose a venue or type the address where the conference takes place."),
        ({"mode": "by carrier pigeon"}, "Select a valid choice."),
        ({"kind": "trial"}, "Select a valid choice."),
        ({"venue": "99999"}, "Select a valid choice."),
        ({"venue": "abc"}, "Select a valid choice."),
        ({"mode": "virtual", "meeting_link": "not a link"}, "Enter a valid URL."),
        ({"mode": "virtual", "meeting_link": "javascript:alert(1)"}, "Enter a valid URL."),
        ({"mode": "virtual", "meeting_link": "ftp://files.example.org/x"}, "Enter a valid URL."),
        ({"facilitators": []}, "This field is required."),
        ({"facilitators": ["99999"]}, "Select a valid choice."),
        ({"facilitators": ["x"]}, "is not a valid value."),
    ],
)
def test_invalid_input_is_explained_and_schedules_nothing(login, facilitator, ready_case, changes, message):
    data = {**schedule_data(facilitators=[facilitator]), **changes}
    data = {name: value for name, value in data.items() if value is not None}

    response = login(facilitator).post(schedule_url(ready_case), data)

    assert response.status_code == 400
    assert message in page_text(response)
    assert "Nothing you typed has been lost." in page_text(response)
    assert not Conference.objects.exists()
    ready_case.refresh_from_db()
    assert ready_case.status == CaseStatus.READY


def test_both_a_venue_and_an_address_is_refused(login, facilitator, ready_case, venue):
    data = schedule_data(facilitators=[facilitator], venue=str(venue.pk))

    response = login(facilitator).post(schedule_url(ready_case), data)

    assert response.status_code == 400
    assert "Choose a venue or type an address, not both." in page_text(response)


def test_only_facilitators_can_be_booked(login, supervisor, ready_case, officer):
    data = schedule_data(facilitators=[supervisor])

    response = login(supervisor).post(schedule_url(ready_case), data)

    assert response.status_code == 400
    assert "Select a valid choice." in page_text(response)
    assert not Conference.objects.exists()


def test_a_double_booked_facilitator_is_explained_and_the_form_keeps_what_was_typed(
    login, officer, supervisor, facilitator, other_facilitator, conference
):
    second = make_ready_case(officer=officer, supervisor=supervisor, facilitator=facilitator)
    data = schedule_data(
        facilitators=[facilitator, other_facilitator],
        start_date="2026-04-01",
        start_time="11:00",
        address="The Old School Hall",
        invite_officer="on",
    )

    response = login(facilitator).post(schedule_url(second), data)

    assert response.status_code == 400
    text = page_text(response)
    assert f"{facilitator} is already booked from 10:00 to 12:00 on 01 Apr 2026." in text
    assert "The conference was not scheduled." in text
    assert 'value="2026-04-01"' in text
    assert 'value="11:00"' in text
    assert "The Old School Hall" in text
    assert checked(response, "facilitators") == {str(facilitator.pk), str(other_facilitator.pk)}
    assert checked(response, "invite_officer") == {"on"}
    assert Conference.objects.count() == 1
    assert not ConferenceFacilitator.objects.filter(facilitator=other_facilitator).exists()
    second.refresh_from_db()
    assert second.status == CaseStatus.READY


def test_back_to_back_conferences_do_not_clash(login, officer, supervisor, facilitator, conference):
    second = make_ready_case(officer=officer, supervisor=supervisor, facilitator=facilitator)
    data = schedule_data(facilitators=[facilitator], start_date="2026-04-01", start_time="12:00")

    response = login(facilitator).post(schedule_url(second), data)

    assert response.status_code == 302
    assert Conference.objects.count() == 2


def test_a_double_booked_venue_is_explained(login, officer, supervisor, other_facilitator, conference, venue):
    second = make_ready_case(officer=officer, supervisor=supervisor, facilitator=other_facilitator)
    data = schedule_data(
        facilitators=[other_facilitator], start_date="2026-04-01", start_time="09:00", venue=str(venue.pk), address=""
    )

    response = login(other_facilitator).post(schedule_url(second), data)

    assert response.status_code == 400
    assert "Northby Community Centre is already booked from 10:00 to 12:00 on 01 Apr 2026." in page_text(response)
    assert Conference.objects.count() == 1


def test_a_cancelled_conference_frees_the_facilitator_and_the_venue(
    login, officer, supervisor, facilitator, conference, venue
):
    services.cancel_conference(conference=conference, by=facilitator, reason="The harmed party is unwell.")
    second = make_ready_case(officer=officer, supervisor=supervisor, facilitator=facilitator)
    data = schedule_data(
        facilitators=[facilitator], start_date="2026-04-01", start_time="10:00", venue=str(venue.pk), address=""
    )

    response = login(facilitator).post(schedule_url(second), data)

    assert response.status_code == 302, page_text(response)
    assert second.conferences.get().venue == venue


def test_a_case_in_intake_says_what_is_missing_and_cannot_be_scheduled(login, facilitator, case):
    case.facilitator = facilitator
    case.save(update_fields=["facilitator"])

    page = login(facilitator).get(schedule_url(case))

    assert page.status_code == 200
    text = page_text(page)
    assert "This case cannot have a conference yet" in text
    party = case.referral.parties.get().person
    assert f"Assess the readiness and risk of {party.display_name}." in text
    assert 'name="start_date"' not in text

    response = login(facilitator).post(schedule_url(case), schedule_data(facilitators=[facilitator]))

    assert response.status_code == 400
    assert f"Assess the readiness and risk of {party.display_name}." in page_text(response)
    assert not Conference.objects.exists()
    case.refresh_from_db()
    assert case.status == CaseStatus.INTAKE


def test_a_withdrawn_consent_stops_scheduling(login, facilitator, ready_case):
    consent = ready_case.consents.filter(purpose=ConsentPurpose.CONFERENCE).first()
    withdraw_consent(consent=consent, by=facilitator, reason="Changed their mind.")

    response = login(facilitator).post(schedule_url(ready_case), schedule_data(facilitators=[facilitator]))

    assert response.status_code == 400
    assert f"Record {consent.person.display_name}'s consent to take part in a conference." in page_text(response)
    assert not Conference.objects.exists()


def test_a_closed_case_cannot_be_scheduled(login, supervisor, ready_case):
    from cases.services import close_without_conference

    close_without_conference(case=ready_case, by=supervisor, reason="The harmed party declined.")

    response = login(supervisor).post(schedule_url(ready_case), schedule_data(facilitators=[ready_case.facilitator]))

    assert response.status_code == 400
    assert "No conference can be scheduled now: the case's stage is Closed without conference." in page_text(response)
    assert not Conference.objects.exists()


def test_a_second_conference_can_be_scheduled_while_one_is_scheduled(login, facilitator, conference, ready_case):
    response = login(facilitator).post(schedule_url(ready_case), schedule_data(facilitators=[facilitator]))

    assert response.status_code == 302
    assert ready_case.conferences.count() == 2
    assert Participant.objects.filter(conference__case=ready_case, role="officer").count() == 1
