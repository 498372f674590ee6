"""Logging and changing a referral through its form: the incident and its parties on one page."""

from datetime import date, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from people.models import Person
from referrals import services
from referrals.models import PartyRole, Referral, ReferralEvent, ReferralParty, ReferralStatus
from tests.factories import PersonFactory, ReferralFactory, ReferralPartyFactory, offence
from tests.helpers import blank_party_row, edit_form_data, existing_party_row, page_text, party_row, referral_form_data

pytestmark = pytest.mark.django_db

CREATE = reverse("referrals:create")
CORRECT_BANNER = "Please correct the marked fields below. Nothing you typed has been lost."


def edit_url(referral):
    return reverse("referrals:edit", args=[referral.pk])


# Creating


def test_create_page_shows_the_form_with_one_empty_party_row(login, officer):
    response = login(officer).get(CREATE)
    assert response.status_code == 200
    text = page_text(response)
    assert "Log a diversion referral" in text
    assert 'name="parties-TOTAL_FORMS" value="1"' in text
    assert 'name="parties-0-first_name"' in text


def test_save_as_draft_creates_the_referral_with_its_parties(login, officer):
    harmed = party_row(
        role="harmed",
        kind="organisation",
        first_name="",
        last_name="",
        organisation_name="Corner Shop Ltd",
        date_of_birth="",
        admits_responsibility="",
        prior_diversions="",
        email="manager@cornershop.example",
    )
    data = referral_form_data(parties=[party_row(phone="07700 900456"), harmed], incident_number="CR/777/26")
    response = login(officer).post(CREATE, data, follow=True)

    assert response.status_code == 200
    referral = Referral.objects.get()
    assert response.redirect_chain == [(referral.get_absolute_url(), 302)]
    assert f"Draft {referral.reference} saved. Submit it when it is complete." in page_text(response)
    assert referral.status == ReferralStatus.DRAFT
    assert referral.submitted_at is None
    assert referral.incident_number == "CR/777/26"
    assert referral.referring_officer == officer
    assert referral.unit == officer.unit
    responsible, shop = referral.parties.select_related("person__contact").order_by("pk")
    assert (responsible.role, responsible.person.display_name) == (PartyRole.RESPONSIBLE, "Sam Jones")
    assert responsible.person.date_of_birth == date(2010, 1, 2)
    assert responsible.admits_responsibility is True
    assert responsible.prior_diversions == 0
    assert responsible.person.contact.phone == "07700 900456"
    assert responsible.person.created_by == officer
    assert (shop.role, shop.person.kind, shop.person.display_name) == (
        PartyRole.HARMED,
        "organisation",
        "Corner Shop Ltd",
    )
    assert shop.admits_responsibility is None
    assert shop.prior_diversions is None
    assert shop.person.contact.email == "manager@cornershop.example"
    event = referral.events.get()
    assert (event.actor, event.from_status, event.to_status) == (officer, "", ReferralStatus.DRAFT)


def test_save_and_submit_sends_the_referral_to_screening(login, officer):
    response = login(officer).post(CREATE, referral_form_data(action="submit"), follow=True)

    referral = Referral.objects.get()
    assert response.redirect_chain == [(referral.get_absolute_url(), 302)]
    assert f"Referral {referral.reference} submitted for screening." in page_text(response)
    assert referral.status == ReferralStatus.SUBMITTED
    assert referral.submitted_at is not None
    assert list(referral.events.values_list("from_status", "to_status")) == [
        ("", ReferralStatus.DRAFT),
        (ReferralStatus.DRAFT, ReferralStatus.SUBMITTED),
    ]


def test_an_added_row_left_blank_is_ignored(login, officer):
    # "Add a person" adds a row from the page's template; left as it is, it must not add a nameless person.
    client = login(officer)
    blank = blank_party_row(client.get(CREATE))
    assert blank["role"] == "responsible"
    response = client.post(CREATE, referral_form_data(parties=[party_row(), blank]))

    assert response.status_code == 302
    assert Referral.objects.get().parties.count() == 1
    assert Person.objects.count() == 1


