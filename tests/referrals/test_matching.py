"""Matching people without disclosure (DESIGN.md, data protection rule 3): an officer's duplicate
check looks only among people they may see, linking shows and changes no details on record, typed
details become a proposal the case's facilitators adopt, and supervisors merge at screening."""

from datetime import date

import pytest
from rest_framework.test import APIClient

from people.merging import unmerge_people
from people.models import AuditEntry, ContactDetails, PersonMerge
from referrals import services
from referrals.models import ContactUpdate, PartyRole, Referral
from rjcases.api.clients import issue_api_key
from tests.factories import PersonFactory, ReferralFactory, ReferralPartyFactory, UnitFactory, UserFactory
from tests.helpers import edit_form_data, existing_party_row, page_text, party_row, referral_form_data

pytestmark = pytest.mark.django_db

VICTIM = {"first_name": "Robin", "last_name": "Hale", "date_of_birth": date(1990, 4, 3)}
PHONE, EMAIL, ADDRESS = "07700 900777", "robin.hale@example.org", "3 Mill Row, Northby"
ATTACKER = {"phone": "07700 900666", "email": "attacker@example.org", "address": "9 Elsewhere"}
ON_RECORD = "is already on record"


def victim_row(**fields):
    row = party_row(role="harmed", admits_responsibility="", prior_diversions="", **fields)
    return {**row, "first_name": VICTIM["first_name"], "last_name": VICTIM["last_name"], "date_of_birth": "1990-04-03"}


@pytest.fixture
def victim(case, facilitator, supervisor):
    """The harmed party of an open case of the officer's unit, with contact details its facilitator keeps."""
    person = PersonFactory(**VICTIM, contact__phone=PHONE, contact__email=EMAIL, contact__address=ADDRESS)
    ReferralPartyFactory(referral=case.referral, person=person, role=PartyRole.HARMED, admits_responsibility=None)
    case.facilitator = facilitator
    case.save(update_fields=["facilitator"])
    return person


def unchanged(person):
    contact = ContactDetails.objects.get(person=person)
    return (contact.phone, contact.email, contact.address) == (PHONE, EMAIL, ADDRESS)


def test_another_units_officer_is_not_told_and_sees_and_changes_nothing(login, other_officer, victim):
    client = login(other_officer)
    data = referral_form_data(parties=[party_row(), victim_row(on_match="link", **ATTACKER)])
    response = client.post("/referrals/new/", data)

    assert response.status_code == 302, page_text(response)
    referral = Referral.objects.get(referring_officer=other_officer)
    harmed = referral.parties.get(role=PartyRole.HARMED)
    assert harmed.person != victim  # "link" had nothing to link to: a new record
    assert unchanged(victim)
    assert not ContactUpdate.objects.filter(person=victim).exists()
    for url in (referral.get_absolute_url(), f"/referrals/{referral.pk}/edit/"):
        text = page_text(client.get(url))
        assert ON_RECORD not in text
        assert PHONE not in text and EMAIL not in text and "Mill Row" not in text


def test_the_form_never_says_already_on_record_to_another_unit(login, other_officer, victim):
    response = login(other_officer).post("/referrals/new/", referral_form_data(parties=[party_row(), victim_row()]))
    assert response.status_code == 302
    assert ON_RECORD not in page_text(response)


def test_the_api_probe_of_another_unit_gets_nothing(other_officer, victim):
    _, key = issue_api_key(name="Other force", scope="write", unit=UnitFactory())
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {key}")
    body = {
        "incident_number": "CR/00901/26",
        "incident_date": "2026-03-01",
        "incident_place": "Market Street",
        "offence_category": "shoplifting",
        "description": "Took goods.",
        "harm_description": "Loss.",
        "parties": [
            {"role": "responsible", "first_name": "Sam", "last_name": "Jones", "admits_responsibility": True},
            {"role": "harmed", **VICTIM, "date_of_birth": "1990-04-03", "on_match": "link", **ATTACKER},
        ],
    }
    created = client.post("/api/v1/referrals/", body, format="json")
    assert created.status_code == 201, created.content
    assert ON_RECORD not in created.content.decode()
    detail = client.get(f"/api/v1/referrals/{created.json()['id']}/").content.decode()
    assert PHONE not in detail and EMAIL not in detail
    harmed = next(p for p in created.json()["parties"] if p["role"] == "harmed")
    assert harmed["person"] != victim.pk
    assert client.get(f"/api/v1/people/{victim.pk}/").status_code == 404
    assert unchanged(victim)


