"""Who may lead a conference: a facilitator accredited for its kind on its day. A trainee may
co-facilitate; a supervisor may let someone lead without accreditation, with a reason that is kept.
Through the schedule and reschedule pages and the API, as facilitators and supervisors use them."""

from datetime import date, timedelta

import pytest
from django.urls import reverse

from cases.models import CaseEvent
from conferences.models import Conference, ConferenceFacilitator
from people.models import AuditEntry
from tests.conferences.conftest import schedule_data
from tests.factories import accredit
from tests.helpers import page_text
from training.models import AccreditationStatus, ConferenceKind, Level
from training.services import lapse_accreditations

pytestmark = pytest.mark.django_db

CIRCLE = ConferenceKind.COMMUNITY_CIRCLE
# The schedule form's conference is a community circle on Thursday 2 April 2026; "today" is 30 March.
CONFERENCE_DAY = date(2026, 4, 2)


def schedule(client, case, **fields):
    return client.post(reverse("conferences:schedule", args=[case.pk]), schedule_data(**fields))


def test_a_facilitator_without_accreditation_for_the_kind_cannot_lead(login, untrained, case_of):
    case = case_of(untrained)
    accredit(untrained, kind=ConferenceKind.VICTIM_OFFENDER)  # another kind does not count

    response = schedule(login(untrained), case, facilitators=[untrained])

    assert response.status_code == 400
    text = page_text(response)
    assert "Noor Hale holds no accreditation for community circles." in text
    assert "a supervisor may let them lead with a written reason" in text
    assert 'name="lead_override_reason"' not in text  # a facilitator cannot override
    assert not Conference.objects.exists()


def test_an_accreditation_that_expires_before_the_day_does_not_count(login, untrained, case_of):
    case = case_of(untrained)
    held = accredit(untrained, expires_on=CONFERENCE_DAY)  # lapses on the conference's day

    response = schedule(login(untrained), case, facilitators=[untrained])

    assert response.status_code == 400
    assert "accreditation for community circles expires on 02 Apr 2026, before the conference" in page_text(response)
    held.expires_on = CONFERENCE_DAY + timedelta(days=1)
    held.save()
    assert schedule(login(untrained), case, facilitators=[untrained]).status_code == 302
    booking = ConferenceFacilitator.objects.get(conference__case=case)
    assert booking.is_lead and booking.lead_override_reason == ""


def test_expiry_by_the_clock_and_the_daily_lapse(login, untrained, case_of, time_machine):
    case = case_of(untrained)
    held = accredit(untrained, expires_on=date(2026, 4, 10))
    time_machine.move_to("2026-04-10 08:00+01:00", tick=False)
    # The day has come: not current even before the daily task marks it.
    response = schedule(login(untrained), case, facilitators=[untrained], start_date="2026-04-14")
    assert response.status_code == 400
    assert held.status == AccreditationStatus.CURRENT

    assert lapse_accreditations() == 1
    held.refresh_from_db()
    assert (held.status, held.lapsed_on) == (AccreditationStatus.LAPSED, date(2026, 4, 10))
    assert lapse_accreditations() == 0  # once
    assert (
        AuditEntry.objects.filter(
            object_type="training.accreditation", object_id=str(held.pk), detail="fields: lapsed_on,status"
        ).count()
        == 1
    )
    assert held.history.first().history_change_reason == "lapsed"
    response = schedule(login(untrained), case, facilitators=[untrained], start_date="2026-04-14")
    assert "Noor Hale's accreditation for community circles lapsed on 10 Apr 2026." in page_text(response)


def test_a_trainee_co_facilitates_with_an_accredited_lead_but_does_not_lead(login, facilitator, untrained, case_of):
    accredit(untrained, level=Level.TRAINEE)
    case = case_of(untrained, co=facilitator)

    response = schedule(login(facilitator), case, facilitators=[untrained, facilitator])
    assert response.status_code == 400
    assert "Noor Hale is a trainee for community circles (a trainee may co-facilitate, not lead)" in page_text(response)

    response = schedule(login(facilitator), case, facilitators=[untrained, facilitator], lead=str(facilitator.pk))
    assert response.status_code == 302
    bookings = {b.facilitator_id: b.is_lead for b in ConferenceFacilitator.objects.filter(conference__case=case)}
    assert bookings == {facilitator.pk: True, untrained.pk: False}


