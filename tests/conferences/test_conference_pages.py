"""The conference page and its moves: invitations, participants, reschedule, cancel, record as held."""

from datetime import timedelta

import pytest
from django.urls import reverse

from cases.models import CaseEvent, CaseStatus
from conferences import services
from conferences.models import Conference, ConferenceFacilitator, ConferenceStatus, Participant
from people.models import AuditEntry
from tests.conferences.conftest import checked, local, make_ready_case
from tests.helpers import page_text

pytestmark = pytest.mark.django_db


def url(name, conference, *args):
    return reverse(f"conferences:{name}", args=[conference.pk, *args])


def reschedule_data(**fields) -> dict:
    data = {
        "start_date": "2026-04-03",
        "start_time": "15:00",
        "duration_minutes": "120",
        "mode": "in_person",
        "venue": "",
        "address": "Room 3, Northby Library",
        "meeting_link": "",
        "reason": "The harmed party works on Wednesdays.",
        **fields,
    }
    return {name: value for name, value in data.items() if value is not None}


def hold_now(time_machine, conference):
    time_machine.move_to(conference.starts_at + timedelta(minutes=90), tick=False)


# The page


def test_page_shows_time_place_facilitators_participants_and_actions(login, facilitator, conference, officer):
    response = login(facilitator).get(url("detail", conference))

    assert response.status_code == 200
    text = page_text(response)
    assert "Victim-offender conference" in text
    assert "Wednesday 1 April 2026, 10:00 to 12:00" in text
    assert "(120 minutes)" in text
    assert "Northby Community Centre" in text
    assert "2 Mill Road" in text
    assert str(facilitator) in text
    for participant in conference.participants.all():
        assert participant.display_name in text
    assert str(officer) in text and "Police officer" in text
    assert "Not invited yet" in text
    for action in ("reschedule", "cancel", "ics"):
        assert url(action, conference) in text
    assert url("hold", conference) not in text  # not before it has started
    assert "Scheduled</strong> for 1 Apr 2026, 10:00" in text
    assert AuditEntry.objects.filter(
        actor=facilitator, action="view", object_type="conferences.conference", object_id=str(conference.pk)
    ).exists()


def test_a_virtual_conference_shows_its_link(login, facilitator, officer, supervisor, plan, other_facilitator):
    case = make_ready_case(officer=officer, supervisor=supervisor, facilitator=facilitator)
    conference = services.schedule_conference(
        case=case,
        by=facilitator,
        plan=plan(mode="virtual", venue=None, meeting_link="https://meet.example.org/abc"),
        facilitators=[facilitator],
    )

    text = page_text(login(facilitator).get(url("detail", conference)))

    assert '<a href="https://meet.example.org/abc"' in text
    assert "Online" in text


def test_unknown_conference_is_404(login, supervisor):
    assert login(supervisor).get(reverse("conferences:detail", args=[99999])).status_code == 404


# Invitations and participants


def test_invitation_status_changes_per_row(login, facilitator, conference):
    harmed = conference.participants.get(role="harmed")

    response = login(facilitator).post(
        url("invitation", conference, harmed.pk), {f"p{harmed.pk}-invitation": "accepted"}
    )

    assert response.status_code == 302
    harmed.refresh_from_db()
    assert harmed.invitation == Participant.Invitation.ACCEPTED
    page = login(facilitator).get(url("detail", conference))
    assert f"{harmed.display_name}: accepted." in page_text(page)
    assert '<option value="accepted" selected>' in page_text(page)


def test_a_made_up_invitation_status_changes_nothing(login, facilitator, conference):
    harmed = conference.participants.get(role="harmed")

    response = login(facilitator).post(url("invitation", conference, harmed.pk), {f"p{harmed.pk}-invitation": "maybe"})

    assert response.status_code == 302
    harmed.refresh_from_db()
    assert harmed.invitation == Participant.Invitation.TO_INVITE
    assert "Choose one of the invitation statuses." in page_text(login(facilitator).get(url("detail", conference)))


def test_a_participant_of_another_conference_is_404(login, officer, supervisor, facilitator, conference, plan):
    other_case = make_ready_case(officer=officer, supervisor=supervisor, facilitator=facilitator)
    other = services.schedule_conference(
        case=other_case,
        by=facilitator,
        plan=plan(starts_at=local(8, 10), venue=None, address="Hall"),
        facilitators=[facilitator],
    )
    stranger = other.participants.first()

    response = login(facilitator).post(
        url("invitation", conference, stranger.pk), {f"p{stranger.pk}-invitation": "declined"}
    )

    assert response.status_code == 404
    stranger.refresh_from_db()
    assert stranger.invitation == Participant.Invitation.TO_INVITE
    assert login(facilitator).post(url("invitation", conference, 99999), {}).status_code == 404


