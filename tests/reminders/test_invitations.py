"""Invitations that reach the participants and come back, through their links.

Built on the reminders' case (tests/reminders/conftest.py): Robin and Harriet consented and have
an email address; the clock stands at Monday 30 March 2026, 09:00 in London.
"""

import re
from datetime import timedelta

import pytest
from django.urls import reverse

from cases import services as case_services
from conferences import services as conference_services
from conferences.models import Conference, Participant
from people.models import ContactDetails, Notification
from reminders.models import Reminder, ReminderKind, ReminderStatus
from tests.helpers import page_text
from tests.reminders.conftest import NOW, conference_plan, local, sweep

pytestmark = pytest.mark.django_db

Invitation = Participant.Invitation
LINK = re.compile(r"https://rj\.example\.org(/invitation/[A-Za-z0-9_-]+/)")


@pytest.fixture
def booked(ready_case, facilitator) -> Conference:
    """Robin's conference on Thursday 2 April at 14:30, its invitations not sent yet."""
    return conference_services.schedule_conference(
        case=ready_case, by=facilitator, plan=conference_plan(local(2, 14, 30)), facilitators=[facilitator]
    )


def invitation_to(mailoutbox, address: str):
    return invitation_to_subject(mailoutbox, address, "You are invited")


def invitation_to_subject(mailoutbox, address: str, start: str):
    [email] = [e for e in mailoutbox if e.to == [address] and e.subject.startswith(start)]
    return email


def link_of(email) -> str:
    return LINK.search(email.body).group(1)


def participant(conference, first_name) -> Participant:
    return conference.participants.get(person__first_name=first_name)


def test_scheduling_sends_each_consenting_participant_an_invitation_with_a_link_and_the_calendar(
    booked, mailoutbox, robin, harriet, client
):
    robin_row = participant(booked, "Robin")
    assert robin_row.invitation == Invitation.TO_INVITE

    assert sweep() == {"sent": 2}

    email = invitation_to(mailoutbox, "robin.reed@example.org")
    assert email.subject == "You are invited to a restorative justice meeting on Thu 02 Apr 2026 at 14:30"
    assert "Where: Room 3, Northby Library, 5 Market Square" in email.body
    assert "Answer the invitation: https://rj.example.org/invitation/" in email.body
    assert [a[0] for a in email.attachments] == ["invitation.ics"]
    robin_row.refresh_from_db()
    assert (robin_row.invitation, robin_row.invited_at) == (Invitation.INVITED, NOW)
    assert len(robin_row.link_hash) == 64 and link_of(email).split("/")[2] not in robin_row.link_hash
    page = page_text(client.get(link_of(email)))
    assert "Thursday 2 April 2026, 14:30" in page
    assert "Room 3, Northby Library" in page
    assert "Harriet" not in page and "Hale" not in page and "Robin" not in page  # no names, not even theirs


def test_a_participant_confirms_and_the_conference_page_shows_it(booked, mailoutbox, client, login, facilitator):
    sweep()
    link = link_of(invitation_to(mailoutbox, "robin.reed@example.org"))

    response = client.post(link, {"answer": "accepted", "note": ""})

    assert response.status_code == 200
    assert "you said you will come" in page_text(response)
    robin_row = participant(booked, "Robin")
    assert (robin_row.invitation, robin_row.answered_at) == (Invitation.ACCEPTED, NOW)
    page = page_text(login(facilitator).get(booked.get_absolute_url()))
    assert "2 people · 2 invited · 1 confirmed" in page
    assert not Notification.objects.filter(user=facilitator).exists()  # a confirmation needs nothing of them
    assert booked.case.events.filter(summary__contains="Robin Reed confirmed they will come").exists()


def test_a_decline_tells_the_facilitator_and_stops_that_persons_reminders(
    booked, mailoutbox, client, facilitator, login
):
    sweep()
    link = link_of(invitation_to(mailoutbox, "harriet.hale@example.org"))

    response = client.post(link, {"answer": "declined", "note": "I am away that week."})

    assert response.status_code == 200
    harriet_row = participant(booked, "Harriet")
    assert (harriet_row.invitation, harriet_row.answer_note) == (Invitation.DECLINED, "I am away that week.")
    [told] = Notification.objects.filter(user=facilitator)
    assert told.text.startswith("Harriet Hale cannot come") and told.url == booked.get_absolute_url()
    upcoming = Reminder.objects.filter(
        conference=booked, kind=ReminderKind.CONFERENCE_UPCOMING, recipient_person=harriet_row.person
    )
    assert set(upcoming.values_list("status", flat=True)) == {ReminderStatus.CANCELLED}
    page = page_text(login(facilitator).get(booked.get_absolute_url()))
    assert "“I am away that week.”" in page  # for the case's facilitators and supervisors only