@pytest.fixture
def linked_draft(login, officer, victim):
    """The officer, who may see the victim (their own earlier referral), links them on a new draft."""
    client = login(officer)
    first = client.post("/referrals/new/", referral_form_data(parties=[party_row(), victim_row()]))
    assert ON_RECORD in page_text(first)  # the officer may see them: the check says so
    response = client.post("/referrals/new/", referral_form_data(parties=[party_row(), victim_row(on_match="link")]))
    assert response.status_code == 302
    referral = Referral.objects.filter(referring_officer=officer).latest("pk")
    assert referral.parties.get(role=PartyRole.HARMED).person == victim
    return referral


def test_linking_shows_no_details_on_record(login, officer, linked_draft):
    client = login(officer)
    for url in (linked_draft.get_absolute_url(), f"/referrals/{linked_draft.pk}/edit/"):
        text = page_text(client.get(url))
        assert PHONE not in text and EMAIL not in text and "Mill Row" not in text
    api = APIClient()
    api.force_login(officer)
    harmed = next(
        p for p in api.get(f"/api/v1/referrals/{linked_draft.pk}/").json()["parties"] if p["role"] == "harmed"
    )
    assert harmed["contact"] is None
    person = api.get(f"/api/v1/people/{harmed['person']}/")
    assert PHONE not in person.content.decode()


def test_typed_details_become_a_proposal_the_facilitator_adopts(login, officer, facilitator, victim, linked_draft):
    rows = []
    for party in linked_draft.parties.select_related("person__contact"):
        row = existing_party_row(party, phone="", email="", address="")
        if party.role == PartyRole.HARMED:
            row.update(ATTACKER)
        rows.append(row)
    response = login(officer).post(f"/referrals/{linked_draft.pk}/edit/", edit_form_data(linked_draft, rows=rows))
    assert response.status_code == 302

    assert unchanged(victim)
    proposal = ContactUpdate.objects.get(person=victim)
    assert (proposal.referral, proposal.proposed_by, proposal.phone) == (linked_draft, officer, ATTACKER["phone"])
    # The edit form shows the officer what they proposed, not what is on record.
    text = page_text(login(officer).get(f"/referrals/{linked_draft.pk}/edit/"))
    assert ATTACKER["phone"] in text and PHONE not in text

    case = victim.referral_roles.exclude(referral=linked_draft).get().referral.case
    client = login(facilitator)
    assert ATTACKER["phone"] in page_text(client.get(f"/cases/{case.pk}/"))
    history_before = ContactDetails.history.filter(person_id=victim.pk).count()
    url = f"/cases/{case.pk}/contact-updates/{proposal.pk}/"
    assert client.post(url, {"decision": "nonsense"}).status_code == 400
    assert client.post(url, {"decision": "adopt"}).status_code == 302

    contact = ContactDetails.objects.get(person=victim)
    assert (contact.phone, contact.email, contact.address) == (
        ATTACKER["phone"],
        ATTACKER["email"],
        ATTACKER["address"],
    )
    assert ContactDetails.history.filter(person_id=victim.pk).count() == history_before + 1
    proposal.refresh_from_db()
    assert (proposal.adopted_by, proposal.is_pending) == (facilitator, False)
    assert AuditEntry.objects.filter(action="adopt", object_id=str(contact.pk)).exists()
    assert client.post(url, {"decision": "dismiss"}).status_code == 302  # already decided: a message, no change
    proposal.refresh_from_db()
    assert proposal.dismissed_at is None


def test_another_facilitator_cannot_adopt(login, other_facilitator, victim, linked_draft, officer):
    services.save_parties(
        linked_draft,
        [
            services.PartyInput(
                role=PartyRole.HARMED, party_id=linked_draft.parties.get(role="harmed").pk, **VICTIM, phone="1"
            )
        ],
        by=officer,
    )
    proposal = ContactUpdate.objects.get(person=victim)
    case = victim.referral_roles.exclude(referral=linked_draft).get().referral.case
    response = login(other_facilitator).post(f"/cases/{case.pk}/contact-updates/{proposal.pk}/", {"decision": "adopt"})
    assert response.status_code == 404
    assert unchanged(victim)