def test_submit_without_a_responsible_party_keeps_a_draft(login, officer):
    harmed = party_row(role="harmed", first_name="Pat", last_name="Lee", admits_responsibility="")
    response = login(officer).post(CREATE, referral_form_data(parties=[harmed], action="submit"), follow=True)

    referral = Referral.objects.get()
    assert response.status_code == 200
    assert response.redirect_chain == [(edit_url(referral), 302)]
    assert (
        "The referral cannot be submitted yet: name at least one responsible party. It is saved as a draft."
        in page_text(response)
    )
    assert referral.status == ReferralStatus.DRAFT
    # Nothing typed is lost: the harmed party is saved and shown on the edit page.
    assert referral.parties.get().person.display_name == "Pat Lee"
    assert 'value="Pat"' in page_text(response)


def test_submit_without_the_admission_recorded_keeps_a_draft(login, officer):
    data = referral_form_data(parties=[party_row(admits_responsibility="")], action="submit")
    response = login(officer).post(CREATE, data, follow=True)

    referral = Referral.objects.get()
    assert response.redirect_chain == [(edit_url(referral), 302)]
    assert "The referral cannot be submitted yet: record whether Sam Jones admits responsibility." in page_text(
        response
    )
    assert referral.status == ReferralStatus.DRAFT
    assert referral.parties.get().admits_responsibility is None


@pytest.mark.parametrize(
    ("change", "message"),
    [
        pytest.param(
            {"incident_date": (timezone.localdate() + timedelta(days=3)).isoformat()},
            "The incident date cannot be in the future.",
            id="future-incident-date",
        ),
        pytest.param({"incident_date": "2026-02-30"}, "Enter a valid date.", id="impossible-incident-date"),
        pytest.param({"incident_date": "last tuesday"}, "Enter a valid date.", id="incident-date-not-a-date"),
        pytest.param({"incident_number": None}, "This field is required.", id="missing-report-number"),
        pytest.param({"incident_place": ""}, "This field is required.", id="blank-place"),
        pytest.param({"offence_category": None}, "This field is required.", id="missing-offence"),
        pytest.param({"offence_category": "99999"}, "Select a valid choice.", id="unknown-offence"),
        pytest.param({"description": ""}, "This field is required.", id="missing-description"),
    ],
)
def test_incident_errors_rerender_with_the_typed_values(login, officer, change, message):
    data = referral_form_data(**{"incident_place": "Bus station, bay 4", **change})
    response = login(officer).post(CREATE, data)

    assert response.status_code == 200
    text = page_text(response)
    assert CORRECT_BANNER in text
    assert message in text
    for typed in ('value="Sam"', 'value="Jones"', 'value="2010-01-02"'):
        assert typed in text
    if change.get("incident_date"):
        assert f'value="{change["incident_date"]}"' in text
    if "incident_place" not in change:
        assert 'value="Bus station, bay 4"' in text
    assert Referral.objects.count() == 0
    assert Person.objects.count() == 0


@pytest.mark.parametrize(
    ("row", "message", "typed"),
    [
        pytest.param(
            {"kind": "organisation", "organisation_name": "Corner Shop Ltd"},
            "Only a harmed party can be an organisation.",
            'value="Corner Shop Ltd"',
            id="organisation-as-responsible-party",
        ),
        pytest.param(
            {"role": "harmed", "kind": "organisation", "organisation_name": ""},
            "Give the organisation's name.",
            'value="Sam"',
            id="organisation-without-a-name",
        ),
        pytest.param(
            {"first_name": "", "last_name": "", "phone": "07700 900999"},
            "Give the person's first and last name.",
            'value="07700 900999"',
            id="individual-without-a-name",
        ),
        pytest.param(
            {"last_name": "  "},
            "Give the person's first and last name.",
            'value="Sam"',
            id="individual-with-a-blank-last-name",
        ),
        pytest.param(
            {"email": "sam.at.example.org"},
            "Enter a valid email address.",
            'value="sam.at.example.org"',
            id="bad-email",
        ),
        pytest.param(
            {"prior_diversions": "-1"},
            "Ensure this value is greater than or equal to 0.",
            'value="-1"',
            id="negative-prior-diversions",
        ),
        pytest.param(
            {"prior_diversions": "two"}, "Enter a whole number.", 'value="two"', id="prior-diversions-not-a-number"
        ),
        pytest.param(
            {"date_of_birth": "02/31/2010"}, "Enter a valid date.", 'value="02/31/2010"', id="bad-date-of-birth"
        ),
        pytest.param(
            {"date_of_birth": (timezone.localdate() + timedelta(days=1)).isoformat()},
            "The date of birth cannot be in the future.",
            'value="Sam"',
            id="future-date-of-birth",
        ),
        pytest.param({"role": "judge"}, "Select a valid choice.", 'value="Sam"', id="unknown-role"),
    ],
)
def test_party_errors_rerender_with_the_typed_values(login, officer, row, message, typed):
    data = referral_form_data(parties=[party_row(**row)], action="submit", incident_place="Bus station, bay 4")
    response = login(officer).post(CREATE, data)

    assert response.status_code == 200
    text = page_text(response)
    assert CORRECT_BANNER in text
    assert message in text
    assert typed in text
    assert 'value="Bus station, bay 4"' in text
    assert Referral.objects.count() == 0
    assert Person.objects.count() == 0