def test_asking_for_another_time_needs_a_word_on_what_suits(booked, mailoutbox, client, facilitator):
    sweep()
    link = link_of(invitation_to(mailoutbox, "robin.reed@example.org"))

    refused = client.post(link, {"answer": "other_time", "note": "  "})
    assert refused.status_code == 400
    assert "Please say which days or times would suit you." in page_text(refused)
    assert participant(booked, "Robin").invitation == Invitation.INVITED

    response = client.post(link, {"answer": "other_time", "note": "Mornings after 10 are best."})

    assert response.status_code == 200
    assert participant(booked, "Robin").invitation == Invitation.OTHER_TIME
    assert Notification.objects.get(user=facilitator).text.startswith("Robin Reed asked for another time")


@pytest.mark.parametrize("data", [{}, {"answer": "maybe"}, {"answer": "accepted", "note": "x" * 1001}])
def test_a_wrong_answer_is_refused_with_a_reason_and_changes_nothing(booked, mailoutbox, client, data):
    sweep()
    link = link_of(invitation_to(mailoutbox, "robin.reed@example.org"))

    response = client.post(link, data)

    assert response.status_code == 400
    assert "nothing has been sent yet" in page_text(response)
    assert participant(booked, "Robin").answered_at is None


def test_a_used_link_shows_the_answer_and_takes_no_other(booked, mailoutbox, client):
    sweep()
    link = link_of(invitation_to(mailoutbox, "robin.reed@example.org"))
    client.post(link, {"answer": "accepted"})

    again = client.post(link, {"answer": "declined"})

    assert again.status_code == 409
    assert "you said you will come" in page_text(again)
    assert "please contact your facilitator" in page_text(again)
    assert participant(booked, "Robin").invitation == Invitation.ACCEPTED


def test_an_expired_or_unknown_link_says_so(booked, mailoutbox, client, time_machine):
    sweep()
    link = link_of(invitation_to(mailoutbox, "robin.reed@example.org"))

    assert client.get("/invitation/not-a-real-token/").status_code == 404
    time_machine.move_to(booked.ends_at, tick=False)
    expired = client.get(link)
    assert expired.status_code == 410
    assert "This link has expired" in page_text(expired)
    assert client.post(link, {"answer": "accepted"}).status_code == 410


def test_the_page_is_private_and_needs_no_account(booked, mailoutbox, client):
    sweep()
    response = client.get(link_of(invitation_to(mailoutbox, "robin.reed@example.org")))

    assert response.status_code == 200
    assert response.headers["Referrer-Policy"] == "no-referrer"
    assert "no-store" in response.headers["Cache-Control"]


def test_a_move_sends_a_new_invitation_whose_link_replaces_the_old_one(
    booked, mailoutbox, client, facilitator, django_capture_on_commit_callbacks
):
    sweep()
    old_link = link_of(invitation_to(mailoutbox, "robin.reed@example.org"))
    client.post(old_link, {"answer": "accepted"})
    mailoutbox.clear()

    conference_services.reschedule_conference(
        conference=booked, by=facilitator, plan=conference_plan(local(6, 10)), reason="Easter."
    )
    robin_row = participant(booked, "Robin")
    assert (robin_row.invitation, robin_row.answered_at) == (Invitation.INVITED, None)  # asked again
    assert client.get(old_link).status_code == 404  # at once, not only once the new invitation went
    assert sweep() == {"sent": 2}

    email = invitation_to(mailoutbox, "robin.reed@example.org")
    assert email.subject == "You are invited to a restorative justice meeting on Mon 06 Apr 2026 at 10:00"
    assert client.get(old_link).status_code == 404
    assert "Monday 6 April 2026, 10:00" in page_text(client.get(link_of(email)))


def test_a_cancellation_reaches_those_the_invitation_reached(booked, mailoutbox, sms_outbox, facilitator):
    sweep()
    mailoutbox.clear()

    conference_services.cancel_conference(conference=booked, by=facilitator, reason="Robin is ill.")
    assert sweep() == {"sent": 2}

    subjects = {(e.to[0], e.subject) for e in mailoutbox}
    assert subjects == {
        (address, "Cancelled: your restorative justice meeting on Thu 02 Apr 2026 at 14:30")
        for address in ("robin.reed@example.org", "harriet.hale@example.org")
    }
    assert "METHOD:CANCEL" in str(mailoutbox[0].attachments[0][1])


def test_nobody_is_invited_without_consent_and_no_invitation_goes_twice(booked, mailoutbox):
    sweep()
    assert sweep() == {}
    assert len(mailoutbox) == 2
    invited = Reminder.objects.filter(conference=booked, kind=ReminderKind.CONFERENCE_INVITATION)
    people = set(invited.values_list("recipient_person__first_name", flat=True))
    assert people == {"Robin", "Harriet"}  # the two who consented; nobody else is on the case


