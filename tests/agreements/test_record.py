"""Recording an agreement after the conference, renegotiating it, and its versions on the case."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse
from django.utils import timezone

from cases.models import CaseEvent, CaseStatus
from conferences.models import Agreement, AgreementItem, ItemKind, ItemStatus
from conferences.services import record_hours, record_payment, set_item_status
from tests.agreements.conftest import in_days
from tests.factories import PartnerFactory, PersonFactory
from tests.helpers import page_fields, page_text

pytestmark = pytest.mark.django_db


def record_url(case):
    return reverse("agreements:record", args=[case.pk])


def renegotiate_url(case):
    return reverse("agreements:renegotiate", args=[case.pk])


def filled_in(client, url) -> dict:
    """Return the form fields of the page at `url` as a browser submits them untouched (no template row)."""
    return {name: value for name, value in page_fields(client.get(url)).items() if "__prefix__" not in name}


def messages_of(response) -> str:
    return " ".join(str(m) for m in get_messages(response.wsgi_request))


def item_row(**fields) -> dict:
    row = {
        "kind": "restitution",
        "description": "Pay for the perfume",
        "amount": "40.00",
        "hours": "",
        "due_date": in_days(30).isoformat(),
        "harmed_party": "",
        "partner": "",
    }
    return {**row, **fields}


def agreement_data(rows, *, initial_forms=0, **fields) -> dict:
    """Return the agreement form's POST data as a browser sends it."""
    data = {
        "summary": "Robin will make amends.",
        "items-TOTAL_FORMS": str(len(rows)),
        "items-INITIAL_FORMS": str(initial_forms),
        "items-MIN_NUM_FORMS": "0",
        "items-MAX_NUM_FORMS": "30",
        **fields,
    }
    for index, row in enumerate(rows):
        data.update({f"items-{index}-{name}": value for name, value in row.items()})
    return data


# Who may record


@pytest.mark.parametrize(
    ("persona", "expected"),
    [
        ("facilitator", 200),
        ("supervisor", 200),
        ("other_facilitator", 404),
        ("partner", 404),
        ("officer", 404),
    ],
)
def test_record_page_permissions(request, client, held_case, other_facilitator, persona, expected):
    client.force_login(request.getfixturevalue(persona))
    response = client.get(record_url(held_case))
    assert response.status_code == expected
    if expected == 200:
        text = page_text(response)
        assert "Record the agreement" in text
        assert 'id="item-template"' in text
        assert "js/agreement-form.js" in text


def test_anonymous_is_sent_to_login(client, held_case):
    response = client.get(record_url(held_case))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_other_facilitator_cannot_post(login, held_case, other_facilitator):
    response = login(other_facilitator).post(record_url(held_case), agreement_data([item_row()]))
    assert response.status_code == 404
    assert not Agreement.objects.exists()


# Recording


def test_facilitator_records_the_agreement(login, held_case, facilitator, partner, harmed_person):
    rows = [
        item_row(harmed_party=str(harmed_person.pk), partner=str(partner.partner_id)),
        item_row(kind="community_service", description="Garden", hours="12.5", partner=str(partner.partner_id)),
        item_row(kind="apology", description="Write to Harriet", amount="99", hours="4"),
    ]
    response = login(facilitator).post(record_url(held_case), agreement_data(rows))

    assert response.status_code == 302
    assert response["Location"] == held_case.get_absolute_url()
    held_case.refresh_from_db()
    assert held_case.status == CaseStatus.MONITORING
    agreement = held_case.agreements.get()
    assert agreement.summary == "Robin will make amends."
    assert agreement.conference is not None
    items = {item.kind: item for item in agreement.items.all()}
    assert items[ItemKind.RESTITUTION].amount == 40
    assert items[ItemKind.RESTITUTION].harmed_party == harmed_person
    assert items[ItemKind.RESTITUTION].partner == partner.partner
    assert items[ItemKind.COMMUNITY_SERVICE].hours == 12.5
    # A value left in a field that does not apply to the kind does not count.
    assert items[ItemKind.APOLOGY].amount is None
    assert items[ItemKind.APOLOGY].hours is None
    assert items[ItemKind.APOLOGY].partner is None
    assert held_case.events.filter(kind=CaseEvent.Kind.AGREEMENT, summary__contains="3 items").exists()