def test_a_form_without_the_management_fields_is_an_error_not_a_crash(login, officer):
    data = {k: v for k, v in referral_form_data().items() if not k.startswith("parties-")}
    response = login(officer).post(CREATE, data)

    assert response.status_code == 200
    assert "ManagementForm data is missing or has been tampered with" in page_text(response)
    assert Referral.objects.count() == 0


def test_only_officers_can_create(login, supervisor):
    response = login(supervisor).post(CREATE, referral_form_data())
    assert response.status_code == 403
    assert Referral.objects.count() == 0


# The duplicate person warning


@pytest.fixture
def sam_on_record(officer):
    """Sam Jones, born 2 January 2010, already on record from the officer's earlier referral (an
    officer's duplicate check looks only among the people they may see: tests/referrals/test_matching.py)."""
    sam = PersonFactory(first_name="Sam", last_name="Jones", date_of_birth=date(2010, 1, 2))
    ReferralPartyFactory(referral=ReferralFactory(referring_officer=officer, responsible=None), person=sam)
    return sam


def test_a_person_already_on_record_must_be_confirmed(login, officer, sam_on_record):
    data = referral_form_data(parties=[party_row(first_name="sam", last_name="JONES")], action="submit")
    response = login(officer).post(CREATE, data)

    assert response.status_code == 200
    text = page_text(response)
    assert "sam JONES, born 02 Jan 2010, is already on record." in text
    assert "Use the person already on record" in text
    assert "This is a different person" in text
    assert Referral.objects.count() == 1  # the earlier one only
    assert Person.objects.count() == 1


def test_linking_reuses_the_person_on_record(login, officer, sam_on_record):
    data = referral_form_data(parties=[party_row(on_match="link")], action="submit")
    response = login(officer).post(CREATE, data)

    assert response.status_code == 302
    assert Person.objects.count() == 1
    referral = Referral.objects.latest("pk")
    assert referral.parties.get().person == sam_on_record
    assert referral.status == ReferralStatus.SUBMITTED
    # The contact details on record are kept when the form gives none.
    sam_on_record.contact.refresh_from_db()
    assert sam_on_record.contact.phone == "07700 900123"


def test_a_different_person_gets_a_new_record(login, officer, sam_on_record):
    data = referral_form_data(parties=[party_row(on_match="new")])
    response = login(officer).post(CREATE, data)

    assert response.status_code == 302
    assert Person.objects.count() == 2
    person = Referral.objects.latest("pk").parties.get().person
    assert person != sam_on_record
    assert (person.first_name, person.last_name, person.date_of_birth) == ("Sam", "Jones", date(2010, 1, 2))


def test_same_name_without_a_date_of_birth_is_not_a_match(login, officer, sam_on_record):
    response = login(officer).post(CREATE, referral_form_data(parties=[party_row(date_of_birth="")]))

    assert response.status_code == 302
    assert Person.objects.count() == 2


# Editing a draft