def test_the_lead_must_be_one_of_the_facilitators_and_is_asked_for_when_unclear(
    login, facilitator, other_facilitator, untrained, case_of
):
    case = case_of(untrained)
    response = schedule(login(untrained), case, facilitators=[facilitator, other_facilitator])
    assert response.status_code == 400
    assert "Choose which of the facilitators leads the conference." in page_text(response)
    response = schedule(login(untrained), case, facilitators=[facilitator], lead=str(other_facilitator.pk))
    assert "leads the conference, so must be one of its facilitators" in page_text(response)
    response = schedule(login(untrained), case, facilitators=[facilitator], lead="nonsense")
    assert response.status_code == 400
    assert not Conference.objects.exists()


def test_a_supervisor_overrides_with_a_reason_that_is_kept_and_audited(login, supervisor, untrained, case_of):
    case = case_of(untrained)
    client = login(supervisor)

    refused = schedule(client, case, facilitators=[untrained])
    assert refused.status_code == 400
    assert 'name="lead_override_reason"' in page_text(refused)  # now asked for the reason

    reason = "Only Welsh-speaking facilitator; senior co-facilitator observes."
    response = schedule(client, case, facilitators=[untrained], lead_override_reason=reason)

    assert response.status_code == 302
    booking = ConferenceFacilitator.objects.get(conference__case=case)
    assert (booking.is_lead, booking.lead_override_reason, booking.overridden_by) == (True, reason, supervisor)
    event = case.events.filter(kind=CaseEvent.Kind.CONFERENCE, reason=reason).get()
    assert "Noor Hale leads the community circle without a current accreditation" in event.summary
    assert AuditEntry.objects.filter(
        object_type="conferences.conferencefacilitator", object_id=str(booking.pk), actor=supervisor
    ).exists()
    assert "Only Welsh-speaking facilitator" in page_text(client.get(case.get_absolute_url() + "?tab=conferences"))
    page = page_text(client.get(booking.conference.get_absolute_url()))
    assert "Leads without a current accreditation for this kind: allowed by" in page
    assert f"“{reason}”" in page


def test_the_case_facilitator_cannot_slip_an_override_into_the_form(login, untrained, case_of):
    case = case_of(untrained)
    response = schedule(login(untrained), case, facilitators=[untrained], lead_override_reason="I know it well")
    assert response.status_code == 400  # the field is not theirs: it is ignored, and the rule holds
    assert not Conference.objects.exists()


def test_moving_past_the_expiry_is_refused_unless_a_supervisor_overrides(login, supervisor, untrained, case_of):
    case = case_of(untrained)
    accredit(untrained, expires_on=date(2026, 4, 20))
    assert schedule(login(untrained), case, facilitators=[untrained]).status_code == 302
    conference = Conference.objects.get(case=case)
    url = reverse("conferences:reschedule", args=[conference.pk])
    move = {
        "start_date": "2026-04-21",
        "start_time": "14:30",
        "duration_minutes": "90",
        "mode": "in_person",
        "address": "Room 3, Northby Library, 5 Market Square",
        "reason": "The harmed party is away.",
    }

    response = login(untrained).post(url, move)
    assert response.status_code == 400
    assert "expires on 20 Apr 2026, before the conference" in page_text(response)

    response = login(supervisor).post(url, {**move, "lead_override_reason": "Renewal booked for 22 April."})
    assert response.status_code == 302
    conference.refresh_from_db()
    assert conference.starts_at.date() == date(2026, 4, 21)
    assert (
        ConferenceFacilitator.objects.get(conference=conference).lead_override_reason == "Renewal booked for 22 April."
    )


def test_the_forms_show_each_facilitators_accreditation_and_caseload(
    login, supervisor, facilitator, untrained, case_of
):
    accredit(untrained, level=Level.TRAINEE, kind=ConferenceKind.FAMILY_GROUP)
    case = case_of(facilitator)
    client = login(supervisor)

    schedule_page = page_text(client.get(reverse("conferences:schedule", args=[case.pk])))
    assert "Noor Hale (0 open cases; trainee for family group)" in schedule_page
    assert f"{facilitator.get_full_name()} (1 open case; leads community circle, family group" in schedule_page

    assign_page = page_text(client.get(case.get_absolute_url()))
    assert "Noor Hale (0 open cases; trainee for family group)" in assign_page