def test_a_blank_added_row_is_ignored(login, held_case, facilitator):
    """The page's blank row ("Add an item" without typing) is not an item."""
    page = login(facilitator).get(record_url(held_case))
    fields = page_fields(page)
    blank = {name[len("items-0-") :]: value for name, value in fields.items() if name.startswith("items-0-")}
    response = login(facilitator).post(record_url(held_case), agreement_data([item_row(), blank]))

    assert response.status_code == 302
    assert held_case.agreements.get().items.count() == 1


def test_page_rows_as_the_browser_sends_them(login, held_case, facilitator):
    """The fields on the page, filled in by hand, are what the view reads."""
    client = login(facilitator)
    fields = filled_in(client, record_url(held_case))
    fields.update({"items-0-description": "Pay £25", "items-0-amount": "25", "items-0-due_date": str(in_days(7))})
    response = client.post(record_url(held_case), fields)

    assert response.status_code == 302
    assert held_case.agreements.get().items.get().amount == 25


BAD_ROWS = [
    (item_row(amount=""), "Restitution needs the amount to pay."),
    (item_row(amount="0"), "greater than or equal to 0.01"),
    (item_row(amount="-5"), "greater than or equal to 0.01"),
    (item_row(amount="abc"), "Enter a number."),
    (item_row(amount="NaN"), "Enter a number."),
    (item_row(amount="1e400"), "no more than"),
    (item_row(amount="12345678901234567890"), "no more than 9 digits"),
    (item_row(amount="10.123"), "no more than 2 decimal places"),
    (item_row(kind="community_service", amount="", hours=""), "Community service needs the number of hours."),
    (item_row(kind="community_service", amount="", hours="100000"), "no more than 5 digits before the decimal point"),
    (item_row(due_date=(timezone.localdate() - timedelta(days=1)).isoformat()), "The due date cannot be in the past."),
    (item_row(due_date="2026-02-30"), "Enter a valid date."),
    (item_row(due_date="99999-01-01"), "Enter a valid date."),
    (item_row(due_date="9999-12-31"), "The due date must be within 5 years."),
    (item_row(kind="bribe"), "Select a valid choice."),
    (item_row(description=""), "This field is required."),
    (item_row(description="x" * 301), "at most 300 characters"),
    (item_row(partner="999999"), "Select a valid choice."),
    (item_row(partner="abc"), "Select a valid choice."),
]


@pytest.mark.parametrize(("row", "message"), BAD_ROWS)
def test_invalid_items_change_nothing(login, held_case, facilitator, row, message):
    response = login(facilitator).post(record_url(held_case), agreement_data([row]))

    assert response.status_code == 400
    text = page_text(response)
    assert message in text
    assert "Nothing has been saved yet" in text
    assert not Agreement.objects.exists()
    held_case.refresh_from_db()
    assert held_case.status == CaseStatus.CONFERENCE_HELD


def test_harmed_party_must_be_on_the_case(login, held_case, facilitator):
    stranger = PersonFactory()
    response = login(facilitator).post(record_url(held_case), agreement_data([item_row(harmed_party=str(stranger.pk))]))
    assert response.status_code == 400
    assert "Select a valid choice." in page_text(response)
    assert not Agreement.objects.exists()


def test_harmed_party_choices_are_the_cases_harmed_parties(login, held_case, facilitator, harmed_person):
    text = page_text(login(facilitator).get(record_url(held_case)))
    assert f'<option value="{harmed_person.pk}">Harriet Hale</option>' in text
    assert "Robin Reed" not in text


@pytest.mark.parametrize(
    "management",
    [
        {"items-TOTAL_FORMS": "abc"},
        {"items-TOTAL_FORMS": "1000"},
        {"items-TOTAL_FORMS": ""},
    ],
)
def test_tampered_management_form_is_refused(login, held_case, facilitator, management):
    response = login(facilitator).post(record_url(held_case), {**agreement_data([item_row()]), **management})
    assert response.status_code == 400
    assert not Agreement.objects.exists()


def test_an_agreement_needs_an_item(login, held_case, facilitator):
    response = login(facilitator).post(record_url(held_case), agreement_data([]))
    assert response.status_code == 400
    assert "An agreement needs at least one item." in page_text(response)
    assert not Agreement.objects.exists()