@pytest.fixture
def draft_with_two(officer) -> Referral:
    """A draft with a responsible party and a harmed party."""
    referral = ReferralFactory(referring_officer=officer, incident_place="Market Street")
    ReferralPartyFactory(
        referral=referral,
        role=PartyRole.HARMED,
        person=PersonFactory(first_name="Pat", last_name="Lee"),
        admits_responsibility=None,
        prior_diversions=None,
    )
    return referral


def test_edit_page_shows_the_saved_values(login, officer, draft_with_two):
    response = login(officer).get(edit_url(draft_with_two))

    assert response.status_code == 200
    text = page_text(response)
    responsible = draft_with_two.parties.order_by("pk").first()
    assert f'value="{responsible.person.first_name}"' in text
    assert 'value="Pat"' in text
    assert f'name="parties-0-party_id" value="{responsible.pk}"' in text
    assert 'name="parties-INITIAL_FORMS" value="2"' in text


def test_editing_a_draft_changes_updates_removes_and_adds(login, officer, draft_with_two):
    referral = draft_with_two
    responsible, harmed = referral.parties.select_related("person__contact").order_by("pk")
    rows = [
        existing_party_row(responsible, first_name="Alexandra", prior_diversions="1", email="alex@example.org"),
        {**existing_party_row(harmed), "DELETE": "on"},
    ]
    new_row = party_row(role="supporter", first_name="Chris", last_name="Ward", date_of_birth="1980-06-01")
    data = edit_form_data(referral, rows=rows, extra=[new_row], incident_place="Station Road")
    response = login(officer).post(edit_url(referral), data, follow=True)

    assert response.redirect_chain == [(referral.get_absolute_url(), 302)]
    assert f"Changes to {referral.reference} saved." in page_text(response)
    referral.refresh_from_db()
    assert referral.incident_place == "Station Road"
    assert referral.status == ReferralStatus.DRAFT
    parties = list(referral.parties.select_related("person__contact").order_by("pk"))
    assert [(p.role, p.person.display_name) for p in parties] == [
        (PartyRole.RESPONSIBLE, f"Alexandra {responsible.person.last_name}"),
        (PartyRole.SUPPORTER, "Chris Ward"),
    ]
    # The existing party was updated in place, not replaced.
    assert parties[0].pk == responsible.pk
    assert parties[0].person_id == responsible.person_id
    assert parties[0].prior_diversions == 1
    assert parties[0].person.contact.email == "alex@example.org"
    assert parties[1].admits_responsibility is None
    assert not ReferralParty.objects.filter(pk=harmed.pk).exists()
    # Removing someone from a referral does not delete the person's record.
    assert Person.objects.filter(pk=harmed.person_id).exists()


def test_editing_and_submitting_a_draft(login, officer, draft):
    response = login(officer).post(edit_url(draft), edit_form_data(draft, action="submit"), follow=True)

    assert f"Referral {draft.reference} submitted for screening." in page_text(response)
    draft.refresh_from_db()
    assert draft.status == ReferralStatus.SUBMITTED


def test_edit_errors_rerender_and_change_nothing(login, officer, draft):
    data = edit_form_data(draft, incident_place="Station Road", description="")
    response = login(officer).post(edit_url(draft), data)

    assert response.status_code == 200
    text = page_text(response)
    assert CORRECT_BANNER in text
    assert 'value="Station Road"' in text
    draft.refresh_from_db()
    assert draft.incident_place == "Market Street"


def test_a_party_of_another_referral_cannot_be_edited_through_this_one(login, officer, draft):
    other = ReferralFactory()
    victim_party = other.parties.select_related("person").get()
    original_name = victim_party.person.first_name
    rows = [existing_party_row(draft.parties.get()), party_row(party_id=str(victim_party.pk), first_name="Hacked")]
    data = edit_form_data(draft, rows=rows)
    response = login(officer).post(edit_url(draft), data)

    assert response.status_code == 200
    assert CORRECT_BANNER in page_text(response)
    victim_party.person.refresh_from_db()
    assert victim_party.person.first_name == original_name
    assert victim_party.referral_id == other.pk
    assert draft.parties.count() == 1