def test_invitation_change_is_post_only(login, facilitator, conference):
    harmed = conference.participants.get(role="harmed")
    assert login(facilitator).get(url("invitation", conference, harmed.pk)).status_code == 405


def test_a_community_member_is_added_by_name(login, facilitator, conference):
    response = login(facilitator).post(url("add_participant", conference), {"role": "community", "name": " Pat Elder "})

    assert response.status_code == 302
    added = conference.participants.get(role="community")
    assert added.name == "Pat Elder"
    assert "Pat Elder added as community member." in page_text(login(facilitator).get(url("detail", conference)))


@pytest.mark.parametrize("data", [{"role": "community", "name": ""}, {"role": "officer", "name": "X"}, {}])
def test_adding_someone_needs_a_name_and_an_allowed_role(login, facilitator, conference, data):
    before = conference.participants.count()

    response = login(facilitator).post(url("add_participant", conference), data)

    assert response.status_code == 302
    assert conference.participants.count() == before
    assert "Give the name" in page_text(login(facilitator).get(url("detail", conference)))


def test_nobody_is_added_to_a_cancelled_conference(login, facilitator, conference):
    services.cancel_conference(conference=conference, by=facilitator, reason="Withdrawn.")
    before = conference.participants.count()

    login(facilitator).post(url("add_participant", conference), {"role": "supporter", "name": "Sam"})

    assert conference.participants.count() == before
    page = page_text(login(facilitator).get(url("detail", conference)))
    assert "People can be added only while the conference is scheduled." in page


# Reschedule


def test_rescheduling_moves_the_conference_and_keeps_the_history(login, facilitator, conference, venue):
    page = login(facilitator).get(url("reschedule", conference))
    assert page.status_code == 200
    assert 'value="2026-04-01"' in page_text(page)
    assert 'value="10:00"' in page_text(page)
    assert f'<option value="{venue.pk}" selected>' in page_text(page)

    response = login(facilitator).post(url("reschedule", conference), reschedule_data())

    assert response.status_code == 302
    conference.refresh_from_db()
    assert conference.starts_at == local(3, 15)
    assert conference.venue is None
    assert conference.address == "Room 3, Northby Library"
    assert conference.sequence == 1
    assert conference.status == ConferenceStatus.SCHEDULED
    booking = ConferenceFacilitator.objects.get(conference=conference)
    assert (booking.starts_at, booking.ends_at) == (local(3, 15), local(3, 17))
    event = conference.case.events.filter(kind=CaseEvent.Kind.CONFERENCE).last()
    assert event.reason == "The harmed party works on Wednesdays."
    text = page_text(login(facilitator).get(url("detail", conference)))
    assert "Conference moved to Friday 3 April 2026 at 15:00." in text
    assert "Moved</strong>" in text
    assert "Time: 1 Apr 2026, 10:00 → 3 Apr 2026, 15:00" in text
    assert "Place: Northby Community Centre → Room 3, Northby Library" in text
    assert "Duration:" not in text
    assert "The harmed party works on Wednesdays." in text


def test_rescheduling_twice_pairs_each_move_with_its_reason(login, facilitator, conference, time_machine):
    login(facilitator).post(url("reschedule", conference), reschedule_data(reason="First reason."))
    time_machine.shift(timedelta(hours=1))
    login(facilitator).post(
        url("reschedule", conference), reschedule_data(start_date="2026-04-06", reason="Second reason.")
    )

    text = page_text(login(facilitator).get(url("detail", conference)))

    first, second = text.index("First reason."), text.index("Second reason.")
    assert text.index("→ 3 Apr 2026, 15:00") < first < text.index("→ 6 Apr 2026, 15:00") < second


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"reason": ""}, "This field is required."),
        ({"start_date": "2026-03-29"}, "The conference must start in the future."),
        ({"start_date": "yesterday"}, "Enter a valid date."),
        ({"address": ""}, "Choose a venue or type the address"),
        ({"start_date": "2026-04-01", "start_time": "10:00", "address": "", "venue": "VENUE"}, "already has"),
    ],
)
def test_rescheduling_refuses_bad_input_and_changes_nothing(login, facilitator, conference, venue, changes, message):
    if changes.get("venue") == "VENUE":
        changes["venue"] = str(venue.pk)

    response = login(facilitator).post(url("reschedule", conference), reschedule_data(**changes))

    assert response.status_code == 400
    assert message in page_text(response)
    conference.refresh_from_db()
    assert conference.starts_at == local(1, 10)
    assert conference.sequence == 0