def test_removed_rows_are_not_saved(login, held_case, facilitator):
    rows = [item_row(), item_row(description="Removed", DELETE="on")]
    login(facilitator).post(record_url(held_case), agreement_data(rows))
    assert list(AgreementItem.objects.values_list("description", flat=True)) == ["Pay for the perfume"]


@pytest.mark.parametrize("method", ["get", "post"])
def test_no_agreement_before_the_conference(login, case, supervisor, method):
    """A case in intake has had no conference: the page says so and nothing changes."""
    client = login(supervisor)
    response = getattr(client, method)(record_url(case), agreement_data([item_row()]))

    assert response.status_code == 302
    assert "An agreement is recorded once the conference is held" in messages_of(response)
    assert not Agreement.objects.exists()
    case.refresh_from_db()
    assert case.status == CaseStatus.INTAKE


def test_a_second_agreement_is_refused(login, agreement, facilitator):
    case = agreement.case
    response = login(facilitator).post(record_url(case), agreement_data([item_row()]))
    assert "already has an agreement; renegotiate it" in messages_of(response)
    assert Agreement.objects.count() == 1


# Renegotiating


def test_renegotiate_page_is_prefilled_with_the_items_still_to_do(login, agreement, apology, facilitator):
    set_item_status(item=apology, by=facilitator, status=ItemStatus.COMPLETED)
    response = login(facilitator).get(renegotiate_url(agreement.case))

    assert response.status_code == 200
    fields = page_fields(response)
    assert fields["items-INITIAL_FORMS"] == "2"
    assert fields["items-TOTAL_FORMS"] == "2"
    assert fields["summary"].strip() == "Robin will make amends."  # a browser drops the leading newline
    descriptions = {fields[f"items-{n}-description"] for n in range(2)}
    assert descriptions == {"Pay for the perfume", "Help at the community garden"}
    text = page_text(response)
    assert "Version 1, as it stands" in text
    assert "Write to Harriet" in text  # the completed one, in version 1's table


def test_renegotiation_keeps_the_earlier_version_visible(login, agreement, apology, restitution, facilitator):
    set_item_status(item=apology, by=facilitator, status=ItemStatus.COMPLETED)
    client = login(facilitator)
    fields = filled_in(client, renegotiate_url(agreement.case))
    fields.update(
        {
            "reason": "Robin lost his job; more time to pay.",
            "items-0-due_date": in_days(90).isoformat(),
            "items-1-DELETE": "on",
        }
    )
    response = client.post(renegotiate_url(agreement.case), fields)

    assert response.status_code == 302
    agreement.refresh_from_db()
    assert agreement.superseded_at is not None
    new = agreement.case.agreements.get(superseded_at__isnull=True)
    assert new.version == 2
    assert new.renegotiation_reason == "Robin lost his job; more time to pay."
    assert [(i.description, i.due_date) for i in new.items.all()] == [("Pay for the perfume", in_days(90))]
    assert agreement.items.count() == 3  # version 1 keeps its items and their statuses

    history = page_text(client.get(reverse("agreements:history", args=[agreement.case.pk])))
    assert "Version 2" in history
    assert "Version 1" in history
    assert "Superseded" in history
    assert "Robin lost his job; more time to pay." in history
    assert history.count("Write to Harriet") == 1 and "Completed" in history


def test_renegotiation_needs_a_reason(login, agreement, facilitator):
    client = login(facilitator)
    fields = filled_in(client, renegotiate_url(agreement.case))
    response = client.post(renegotiate_url(agreement.case), fields)

    assert response.status_code == 400
    assert "This field is required." in page_text(response)
    assert agreement.case.agreements.count() == 1


def test_renegotiation_refuses_past_due_dates(login, agreement, facilitator):
    """An overdue item is renegotiated with a new date, not its old one."""
    AgreementItem.objects.filter(agreement=agreement).update(due_date=in_days(-3))
    client = login(facilitator)
    fields = filled_in(client, renegotiate_url(agreement.case))
    response = client.post(renegotiate_url(agreement.case), {**fields, "reason": "More time."})

    assert response.status_code == 400
    assert "The due date cannot be in the past." in page_text(response)
    assert agreement.case.agreements.count() == 1