def test_a_stale_party_id_explains_itself(login, officer, draft):
    other = ReferralFactory()
    rows = [party_row(party_id=str(other.parties.get().pk))]
    response = login(officer).post(edit_url(draft), edit_form_data(draft, rows=rows))

    assert response.status_code == 200
    assert "This person is not on the referral any more; reload the page." in page_text(response)


def test_linking_a_person_already_on_the_referral_is_a_form_error(login, officer, draft):
    person = draft.parties.get().person
    again = party_row(first_name=person.first_name, last_name=person.last_name, on_match="link")
    again["date_of_birth"] = person.date_of_birth.isoformat()
    client = login(officer)
    client.raise_request_exception = False
    response = client.post(edit_url(draft), edit_form_data(draft, extra=[again]))

    assert response.status_code == 200
    assert draft.parties.count() == 1


@pytest.mark.parametrize("status", ["submitted", "accepted"])
def test_a_referral_past_draft_cannot_be_edited(login, officer, request, status):
    referral = request.getfixturevalue(status)
    before = referral.history.count()
    client = login(officer)

    response = client.get(edit_url(referral), follow=True)
    assert response.redirect_chain == [(referral.get_absolute_url(), 302)]
    label = status.capitalize()
    assert f"Referral {referral.reference} can no longer be changed: its status is {label}." in page_text(response)

    response = client.post(edit_url(referral), edit_form_data(referral, incident_place="Elsewhere"), follow=True)
    assert response.redirect_chain == [(referral.get_absolute_url(), 302)]
    assert "can no longer be changed" in page_text(response)
    referral.refresh_from_db()
    assert referral.incident_place == "Market Street"
    assert referral.status == status
    assert referral.history.count() == before


# Answering a request for information


@pytest.fixture
def needs_info(submitted, supervisor) -> Referral:
    return services.request_info(referral=submitted, by=supervisor, message="Was the shop owner asked about a meeting?")


def test_edit_page_shows_the_supervisors_question(login, officer, needs_info):
    response = login(officer).get(edit_url(needs_info))

    assert response.status_code == 200
    text = page_text(response)
    assert "The supervisor asks:" in text
    assert "Was the shop owner asked about a meeting?" in text
    assert 'name="info-answer"' in text


def test_answering_resubmits_and_keeps_the_answer(login, officer, needs_info):
    submitted_at = needs_info.submitted_at
    data = edit_form_data(needs_info, action="save", incident_place="Market Street, outside no. 12")
    data["info-answer"] = "Yes: the owner is willing to meet."
    response = login(officer).post(edit_url(needs_info), data, follow=True)

    assert response.redirect_chain == [(needs_info.get_absolute_url(), 302)]
    assert f"Referral {needs_info.reference} is back with the supervisors for screening." in page_text(response)
    needs_info.refresh_from_db()
    assert needs_info.status == ReferralStatus.SUBMITTED
    assert needs_info.info_response == "Yes: the owner is willing to meet."
    assert needs_info.incident_place == "Market Street, outside no. 12"
    assert needs_info.submitted_at > submitted_at  # the queue counts from the last submission
    event = needs_info.events.last()
    assert (event.actor, event.from_status, event.to_status, event.reason) == (
        officer,
        ReferralStatus.NEEDS_INFO,
        ReferralStatus.SUBMITTED,
        "Yes: the owner is willing to meet.",
    )


def test_an_answer_is_required(login, officer, needs_info):
    response = login(officer).post(edit_url(needs_info), edit_form_data(needs_info, action="save"))

    assert response.status_code == 200
    assert "This field is required." in page_text(response)
    needs_info.refresh_from_db()
    assert needs_info.status == ReferralStatus.NEEDS_INFO
    assert needs_info.info_response == ""
    assert not ReferralEvent.objects.filter(referral=needs_info, from_status=ReferralStatus.NEEDS_INFO).exists()


def test_offence_category_of_a_new_referral_must_be_active(login, officer):
    category = offence("theft")
    category.active = False
    category.save()
    response = login(officer).post(CREATE, referral_form_data(offence_category=str(category.pk)))

    assert response.status_code == 200
    assert "Select a valid choice." in page_text(response)
    assert Referral.objects.count() == 0
