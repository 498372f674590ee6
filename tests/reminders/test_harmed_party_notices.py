"""The harmed party kept informed, if they opt in: the agreement, the items that repair their harm,
and how the case closed; once each, in plain words, nothing about the person responsible.

Built on the reminders' case (conftest.py): Harriet Hale is the harmed party, Robin Reed responsible.
"""

import pytest
from django.urls import reverse

from cases import services as case_services
from cases.models import ConsentPurpose
from conferences import services as conference_services
from conferences.models import ItemKind, ItemStatus
from reminders.models import Reminder, ReminderKind, ReminderStatus
from tests.reminders.conftest import NOW, hold, items, sweep

pytestmark = pytest.mark.django_db

HARRIET = "harriet.hale@example.org"


def opt_in(case, harriet, facilitator):
    return case_services.record_consent(
        case=case,
        by=facilitator,
        person=harriet,
        purpose=ConsentPurpose.KEEP_INFORMED,
        given_by=harriet,
        given_on=NOW.date(),
        method="verbal",
    )


def notices(mailoutbox) -> list[str]:
    return [e.subject for e in mailoutbox if e.to == [HARRIET] and not e.subject.startswith(("Reminder", "You are"))]


def agree(case, facilitator, partner):
    case = hold(case, by=facilitator)
    return conference_services.record_agreement(case=case, by=facilitator, items=items(partner_org=partner.partner))


def test_a_harmed_party_who_opted_in_is_told_each_step_once_in_plain_words(
    ready_case, harriet, facilitator, supervisor, partner, mailoutbox
):
    opt_in(ready_case, harriet, facilitator)
    agreement = agree(ready_case, facilitator, partner)
    sweep()
    assert notices(mailoutbox) == ["An agreement was made in your restorative justice case"]

    for item in agreement.items.all():
        conference_services.set_item_status(item=item, by=facilitator, status=ItemStatus.COMPLETED)
    sweep()
    case_services.complete_case(case=ready_case, by=supervisor)
    sweep()
    assert sweep() == {}  # nothing twice

    assert notices(mailoutbox) == [
        "An agreement was made in your restorative justice case",
        "Part of the agreement has been done",
        "Part of the agreement has been done",
        "Your restorative justice case is complete",
    ]
    told = [e for e in mailoutbox if e.to == [HARRIET]]
    bodies = " ".join(e.body for e in told)
    assert "“Restitution”, agreed to put right the harm done to you, has been completed." in bodies
    assert "“Apology letter”, agreed to put right the harm done to you, has been completed." in bodies
    for secret in ("Robin", "Reed", "perfume", ready_case.reference):
        assert secret not in bodies + " ".join(e.subject for e in told)


def test_a_missed_item_and_a_returned_case_are_told_too(
    ready_case, harriet, facilitator, supervisor, partner, mailoutbox
):
    opt_in(ready_case, harriet, facilitator)
    agreement = agree(ready_case, facilitator, partner)
    apology = agreement.items.get(kind=ItemKind.APOLOGY)
    conference_services.set_item_status(item=apology, by=facilitator, status=ItemStatus.MISSED)
    case_services.return_case(case=ready_case, by=supervisor, reason_code="other", note="Robin stopped engaging.")
    sweep()

    assert notices(mailoutbox) == [
        "An agreement was made in your restorative justice case",
        "Part of the agreement was not done on time",
        "Your restorative justice case has gone back to the police",
    ]
    assert "Robin stopped engaging" not in " ".join(e.body for e in mailoutbox if e.to == [HARRIET])


def test_a_channel_that_changes_later_tells_nothing_twice(
    ready_case, harriet, facilitator, partner, mailoutbox, sms_outbox, login
):
    opt_in(ready_case, harriet, facilitator)
    agree(ready_case, facilitator, partner)
    sweep()
    assert notices(mailoutbox) == ["An agreement was made in your restorative justice case"]
    contact = harriet.contact
    data = {"phone": contact.phone, "email": contact.email, "address": contact.address, "time_zone": ""}

    login(facilitator).post(
        reverse("cases:contact_details", args=[ready_case.pk, harriet.pk]), {**data, "email_not_to_use": "on"}
    )
    sweep()

    assert [m.body for m in sms_outbox if "agreement" in m.body] == []


def test_without_the_opt_in_nothing_is_sent(ready_case, harriet, facilitator, supervisor, partner, mailoutbox):
    agreement = agree(ready_case, facilitator, partner)
    for item in agreement.items.all():
        conference_services.set_item_status(item=item, by=facilitator, status=ItemStatus.COMPLETED)
    case_services.complete_case(case=ready_case, by=supervisor)
    sweep()

    assert notices(mailoutbox) == []
    assert not Reminder.objects.filter(kind=ReminderKind.HARMED_PARTY_NOTICE).exists()


def test_withdrawing_the_opt_in_stops_what_was_not_sent_yet(ready_case, harriet, facilitator, partner, mailoutbox):
    consent = opt_in(ready_case, harriet, facilitator)
    agree(ready_case, facilitator, partner)
    planned = Reminder.objects.filter(kind=ReminderKind.HARMED_PARTY_NOTICE)
    assert list(planned.values_list("status", flat=True)) == [ReminderStatus.PENDING]

    case_services.withdraw_consent(consent=consent, by=facilitator, reason="She would rather not hear more.")
    sweep()

    assert notices(mailoutbox) == []
    assert list(planned.values_list("status", flat=True)) == [ReminderStatus.CANCELLED]


def test_opting_in_later_tells_what_happened_so_far(ready_case, harriet, facilitator, partner, mailoutbox):
    agree(ready_case, facilitator, partner)
    sweep()
    assert notices(mailoutbox) == []

    opt_in(ready_case, harriet, facilitator)
    sweep()

    assert notices(mailoutbox) == ["An agreement was made in your restorative justice case"]


def test_only_a_harmed_party_can_opt_in(ready_case, robin, facilitator):
    with pytest.raises(case_services.PreparationError, match="Only a harmed party is kept informed"):
        case_services.record_consent(
            case=ready_case,
            by=facilitator,
            person=robin,
            purpose=ConsentPurpose.KEEP_INFORMED,
            given_by=robin,
            given_on=NOW.date(),
            method="verbal",
        )
