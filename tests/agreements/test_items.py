"""Agreement items: the list, the item page with its ledger, and recording progress on it."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse
from django.utils import timezone

from cases import services as case_services
from cases.models import Case, CaseStatus, ReturnReason
from conferences.models import AgreementItem, ItemStatus, Payment, ServiceHours
from conferences.services import ItemInput, renegotiate_agreement
from people.models import AuditEntry
from tests.agreements.conftest import CONFERENCE_NOTES, HARMED_ADDRESS, HARMED_EMAIL, HARMED_PHONE, in_days
from tests.helpers import page_text

pytestmark = pytest.mark.django_db

ITEMS = reverse("agreements:items")
TODAY = timezone.localdate


def item_url(item, name="item"):
    return reverse(f"agreements:{name}", args=[item.pk])


def messages_of(response) -> str:
    return " ".join(str(m) for m in get_messages(response.wsgi_request))


def pay(client, item, amount="10.00", paid_on=None):
    data = {"payment-amount": amount, "payment-paid_on": (paid_on or TODAY()).isoformat()}
    return client.post(item_url(item, "payment"), data)


def log_hours(client, item, hours="2.5", worked_on=None):
    data = {"hours-hours": hours, "hours-worked_on": (worked_on or TODAY()).isoformat()}
    return client.post(item_url(item, "hours"), data)


def mark(client, item, status, note=""):
    return client.post(item_url(item, "status"), {"status-status": status, "status-note": note})


# Who sees and records what


@pytest.mark.parametrize(
    ("persona", "expected"),
    [
        ("supervisor", 200),
        ("facilitator", 200),
        ("partner", 200),
        ("other_facilitator", 404),
        ("other_partner", 404),
        ("officer", 404),
    ],
)
def test_item_page_permissions(request, client, restitution, other_facilitator, other_partner, persona, expected):
    client.force_login(request.getfixturevalue(persona))
    assert client.get(item_url(restitution)).status_code == expected


@pytest.mark.parametrize(
    ("persona", "expected"),
    [
        ("supervisor", 302),
        ("facilitator", 302),
        ("partner", 302),
        ("other_facilitator", 404),
        ("other_partner", 404),
        ("officer", 404),
    ],
)
def test_recording_permissions(request, client, restitution, other_facilitator, other_partner, persona, expected):
    client.force_login(request.getfixturevalue(persona))
    assert pay(client, restitution).status_code == expected
    assert mark(client, restitution, "completed").status_code == expected
    recorded = expected == 302
    assert Payment.objects.filter(item=restitution).exists() is recorded
    restitution.refresh_from_db()
    assert (restitution.status == ItemStatus.COMPLETED) is recorded


def test_anonymous_is_sent_to_login(client, restitution):
    for response in (client.get(item_url(restitution)), pay(client, restitution), client.get(ITEMS)):
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("login"))
    assert not Payment.objects.exists()


def test_a_partner_cannot_reach_another_partners_item(login, partner, elsewhere_item):
    client = login(partner)
    assert client.get(item_url(elsewhere_item)).status_code == 404
    assert mark(client, elsewhere_item, "completed").status_code == 404
    elsewhere_item.refresh_from_db()
    assert elsewhere_item.status == ItemStatus.PENDING


def test_a_partner_cannot_reach_an_item_their_organisation_does_not_supervise(login, partner, apology):
    assert login(partner).get(item_url(apology)).status_code == 404


def test_recording_needs_post(login, partner, restitution):
    assert login(partner).get(item_url(restitution, "payment")).status_code == 405


def test_unknown_item_is_404(login, supervisor):
    assert login(supervisor).get("/agreements/items/999999/").status_code == 404


# What a partner's page shows


def test_partners_item_page_keeps_the_harmed_party_and_the_conference_private(login, partner, restitution):
    response = login(partner).get(item_url(restitution))
    text = page_text(response)

    assert restitution.agreement.case.reference in text
    assert "Pay for the perfume" in text
    assert "£0.00 of £40.00 paid" in text
    assert "Robin" in text  # the responsible party's first name, at most
    for secret in (
        "Reed",
        "Harriet",
        "Hale",
        HARMED_PHONE,
        HARMED_EMAIL,
        HARMED_ADDRESS,
        CONFERENCE_NOTES,
        "perfume from",  # the incident description
        "Robin will make amends.",  # the agreement summary
    ):
        assert secret not in text, secret
    assert restitution.agreement.case.get_absolute_url() not in text
    assert "Record a payment" in text


def test_the_cases_facilitator_sees_whom_the_item_repairs(login, facilitator, restitution):
    text = page_text(login(facilitator).get(item_url(restitution)))
    assert "Harriet Hale" in text
    assert "Robin Reed" in text
    assert "Robin will make amends." in text
    assert restitution.agreement.case.get_absolute_url() in text
    assert HARMED_PHONE not in text
    assert CONFERENCE_NOTES not in text


def test_viewing_an_item_is_audited(login, partner, restitution):
    login(partner).get(item_url(restitution))
    entry = AuditEntry.objects.get(action=AuditEntry.Action.VIEW, object_type="conferences.agreementitem")
    assert entry.actor == partner
    assert entry.object_id == str(restitution.pk)


def test_only_supervisors_are_offered_waiving(login, partner, supervisor, restitution):
    assert 'value="waived"' not in page_text(login(partner).get(item_url(restitution)))
    assert 'value="waived"' in page_text(login(supervisor).get(item_url(restitution)))


def test_the_page_offers_the_ledger_that_fits_the_kind(login, partner, restitution, service_item):
    client = login(partner)
    restitution_page = page_text(client.get(item_url(restitution)))
    service_page = page_text(client.get(item_url(service_item)))
    assert "Record a payment" in restitution_page and "Record hours worked" not in restitution_page
    assert "Record hours worked" in service_page and "Record a payment" not in service_page


# Payments


def test_payments_sum_up_in_the_ledger(login, partner, restitution):
    # Payments are dated from the day the case was opened: here, a month ago.
    Case.objects.filter(pk=restitution.agreement.case_id).update(opened_at=timezone.now() - timedelta(days=30))
    client = login(partner)
    for amount, days_ago in (("10.00", 20), ("12.50", 10), ("0.05", 0)):
        response = pay(client, restitution, amount, TODAY() - timedelta(days=days_ago))
        assert response.status_code == 302
        assert response["Location"] == item_url(restitution)

    restitution.refresh_from_db()
    assert restitution.amount_paid == Decimal("22.55")
    assert [p.recorded_by for p in restitution.payments.all()] == [partner] * 3
    text = page_text(client.get(item_url(restitution)))
    assert "£22.55 of £40.00 paid" in text
    assert "Total paid" in text and "£22.55" in text
    assert restitution.agreement.case.events.filter(summary__contains="Payment of £12.50").exists()


@pytest.mark.parametrize(
    ("amount", "paid_on", "message"),
    [
        ("0", None, "greater than or equal to 0.01"),
        ("-10", None, "greater than or equal to 0.01"),
        ("abc", None, "Enter a number."),
        ("NaN", None, "Enter a number."),
        ("Infinity", None, "Enter a number."),
        ("1e400", None, "no more than"),
        ("99999999999", None, "no more than"),
        ("1.001", None, "no more than 2 decimal places"),
        ("", None, "This field is required."),
        ("10", "tomorrow", "The payment date cannot be in the future."),
        ("10", "2026-13-01", "Enter a valid date."),
        ("10", "", "This field is required."),
    ],
)
def test_invalid_payments_change_nothing(login, partner, restitution, amount, paid_on, message):
    day = {None: TODAY().isoformat(), "tomorrow": (TODAY() + timedelta(days=1)).isoformat()}.get(paid_on, paid_on)
    response = login(partner).post(item_url(restitution, "payment"), {"payment-amount": amount, "payment-paid_on": day})

    assert response.status_code == 400
    text = page_text(response)
    assert message in text
    assert "Nothing was recorded" in text
    assert not Payment.objects.exists()


def test_no_payment_on_community_service(login, partner, service_item):
    response = pay(login(partner), service_item)
    assert response.status_code == 302
    assert "Payments are recorded on restitution items only." in messages_of(response)
    assert not Payment.objects.exists()


# Hours


def test_hours_sum_up_in_the_log(login, partner, service_item):
    client = login(partner)
    for hours in ("2.5", "3", "0.5"):
        assert log_hours(client, service_item, hours).status_code == 302

    service_item.refresh_from_db()
    assert service_item.hours_done == Decimal("6.0")
    text = page_text(client.get(item_url(service_item)))
    assert "6 of 10 hours done" in text
    assert "Total done" in text


@pytest.mark.parametrize(
    ("hours", "message"),
    [
        ("0", "greater than or equal to 0.1"),
        ("-1", "greater than or equal to 0.1"),
        ("lots", "Enter a number."),
        ("100000", "no more than"),
        ("1.25", "no more than 1 decimal place"),
    ],
)
def test_invalid_hours_change_nothing(login, partner, service_item, hours, message):
    response = log_hours(login(partner), service_item, hours)
    assert response.status_code == 400
    assert message in page_text(response)
    assert not ServiceHours.objects.exists()


def test_no_hours_in_the_future(login, partner, service_item):
    response = log_hours(login(partner), service_item, "2", TODAY() + timedelta(days=1))
    assert response.status_code == 400
    assert "The date worked cannot be in the future." in page_text(response)
    assert not ServiceHours.objects.exists()


def test_no_hours_on_restitution(login, partner, restitution):
    response = log_hours(login(partner), restitution)
    assert "Hours are recorded on community service items only." in messages_of(response)
    assert not ServiceHours.objects.exists()


# Status


def test_partner_marks_an_item_completed(login, partner, service_item):
    response = mark(login(partner), service_item, "completed", "All ten hours done.")

    assert response.status_code == 302
    assert "Item marked completed." in messages_of(response)
    service_item.refresh_from_db()
    assert service_item.status == ItemStatus.COMPLETED
    assert service_item.status_changed_by == partner
    assert service_item.status_note == "All ten hours done."


def test_completing_a_completed_item_is_refused(login, partner, service_item):
    client = login(partner)
    mark(client, service_item, "completed")
    response = mark(client, service_item, "completed")
    assert "The item is completed: it cannot be marked completed now." in messages_of(response)
    page = page_text(client.get(item_url(service_item)))
    assert "Change the status" not in page  # nothing left to change for a partner
    assert "Record hours worked" not in page


def test_a_partner_cannot_waive(login, partner, restitution):
    response = mark(login(partner), restitution, "waived", "Forget it.")
    assert "Only a supervisor can waive an item." in messages_of(response)
    restitution.refresh_from_db()
    assert restitution.status == ItemStatus.PENDING


def test_a_supervisor_waives_a_missed_item(login, supervisor, restitution):
    client = login(supervisor)
    mark(client, restitution, "missed", "Did not pay by the due date.")
    page = page_text(client.get(item_url(restitution)))
    assert 'value="waived"' in page and 'value="completed"' not in page  # only waiving is open now
    mark(client, restitution, "waived", "Harriet no longer wants the money.")
    restitution.refresh_from_db()
    assert restitution.status == ItemStatus.WAIVED


@pytest.mark.parametrize("status", ["missed", "waived"])
def test_missing_or_waiving_needs_a_note(login, supervisor, restitution, status):
    response = mark(login(supervisor), restitution, status, "  ")
    assert response.status_code == 400
    assert "Say why the item was missed or is waived." in page_text(response)
    restitution.refresh_from_db()
    assert restitution.status == ItemStatus.PENDING


@pytest.mark.parametrize("status", ["", "pending", "done", "completed'; --"])
def test_unknown_status_is_refused(login, partner, restitution, status):
    response = mark(login(partner), restitution, status)
    assert response.status_code == 400
    restitution.refresh_from_db()
    assert restitution.status == ItemStatus.PENDING


# Superseded versions and closed cases


@pytest.fixture
def renegotiated(agreement, facilitator, partner):
    """Version 2 replaces the agreement: the earlier items stay, read-only."""
    item = ItemInput(
        kind="restitution",
        description="Pay in two parts",
        amount=Decimal(40),
        due_date=in_days(60),
        partner=partner.partner,
    )
    return renegotiate_agreement(case=agreement.case, by=facilitator, items=[item], reason="More time.")


def test_nothing_is_recorded_on_a_superseded_version(login, partner, restitution, renegotiated):
    client = login(partner)
    response = pay(client, restitution)
    assert "renegotiated; record it on the current one" in messages_of(response)
    response = mark(client, restitution, "completed")
    assert "renegotiated; record it on the current one" in messages_of(response)
    assert not Payment.objects.exists()

    AgreementItem.objects.filter(pk=restitution.pk).update(due_date=in_days(-1))
    page = page_text(client.get(item_url(restitution)))
    assert "which was renegotiated on" in page
    assert "Record a payment" not in page
    assert "Overdue" not in page


def test_nothing_is_recorded_once_the_case_is_returned(login, partner, supervisor, restitution):
    case_services.return_case(case=restitution.agreement.case, by=supervisor, reason_code=ReturnReason.RE_ARREST)
    client = login(partner)
    response = pay(client, restitution)
    assert "its items can no longer change" in messages_of(response)
    assert not Payment.objects.exists()
    page = page_text(client.get(item_url(restitution)))
    assert "nothing more is recorded on its items" in page
    assert "Record a payment" not in page


def test_completing_every_item_lets_the_case_complete(login, partner, facilitator, agreement):
    client = login(partner)
    for item in agreement.items.filter(partner=partner.partner):
        mark(client, item, "completed")
    client = login(facilitator)
    mark(client, agreement.items.get(kind="apology"), "completed")
    case = case_services.complete_case(case=agreement.case, by=facilitator)
    assert case.status == CaseStatus.COMPLETED


# The list


def test_partner_sees_only_their_organisations_items(login, partner, agreement, elsewhere_item):
    text = page_text(login(partner).get(ITEMS))
    assert "Pay for the perfume" in text
    assert "Help at the community garden" in text
    assert "Write to Harriet" not in text
    assert elsewhere_item.description not in text
    assert "2 items" in text
    assert agreement.case.get_absolute_url() not in text


def test_supervisor_sees_every_current_item(login, supervisor, agreement, elsewhere_item, renegotiated):
    text = page_text(login(supervisor).get(ITEMS))
    assert "Pay in two parts" in text
    assert elsewhere_item.description in text
    assert "Help at the community garden" not in text  # superseded with version 1
    assert "2 items" in text


def test_facilitator_sees_the_items_of_their_cases(login, facilitator, other_facilitator, agreement, elsewhere_item):
    text = page_text(login(facilitator).get(ITEMS))
    assert "3 items" in text
    assert elsewhere_item.description not in text
    assert "No item matches." in page_text(login(other_facilitator).get(ITEMS))


@pytest.mark.parametrize(
    ("query", "shown"),
    [
        ({}, {"Pay for the perfume", "Help at the community garden", "Write to Harriet"}),
        ({"status": "completed"}, {"Write to Harriet"}),
        ({"status": "pending"}, {"Pay for the perfume", "Help at the community garden"}),
        ({"overdue": "on"}, {"Pay for the perfume"}),
        ({"kind": "community_service"}, {"Help at the community garden"}),
        ({"status": "nonsense"}, {"Pay for the perfume", "Help at the community garden", "Write to Harriet"}),
        ({"page": "999"}, {"Pay for the perfume", "Help at the community garden", "Write to Harriet"}),
    ],
)
def test_item_list_filters(login, supervisor, agreement, restitution, apology, query, shown):
    AgreementItem.objects.filter(pk=restitution.pk).update(due_date=in_days(-2))
    AgreementItem.objects.filter(pk=apology.pk).update(status=ItemStatus.COMPLETED, due_date=in_days(-5))
    response = login(supervisor).get(ITEMS, query)

    assert response.status_code == 200
    text = page_text(response)
    for description in ("Pay for the perfume", "Help at the community garden", "Write to Harriet"):
        assert (description in text) is (description in shown), description


def test_item_list_filters_by_case_reference(login, supervisor, agreement, elsewhere_item):
    text = page_text(login(supervisor).get(ITEMS, {"q": agreement.case.reference.lower()}))
    assert "Pay for the perfume" in text
    assert elsewhere_item.description not in text
