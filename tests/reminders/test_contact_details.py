"""Contact details kept up to date by the case's facilitators after the referral: added, corrected or
marked not to be used, with their history, and followed by the reminders.

Built on the reminders' case (conftest.py): Robin and Harriet consented and have email and phone.
"""

import pytest
from django.urls import reverse

from people.models import AuditEntry, ContactDetails
from reminders.models import Reminder, ReminderKind, ReminderStatus
from tests.factories import ReferralFactory
from tests.helpers import page_text

pytestmark = pytest.mark.django_db


def url(case, person) -> str:
    return reverse("cases:contact_details", args=[case.pk, person.pk])


def form_data(contact: ContactDetails, **changes) -> dict:
    data = {"phone": contact.phone, "email": contact.email, "address": contact.address, "time_zone": ""}
    data.update({"phone_not_to_use": "", "email_not_to_use": ""})
    return {**data, **changes}


def test_the_facilitator_corrects_an_email_address_and_its_history_keeps_the_old(
    login, facilitator, ready_case, harriet
):
    client = login(facilitator)
    page = client.get(url(ready_case, harriet))
    assert page.status_code == 200
    assert "harriet.hale@example.org" in page.content.decode()

    response = client.post(url(ready_case, harriet), form_data(harriet.contact, email="h.hale@example.net"))

    assert response.status_code == 302
    contact = ContactDetails.objects.get(person=harriet)
    assert contact.email == "h.hale@example.net"
    assert [h.email for h in contact.history.order_by("history_date")][-2:] == [
        "harriet.hale@example.org",
        "h.hale@example.net",
    ]
    event = ready_case.events.get(summary="Contact details of Harriet Hale updated.")
    assert event.actor == facilitator  # the timeline says that they changed, not what they are
    assert AuditEntry.objects.filter(object_type="cases.contactdetails", object_id=str(contact.pk)).exists()
    assert "h.hale@example.net" in page_text(client.get(ready_case.get_absolute_url() + "?tab=people"))


def test_a_channel_marked_not_to_be_used_gets_nothing_more_and_the_page_says_so(
    login, facilitator, conference, harriet
):
    case = conference.case
    to_harriet = Reminder.objects.filter(conference=conference, recipient_person=harriet, status=ReminderStatus.PENDING)
    assert set(to_harriet.values_list("channel", flat=True)) == {"email", "sms"}

    response = login(facilitator).post(url(case, harriet), form_data(harriet.contact, email_not_to_use="on"))

    assert response.status_code == 302
    assert set(to_harriet.values_list("channel", flat=True)) == {"sms"}  # the email reminders are cancelled
    cancelled = Reminder.objects.filter(conference=conference, recipient_person=harriet, channel="email")
    assert ReminderStatus.CANCELLED in set(cancelled.values_list("status", flat=True))
    page = page_text(login(facilitator).get(case.get_absolute_url() + "?tab=people"))
    assert "not to be used" in page


@pytest.mark.parametrize(
    "changes, message",
    [
        ({"email": "not an address"}, "Enter a valid email address."),
        ({"time_zone": "Mars/Olympus"}, "Enter a time zone such as Europe/London or Europe/Dublin."),
        ({"phone": "", "phone_not_to_use": "on"}, "There is no phone to mark: leave it unticked."),
        ({"phone": "0" * 41}, "Ensure this value has at most 40 characters"),
    ],
)
def test_wrong_details_are_refused_with_a_reason_and_nothing_changes(
    login, facilitator, ready_case, robin, changes, message
):
    before = (robin.contact.phone, robin.contact.email)

    response = login(facilitator).post(url(ready_case, robin), form_data(robin.contact, **changes))

    assert response.status_code == 400
    assert message in page_text(response)
    contact = ContactDetails.objects.get(person=robin)
    assert (contact.phone, contact.email) == before
    assert not ready_case.events.filter(summary__startswith="Contact details of").exists()


@pytest.mark.parametrize("persona", ["officer", "partner"])
def test_only_the_cases_facilitators_and_supervisors_change_them(request, login, persona, ready_case, harriet):
    client = login(request.getfixturevalue(persona))

    assert client.get(url(ready_case, harriet)).status_code in (403, 404)
    response = client.post(url(ready_case, harriet), form_data(harriet.contact, email="evil@example.org"))

    assert response.status_code in (403, 404)
    assert ContactDetails.objects.get(person=harriet).email == "harriet.hale@example.org"


def test_a_person_of_another_case_is_not_found_through_this_one(login, supervisor, ready_case):
    stranger = ReferralFactory().parties.get().person

    assert login(supervisor).get(url(ready_case, stranger)).status_code == 404


def test_a_supervisor_adds_details_to_someone_who_had_none(login, supervisor, ready_case, robin):
    ContactDetails.objects.filter(person=robin).delete()

    response = login(supervisor).post(
        url(ready_case, robin),
        {"phone": "07700 900333", "email": "", "address": "", "time_zone": "Europe/Dublin"},
    )

    assert response.status_code == 302
    contact = ContactDetails.objects.get(person=robin)
    assert (contact.phone, contact.time_zone) == ("07700 900333", "Europe/Dublin")
    assert Reminder.objects.filter(kind=ReminderKind.CONFERENCE_UPCOMING).count() == 0  # no conference yet