def test_renegotiation_with_every_row_removed_is_refused(login, agreement, facilitator):
    client = login(facilitator)
    fields = filled_in(client, renegotiate_url(agreement.case))
    fields.update({f"items-{n}-DELETE": "on" for n in range(3)}, reason="Start again.")
    response = client.post(renegotiate_url(agreement.case), fields)

    assert response.status_code == 400
    assert "An agreement needs at least one item." in page_text(response)
    assert agreement.case.agreements.count() == 1


@pytest.mark.parametrize("method", ["get", "post"])
def test_no_renegotiation_before_an_agreement(login, held_case, facilitator, method):
    client = login(facilitator)
    response = getattr(client, method)(renegotiate_url(held_case), {"reason": "x"})
    assert "An agreement can be renegotiated only while the case is monitored." in messages_of(response)
    assert not Agreement.objects.exists()


@pytest.mark.parametrize(("persona", "expected"), [("other_facilitator", 404), ("partner", 404), ("officer", 404)])
def test_renegotiate_permissions(request, client, agreement, other_facilitator, persona, expected):
    client.force_login(request.getfixturevalue(persona))
    assert client.get(renegotiate_url(agreement.case)).status_code == expected
    assert client.post(renegotiate_url(agreement.case), {"reason": "x"}).status_code == expected
    assert agreement.case.agreements.count() == 1


def test_supervisor_renegotiates(login, agreement, supervisor):
    client = login(supervisor)
    fields = filled_in(client, renegotiate_url(agreement.case))
    new_partner = PartnerFactory(name="Kelbridge Community Garden")
    row = next(k[: -len("description")] for k, v in fields.items() if v == "Help at the community garden")
    fields.update({"reason": "Another partner supervises.", f"{row}partner": str(new_partner.pk)})
    assert client.post(renegotiate_url(agreement.case), fields).status_code == 302
    current = agreement.case.agreements.get(superseded_at__isnull=True)
    assert current.items.get(kind=ItemKind.COMMUNITY_SERVICE).partner == new_partner


# The agreement part of the case page


def history(client, case):
    return page_text(client.get(reverse("agreements:history", args=[case.pk])))


def test_include_offers_to_record_once_the_conference_is_held(login, held_case, facilitator, supervisor):
    text = history(login(facilitator), held_case)
    assert "Record the agreement" in text
    assert record_url(held_case) in text
    assert "The conference was held" in text


def test_include_offers_renegotiation_while_monitoring(login, agreement, restitution, facilitator):
    AgreementItem.objects.filter(pk=restitution.pk).update(due_date=in_days(-1))
    text = history(login(facilitator), agreement.case)
    assert renegotiate_url(agreement.case) in text
    assert record_url(agreement.case) not in text
    assert "Pay for the perfume" in text
    assert "£0.00 of £40.00 paid" in text
    assert "0 of 10 hours done" in text
    assert "Overdue" in text
    assert 'class="table-danger"' in text
    assert "Harriet Hale" in text  # the case's own facilitator sees whom it repairs


def test_include_for_a_case_in_intake(login, case, supervisor):
    text = history(login(supervisor), case)
    assert "No agreement yet" in text
    assert record_url(case) not in text


def test_history_permissions(client, agreement, other_facilitator, partner, officer):
    url = reverse("agreements:history", args=[agreement.case.pk])
    for user in (other_facilitator, partner, officer):
        client.force_login(user)
        assert client.get(url).status_code == 404


def test_renegotiation_starts_from_what_remains(login, agreement, restitution, service_item, facilitator, partner):
    """Payments and hours stay with version 1, so version 2 starts from what is left."""
    record_payment(item=restitution, by=partner, amount=Decimal("15"), paid_on=in_days(0))
    record_hours(item=service_item, by=partner, hours=Decimal("2.5"), worked_on=in_days(0))
    fields = filled_in(login(facilitator), renegotiate_url(agreement.case))

    rows = {fields[f"items-{n}-kind"]: n for n in range(3)}
    assert fields[f"items-{rows['restitution']}-amount"] == "25.00"
    assert fields[f"items-{rows['community_service']}-hours"] == "7.5"