def test_an_online_meetings_join_link_shows_from_an_hour_before(
    ready_case, facilitator, mailoutbox, client, time_machine
):
    conference = conference_services.schedule_conference(
        case=ready_case,
        by=facilitator,
        plan=conference_plan(
            local(2, 14, 30), mode=Conference.Mode.VIRTUAL, meeting_link="https://meet.example.org/rj-42"
        ),
        facilitators=[facilitator],
    )
    sweep()
    email = invitation_to(mailoutbox, "robin.reed@example.org")
    assert "the link to join will be on your invitation page from an hour before" in email.body
    link = link_of(email)

    assert "https://meet.example.org/rj-42" not in client.get(link).content.decode()
    time_machine.move_to(conference.starts_at - timedelta(minutes=61), tick=False)
    assert "https://meet.example.org/rj-42" not in client.get(link).content.decode()
    time_machine.move_to(conference.starts_at - timedelta(minutes=60), tick=False)
    assert 'href="https://meet.example.org/rj-42"' in client.get(link).content.decode()


def test_once_sent_an_invitation_cannot_be_marked_not_invited(booked, login, facilitator):
    sweep()
    robin_row = participant(booked, "Robin")
    url = reverse("conferences:invitation", args=[booked.pk, robin_row.pk])

    page = login(facilitator).get(booked.get_absolute_url()).content.decode()
    assert f'name="p{robin_row.pk}-invitation"' in page
    response = login(facilitator).post(url, {f"p{robin_row.pk}-invitation": "to_invite"}, follow=True)

    assert "Choose one of the invitation statuses." in page_text(response)
    robin_row.refresh_from_db()
    assert robin_row.invitation == Invitation.INVITED
    login(facilitator).post(url, {f"p{robin_row.pk}-invitation": "accepted"})  # a phone call: recorded by hand
    robin_row.refresh_from_db()
    assert robin_row.invitation == Invitation.ACCEPTED


def test_a_participant_who_withdraws_their_consent_can_no_longer_answer(booked, mailoutbox, client, facilitator):
    sweep()
    harriet_link = link_of(invitation_to(mailoutbox, "harriet.hale@example.org"))
    robin_link = link_of(invitation_to(mailoutbox, "robin.reed@example.org"))
    consent = booked.case.consents.get(person__first_name="Harriet")

    case_services.withdraw_consent(consent=consent, by=facilitator, reason="She no longer wants to meet.")

    assert client.get(harriet_link).status_code == 404
    # Without her the case cannot meet: the conference is cancelled, and Robin's page says so.
    robin_page = client.get(robin_link)
    assert robin_page.status_code == 410
    assert "This meeting was cancelled" in page_text(robin_page)


def test_a_channel_that_changes_after_the_invitation_went_neither_resends_it_nor_loses_the_answer(
    booked, mailoutbox, sms_outbox, client, login, facilitator, robin
):
    sweep()
    client.post(link_of(invitation_to(mailoutbox, "robin.reed@example.org")), {"answer": "accepted"})
    contact = robin.contact
    data = {"phone": contact.phone, "email": contact.email, "address": contact.address, "time_zone": ""}

    login(facilitator).post(
        reverse("cases:contact_details", args=[booked.case.pk, robin.pk]), {**data, "email_not_to_use": "on"}
    )
    sweep()

    assert [m for m in sms_outbox if "invited" in m.body.lower()] == []
    assert participant(booked, "Robin").invitation == Invitation.ACCEPTED


# In their own language


def test_a_welsh_participant_gets_a_welsh_invitation_and_page_and_can_switch(booked, robin, mailoutbox, client):
    ContactDetails.objects.filter(person=robin).update(language="cy")

    sweep()

    email = invitation_to_subject(mailoutbox, "robin.reed@example.org", "Fe'ch gwahoddir")
    assert email.subject.startswith("Fe'ch gwahoddir i gyfarfod cyfiawnder adferol ar ")
    assert email.subject.endswith(" 2026 am 14:30")
    assert "Helo," in email.body and "Ateb y gwahoddiad: https://rj.example.org/invitation/" in email.body
    harriet_email = invitation_to(mailoutbox, "harriet.hale@example.org")  # hers stays English
    assert "Answer the invitation" in harriet_email.body
    link = link_of(email)

    page = client.get(link)
    assert page.headers["Content-Language"] == "cy"
    assert '<html lang="cy">' in page.content.decode()
    assert "Fe'ch gwahoddir i gyfarfod cyfiawnder adferol" in page_text(page)
    assert "Anfon fy ateb" in page_text(page)
    polish = client.get(f"{link}?lang=pl")
    assert polish.headers["Content-Language"] == "pl"
    assert "Zaproszenie na spotkanie w ramach sprawiedliwości naprawczej" in page_text(polish)

    refused = client.post(link, {})
    assert "Dewiswch un ateb, os gwelwch yn dda." in page_text(refused)  # the form's errors too
    client.post(link, {"answer": "accepted"})
    assert "Diolch: dywedoch y byddwch yn dod." in page_text(client.get(link))