def test_a_new_person_gets_the_typed_details_as_before(login, officer):
    response = login(officer).post("/referrals/new/", referral_form_data(parties=[victim_row(phone=PHONE)]))
    assert response.status_code == 302
    person = Referral.objects.get().parties.get().person
    assert person.contact.phone == PHONE
    assert not ContactUpdate.objects.exists()


@pytest.fixture
def duplicate_at_screening(other_officer, victim):
    """Another unit logs the victim again (a new record, since they could not see the first) and submits."""
    referral = ReferralFactory(referring_officer=other_officer)
    twin = PersonFactory(**VICTIM, contact__phone=ATTACKER["phone"])
    party = ReferralPartyFactory(referral=referral, person=twin, role=PartyRole.HARMED, admits_responsibility=None)
    services.submit_referral(referral=referral, by=other_officer)
    return party


def test_the_supervisor_sees_the_programme_wide_match_merges_and_an_admin_reverses(
    login, supervisor, victim, duplicate_at_screening
):
    party = duplicate_at_screening
    twin = party.person
    screen = f"/referrals/{party.referral_id}/screen/"
    text = page_text(login(supervisor).get(screen))
    assert f"as person {victim.pk}" in text
    # The supervisor sees where the match is named, to judge whether it is the same individual.
    for role in victim.referral_roles.select_related("referral"):
        assert f"{role.referral.reference}</a> ({role.get_role_display().lower()})" in text

    response = login(supervisor).post(f"{screen}merge/", {"party": party.pk, "keep": victim.pk})
    assert response.status_code == 302
    party.refresh_from_db()
    assert (party.person, party.linked) == (victim, True)
    merge = PersonMerge.objects.get()
    assert (merge.kept, merge.merged, merge.merged_by) == (victim, twin, supervisor)
    assert any(m["model"] == "referrals.ReferralParty" and party.pk in m["pks"] for m in merge.moved)
    assert unchanged(victim)  # the typed phone is a proposal, not a change
    assert ContactUpdate.objects.get(person=victim).phone == ATTACKER["phone"]
    entry = AuditEntry.objects.get(action="merge")
    assert VICTIM["last_name"] not in entry.detail and str(twin.pk) in entry.detail
    assert f"as person {victim.pk}" not in page_text(login(supervisor).get(screen))

    admin = UserFactory(username="admin", admin=True)
    changelist = "/admin/cases/personmerge/"
    response = login(admin).post(changelist, {"action": "reverse_merges", "_selected_action": [merge.pk]})
    assert response.status_code == 302
    party.refresh_from_db()
    merge.refresh_from_db()
    assert party.person == twin
    assert (merge.reversed_by, merge.is_reversed) == (admin, True)
    assert AuditEntry.objects.filter(action="unmerge", object_id=str(merge.pk)).exists()


def test_merge_input_is_checked(login, supervisor, officer, victim, duplicate_at_screening):
    screen = f"/referrals/{duplicate_at_screening.referral_id}/screen/"
    client = login(supervisor)
    for data in ({"party": "x", "keep": victim.pk}, {"party": duplicate_at_screening.pk, "keep": 999999}, {}):
        assert client.post(f"{screen}merge/", data).status_code == 302
    assert not PersonMerge.objects.exists()
    assert login(officer).post(
        f"{screen}merge/", {"party": duplicate_at_screening.pk, "keep": victim.pk}
    ).status_code in (403, 404)
    assert not PersonMerge.objects.exists()


def test_a_reversed_merge_cannot_be_reversed_twice(supervisor, victim, duplicate_at_screening):
    from people.merging import MergeRefused, merge_people

    merge = merge_people(keep=victim, duplicate=duplicate_at_screening.person, by=supervisor)
    unmerge_people(merge=merge, by=supervisor)
    with pytest.raises(MergeRefused):
        unmerge_people(merge=merge, by=supervisor)
    with pytest.raises(MergeRefused):
        merge_people(keep=victim, duplicate=victim, by=supervisor)