def test_rescheduling_onto_a_busy_facilitator_is_explained(login, officer, supervisor, facilitator, conference, plan):
    other_case = make_ready_case(officer=officer, supervisor=supervisor, facilitator=facilitator)
    services.schedule_conference(
        case=other_case,
        by=facilitator,
        plan=plan(starts_at=local(3, 14), venue=None, address="Hall"),
        facilitators=[facilitator],
    )

    response = login(facilitator).post(url("reschedule", conference), reschedule_data())

    assert response.status_code == 400
    text = page_text(response)
    assert f"{facilitator} is already booked from 14:00 to 16:00 on 03 Apr 2026." in text
    assert "Room 3, Northby Library" in text  # what was typed is kept
    conference.refresh_from_db()
    assert conference.starts_at == local(1, 10)


def test_a_held_conference_cannot_be_rescheduled(login, facilitator, conference, time_machine):
    hold_now(time_machine, conference)
    services.hold_conference(conference=conference, by=facilitator, attended={})

    for response in (
        login(facilitator).get(url("reschedule", conference)),
        login(facilitator).post(url("reschedule", conference), reschedule_data(start_date="2026-04-10")),
    ):
        assert response.status_code == 302
    conference.refresh_from_db()
    assert conference.starts_at == local(1, 10)
    text = page_text(login(facilitator).get(url("detail", conference)))
    assert "This conference is held: it cannot be rescheduled." in text
    assert url("reschedule", conference) not in text


# Cancel


def test_cancelling_needs_a_reason_then_frees_the_bookings_and_the_case(login, facilitator, conference):
    page = login(facilitator).get(url("cancel", conference))
    assert page.status_code == 200

    refused = login(facilitator).post(url("cancel", conference), {"reason": "  "})
    assert refused.status_code == 400
    assert "This field is required." in page_text(refused)
    conference.refresh_from_db()
    assert conference.status == ConferenceStatus.SCHEDULED

    response = login(facilitator).post(url("cancel", conference), {"reason": "The responsible party moved away."})

    assert response.status_code == 302
    conference.refresh_from_db()
    assert conference.status == ConferenceStatus.CANCELLED
    assert conference.cancel_reason == "The responsible party moved away."
    assert not conference.bookings.filter(active=True).exists()
    conference.case.refresh_from_db()
    assert conference.case.status == CaseStatus.READY
    text = page_text(login(facilitator).get(url("detail", conference)))
    assert "Cancelled</strong>" in text
    assert "The responsible party moved away." in text
    assert url("cancel", conference) not in text
    assert url("ics", conference) in text


def test_cancelling_twice_is_refused_with_a_message(login, facilitator, conference):
    login(facilitator).post(url("cancel", conference), {"reason": "First."})
    events = CaseEvent.objects.count()

    response = login(facilitator).post(url("cancel", conference), {"reason": "Second."})

    assert response.status_code == 302
    conference.refresh_from_db()
    assert conference.cancel_reason == "First."
    assert CaseEvent.objects.count() == events
    assert "This conference is cancelled: it cannot be cancelled." in page_text(
        login(facilitator).get(response["Location"])
    )


# Record as held


def test_holding_before_the_start_is_refused(login, facilitator, conference):
    for response in (
        login(facilitator).get(url("hold", conference)),
        login(facilitator).post(url("hold", conference), {"notes": "Too early."}),
    ):
        assert response.status_code == 302
    conference.refresh_from_db()
    assert conference.status == ConferenceStatus.SCHEDULED
    text = page_text(login(facilitator).get(url("detail", conference)))
    assert (
        "This conference starts on Wednesday 1 April 2026 at 10:00: record it as held once it has taken place." in text
    )


def test_holding_records_attendance_and_notes(login, facilitator, conference, time_machine):
    hold_now(time_machine, conference)
    responsible = conference.participants.get(role="responsible")
    harmed = conference.participants.get(role="harmed")
    page = login(facilitator).get(url("hold", conference))
    assert page.status_code == 200
    assert responsible.display_name in page_text(page)
    assert checked(page, "attended") == set()

    response = login(facilitator).post(
        url("hold", conference), {"attended": [str(responsible.pk)], "notes": "Apology offered and accepted."}
    )

    assert response.status_code == 302
    conference.refresh_from_db()
    assert conference.status == ConferenceStatus.HELD
    assert conference.notes == "Apology offered and accepted."
    responsible.refresh_from_db()
    harmed.refresh_from_db()
    assert (responsible.attended, harmed.attended) == (True, False)
    conference.case.refresh_from_db()
    assert conference.case.status == CaseStatus.CONFERENCE_HELD
    text = page_text(login(facilitator).get(url("detail", conference)))
    assert "Attended" in text
    assert "Apology offered and accepted." in text
    assert "Recorded as held" in text


