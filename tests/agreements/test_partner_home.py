"""The partner's home page: their organisation's items, overdue ones first to the eye."""

from decimal import Decimal

import pytest
from django.urls import reverse

from conferences.models import AgreementItem
from conferences.services import ItemInput, record_payment, renegotiate_agreement
from tests.agreements.conftest import CONFERENCE_NOTES, HARMED_PHONE, in_days
from tests.helpers import page_text

pytestmark = pytest.mark.django_db

HOME = reverse("home")


def test_partner_home_lists_their_items_with_links_to_record(login, partner, restitution, service_item, apology):
    record_payment(item=restitution, by=partner, amount=Decimal("15"), paid_on=in_days(0))
    AgreementItem.objects.filter(pk=restitution.pk).update(due_date=in_days(-1))
    text = page_text(login(partner).get(HOME))

    assert "Pay for the perfume" in text
    assert "Help at the community garden" in text
    assert "Write to Harriet" not in text  # supervised by the facilitator, not this partner
    assert text.count("Record progress") == 2
    assert reverse("agreements:item", args=[restitution.pk]) in text
    assert "£15.00 of £40.00 paid" in text
    assert text.count('class="table-danger"') == 1
    assert "Overdue" in text
    for secret in ("Harriet", "Hale", "Reed", HARMED_PHONE, CONFERENCE_NOTES):
        assert secret not in text, secret


def test_pending_items_come_before_settled_ones(login, partner, restitution, service_item):
    client = login(partner)
    client.post(reverse("agreements:status", args=[restitution.pk]), {"status-status": "completed"})
    text = page_text(client.get(HOME))
    assert text.index("Help at the community garden") < text.index("Pay for the perfume")
    assert text.count("Record progress") == 1


def test_replaced_items_are_greyed_out(login, partner, facilitator, agreement, restitution):
    renegotiate_agreement(
        case=agreement.case,
        by=facilitator,
        items=[ItemInput(kind="other", description="Volunteer day", due_date=in_days(10), partner=partner.partner)],
        reason="Changed plan.",
    )
    text = page_text(login(partner).get(HOME))
    assert "Volunteer day" in text
    assert "Replaced (version 1)" in text
    assert text.count("Record progress") == 1


def test_partner_home_without_items(login, partner):
    text = page_text(login(partner).get(HOME))
    assert "No agreement item is assigned to" in text