def test_holding_with_a_participant_of_another_conference_is_refused(
    login, officer, supervisor, facilitator, conference, plan, time_machine
):
    other_case = make_ready_case(officer=officer, supervisor=supervisor, facilitator=facilitator)
    other = services.schedule_conference(
        case=other_case,
        by=facilitator,
        plan=plan(starts_at=local(1, 8), venue=None, address="Hall"),
        facilitators=[facilitator],
    )
    hold_now(time_machine, conference)

    response = login(facilitator).post(url("hold", conference), {"attended": [str(other.participants.first().pk)]})

    assert response.status_code == 400
    assert "Select a valid choice." in page_text(response)
    conference.refresh_from_db()
    assert conference.status == ConferenceStatus.SCHEDULED


def test_a_cancelled_conference_cannot_be_held(login, facilitator, conference, time_machine):
    services.cancel_conference(conference=conference, by=facilitator, reason="Withdrawn.")
    hold_now(time_machine, conference)

    response = login(facilitator).post(url("hold", conference), {"notes": "x"})

    assert response.status_code == 302
    conference.refresh_from_db()
    assert conference.status == ConferenceStatus.CANCELLED
    assert conference.notes == ""
    assert "This conference is cancelled: it cannot be recorded as held." in page_text(
        login(facilitator).get(response["Location"])
    )


def test_a_held_conference_cannot_be_held_again_or_cancelled(login, facilitator, conference, time_machine):
    hold_now(time_machine, conference)
    login(facilitator).post(url("hold", conference), {"notes": "First notes."})

    login(facilitator).post(url("hold", conference), {"notes": "Second notes."})
    login(facilitator).post(url("cancel", conference), {"reason": "Oops."})

    conference.refresh_from_db()
    assert conference.status == ConferenceStatus.HELD
    assert conference.notes == "First notes."
    assert conference.cancel_reason == ""


def test_invitations_do_not_change_once_held(login, facilitator, conference, time_machine):
    hold_now(time_machine, conference)
    services.hold_conference(conference=conference, by=facilitator, attended={})
    harmed = conference.participants.get(role="harmed")

    login(facilitator).post(url("invitation", conference, harmed.pk), {f"p{harmed.pk}-invitation": "accepted"})

    harmed.refresh_from_db()
    assert harmed.invitation == Participant.Invitation.TO_INVITE
    assert "Invitations change only while the conference is scheduled." in page_text(
        login(facilitator).get(url("detail", conference))
    )


def test_no_conference_changes_count_on_a_get(login, facilitator, conference):
    before = Conference.objects.get(pk=conference.pk).sequence
    for name in ("detail", "reschedule", "cancel", "hold", "ics"):
        login(facilitator).get(url(name, conference))
    assert Conference.objects.get(pk=conference.pk).sequence == before


def test_a_move_of_place_only_says_only_that(login, facilitator, conference):
    login(facilitator).post(
        url("reschedule", conference),
        reschedule_data(
            start_date="2026-04-01", start_time="10:00", mode="virtual", meeting_link="https://meet.example.org/a"
        ),
    )

    text = page_text(login(facilitator).get(url("detail", conference)))

    assert "Place: Northby Community Centre → Online" in text
    assert "Time:" not in text


@pytest.mark.parametrize("pk", ["99999999999999999999", "9223372036854775808"])
def test_huge_ids_are_404(login, supervisor, pk):
    client = login(supervisor)
    for path in (f"/conferences/{pk}/", f"/conferences/{pk}/invitation.ics", f"/conferences/cases/{pk}/schedule/"):
        assert client.get(path).status_code == 404


def test_holding_with_nobody_ticked_and_no_notes_is_a_valid_record(login, facilitator, conference, time_machine):
    hold_now(time_machine, conference)

    response = login(facilitator).post(url("hold", conference), {})

    assert response.status_code == 302
    conference.refresh_from_db()
    assert conference.status == ConferenceStatus.HELD
    assert set(conference.participants.values_list("attended", flat=True)) == {False}
