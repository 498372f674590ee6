"""Preparing a case in the browser: contacts, consents, assessments, sign-off, people, notes, mark ready."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from cases import services as case_services
from cases.models import Assessment, CaseEvent, CaseNote, CaseStatus, Consent, ContactAttempt
from conferences import services as conference_services
from people.models import Person
from referrals.models import PartyRole
from tests.cases.builders import build_world, prepare
from tests.factories import PersonFactory
from tests.helpers import page_text

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(officer, supervisor, facilitator):
    return build_world(officer=officer, supervisor=supervisor, facilitator=facilitator)


@pytest.fixture
def client_of(login, facilitator):
    return login(facilitator)


def url(name, world, *more):
    return reverse(f"cases:{name}", args=[world.case.pk, *more])


def local_minute(delta=timedelta()) -> str:
    return (timezone.localtime() + delta).strftime("%Y-%m-%dT%H:%M")


def events(world, kind=None):
    found = CaseEvent.objects.filter(case=world.case)
    return found.filter(kind=kind) if kind else found


# The contact log


def test_a_facilitator_logs_a_contact(client_of, world, facilitator):
    when = local_minute(-timedelta(hours=3))
    response = client_of.post(
        url("log_contact", world),
        {"person": world.harmed.pk, "contacted_at": when, "channel": "phone", "outcome": "refused", "note": "Not now."},
    )

    assert response.status_code == 302
    assert response["Location"] == f"{world.case.get_absolute_url()}?tab=people"
    attempt = ContactAttempt.objects.get()
    assert (attempt.person, attempt.channel, attempt.outcome, attempt.recorded_by) == (
        world.harmed,
        "phone",
        "refused",
        facilitator,
    )
    assert timezone.localtime(attempt.contacted_at).strftime("%Y-%m-%dT%H:%M") == when
    text = page_text(client_of.get(response["Location"]))
    assert "Phone to Pat Lee logged." in text
    assert "Refused" in text
    assert "Not now." in text
    assert "Phone to Pat Lee: refused." in text  # the timeline


@pytest.mark.parametrize(
    ("change", "error"),
    [
        ({"contacted_at": local_minute(timedelta(days=1))}, "A contact cannot be logged in the future."),
        ({"outcome": ""}, "This field is required."),
        ({"outcome": "maybe"}, "Select a valid choice."),
        ({"contacted_at": "yesterday"}, "Enter a valid date/time."),
    ],
)
def test_an_invalid_contact_is_refused_with_the_form_error(client_of, world, change, error):
    data = {"person": world.harmed.pk, "contacted_at": local_minute(), "channel": "phone", "outcome": "reached"}
    response = client_of.post(url("log_contact", world), {**data, **change})

    assert response.status_code == 400
    text = page_text(response)
    assert error in text
    assert "Nothing was saved" in text
    assert f'class="collapse show" id="p{world.harmed.pk}-contact"' in text  # the form is shown open
    assert not ContactAttempt.objects.exists()


def test_a_contact_with_someone_not_on_the_case_is_refused(client_of, world):
    stranger = PersonFactory()
    response = client_of.post(
        url("log_contact", world),
        {"person": stranger.pk, "contacted_at": local_minute(), "channel": "phone", "outcome": "reached"},
        follow=True,
    )
    assert "That person is not on this case." in page_text(response)
    assert not ContactAttempt.objects.exists()


def test_recording_on_a_closed_case_is_refused_with_a_message(client_of, world, facilitator):
    case_services.close_without_conference(case=world.case, by=facilitator, reason="Pat declined.")
    page = page_text(client_of.get(world.case.get_absolute_url()))
    assert "Log a contact" not in page  # the forms are not offered any more

    response = client_of.post(
        url("log_contact", world),
        {"person": world.harmed.pk, "contacted_at": local_minute(), "channel": "phone", "outcome": "reached"},
        follow=True,
    )

    assert "is closed without conference: it can no longer change." in page_text(response)
    assert not ContactAttempt.objects.exists()


# Consent


def test_a_participant_consents_for_themself(client_of, world, facilitator):
    today = timezone.localdate()
    response = client_of.post(
        url("record_consent", world),
        {
            "person": world.harmed.pk,
            "purpose": "conference",
            "given_by": world.harmed.pk,
            "given_on": today.isoformat(),
            "method": "written",
        },
        follow=True,
    )

    consent = Consent.objects.get()
    assert (consent.person, consent.given_by, consent.given_on, consent.recorded_by) == (
        world.harmed,
        world.harmed,
        today,
        facilitator,
    )
    text = page_text(response)
    assert "Consent of Pat Lee to take part in a conference recorded." in text
    assert f"Given by Pat Lee on {today:%-d %b %Y}, in writing (signed form)." in " ".join(text.split())


def test_a_guardian_consents_for_a_juvenile(client_of, world):
    response = client_of.post(
        url("record_consent", world),
        {
            "person": world.responsible.pk,
            "purpose": "conference",
            "given_by": world.guardian.pk,
            "given_on": timezone.localdate().isoformat(),
            "method": "verbal",
        },
        follow=True,
    )
    assert Consent.objects.get().by_guardian
    assert "Given by Sue Doyle (guardian)" in page_text(response)


def test_the_consent_form_offers_the_person_and_the_guardians(client_of, world):
    text = page_text(client_of.get(world.case.get_absolute_url()))
    form = text[text.index(f'id="p{world.responsible.pk}-consent"') :]
    given_by = form[form.index('name="given_by"') :]
    given_by = given_by[: given_by.index("</select>")]
    assert "Jamie Doyle" in given_by
    assert "Sue Doyle" in given_by
    assert "Pat Lee" not in given_by


@pytest.mark.parametrize(
    ("change", "error"),
    [
        ({"given_by": "harmed"}, "Pat Lee is not a guardian on this case: consent for Jamie Doyle is given by them"),
        (
            {"given_on": (timezone.localdate() + timedelta(days=1)).isoformat()},
            "Consent cannot be dated in the future.",
        ),
        ({"purpose": "everything"}, "Select a valid choice."),
        ({"method": ""}, "This field is required."),
        ({"given_by": "stranger"}, "This person is not on the case."),
    ],
)
def test_an_invalid_consent_is_refused_with_the_form_error(client_of, world, change, error):
    stranger = PersonFactory()
    data = {
        "person": world.responsible.pk,
        "purpose": "conference",
        "given_by": world.responsible.pk,
        "given_on": timezone.localdate().isoformat(),
        "method": "written",
    }
    if change.get("given_by") == "harmed":
        change = {"given_by": world.harmed.pk}
    elif change.get("given_by") == "stranger":
        change = {"given_by": stranger.pk}

    response = client_of.post(url("record_consent", world), {**data, **change})

    assert response.status_code == 400
    assert error in page_text(response)
    assert not Consent.objects.exists()
    assert not events(world, "consent").exists()


def test_the_same_consent_twice_is_refused_with_a_message(client_of, world):
    data = {
        "person": world.harmed.pk,
        "purpose": "conference",
        "given_by": world.harmed.pk,
        "given_on": timezone.localdate().isoformat(),
        "method": "written",
    }
    client_of.post(url("record_consent", world), data)
    response = client_of.post(url("record_consent", world), data, follow=True)
    assert "Pat Lee has already given this consent for Pat Lee." in page_text(response)
    assert Consent.objects.count() == 1


def test_withdrawing_a_consent_keeps_it_visible_with_the_reason(client_of, world, facilitator):
    consent = case_services.record_consent(
        case=world.case,
        by=facilitator,
        person=world.harmed,
        purpose="share_outcome",
        given_by=world.harmed,
        given_on=timezone.localdate(),
        method="phone",
    )

    response = client_of.post(
        url("withdraw_consent", world, consent.pk), {"reason": "Pat changed her mind."}, follow=True
    )

    consent.refresh_from_db()
    assert not consent.is_active
    assert (consent.withdrawn_by, consent.withdrawal_reason) == (facilitator, "Pat changed her mind.")
    text = page_text(response)
    assert "Consent of Pat Lee withdrawn." in text
    assert "1 withdrawn consent" in text
    assert "Pat changed her mind." in text
    assert events(world, "consent").get(summary__endswith="withdrawn.").reason == "Pat changed her mind."


def test_withdrawing_a_needed_consent_sends_a_ready_case_back_to_intake(client_of, world, facilitator, supervisor):
    prepare(world, by=facilitator, supervisor=supervisor)
    case_services.mark_case_ready(case=world.case, by=facilitator)
    consent = Consent.objects.get(person=world.harmed, purpose="conference")

    response = client_of.post(url("withdraw_consent", world, consent.pk), {"reason": "Pat declined."}, follow=True)

    assert world.refresh().status == CaseStatus.INTAKE
    text = page_text(response)
    assert "The case is back in intake: it is no longer ready for a conference." in text
    assert "Record Pat Lee's consent to take part in a conference." in text


def test_withdrawing_consent_on_a_scheduled_case_cancels_the_conference(client_of, world, facilitator, supervisor):
    prepare(world, by=facilitator, supervisor=supervisor)
    case_services.mark_case_ready(case=world.case, by=facilitator)
    plan = conference_services.ConferencePlan(
        kind="victim_offender",
        starts_at=timezone.now() + timedelta(days=7),
        duration_minutes=90,
        mode="in_person",
        address="Youth Centre, 1 Mill Lane",
    )
    conference = conference_services.schedule_conference(
        case=world.case, by=facilitator, plan=plan, facilitators=[facilitator]
    )
    consent = Consent.objects.get(person=world.harmed, purpose="conference")

    response = client_of.post(url("withdraw_consent", world, consent.pk), {"reason": "Pat declined."}, follow=True)

    assert world.refresh().status == CaseStatus.INTAKE
    conference.refresh_from_db()
    assert conference.status == "cancelled"
    assert (
        "The case is back in intake: it is no longer ready for a conference. Its scheduled conference is cancelled."
        in page_text(response)
    )


def test_withdrawing_without_a_reason_is_refused(client_of, world, facilitator):
    consent = case_services.record_consent(
        case=world.case,
        by=facilitator,
        person=world.harmed,
        purpose="conference",
        given_by=world.harmed,
        given_on=timezone.localdate(),
        method="phone",
    )
    response = client_of.post(url("withdraw_consent", world, consent.pk), {"reason": "  "}, follow=True)
    assert "Say why the consent is withdrawn." in page_text(response)
    consent.refresh_from_db()
    assert consent.is_active


def test_withdrawing_twice_is_refused_with_a_message(client_of, world, facilitator):
    consent = case_services.record_consent(
        case=world.case,
        by=facilitator,
        person=world.harmed,
        purpose="conference",
        given_by=world.harmed,
        given_on=timezone.localdate(),
        method="phone",
    )
    client_of.post(url("withdraw_consent", world, consent.pk), {"reason": "First."})
    response = client_of.post(url("withdraw_consent", world, consent.pk), {"reason": "Second."}, follow=True)
    assert "This consent was already withdrawn." in page_text(response)
    consent.refresh_from_db()
    assert consent.withdrawal_reason == "First."


def test_a_consent_of_another_case_is_404(client_of, world, officer, supervisor, facilitator):
    other = build_world(officer=officer, supervisor=supervisor, facilitator=facilitator)
    consent = case_services.record_consent(
        case=other.case,
        by=facilitator,
        person=other.harmed,
        purpose="conference",
        given_by=other.harmed,
        given_on=timezone.localdate(),
        method="phone",
    )
    response = client_of.post(url("withdraw_consent", world, consent.pk), {"reason": "Wrong case."})
    assert response.status_code == 404
    consent.refresh_from_db()
    assert consent.is_active


# Assessment and sign-off


def test_a_facilitator_assesses_a_participant(client_of, world, facilitator):
    response = client_of.post(
        url("record_assessment", world),
        {"person": world.responsible.pk, "will_attend": "on", "risk": "high", "notes": "Anxious about meeting Pat."},
        follow=True,
    )

    assessment = Assessment.objects.get()
    assert (assessment.person, assessment.will_attend, assessment.ready, assessment.risk) == (
        world.responsible,
        True,
        False,
        "high",
    )
    text = page_text(response)
    assert "Assessment of Jamie Doyle saved. A supervisor signs it off." in text
    assert "High risk" in text
    assert "Anxious about meeting Pat." in text
    assert "Waiting for a supervisor's sign-off" in text
    assert "Jamie Doyle is not yet assessed as ready to take part." in text
    assert "Anxious" not in events(world, "assessment").get().summary  # notes stay out of the timeline


def test_redoing_an_assessment_needs_a_new_sign_off(client_of, world, facilitator, supervisor):
    assessment = case_services.record_assessment(
        case=world.case, by=facilitator, person=world.harmed, will_attend=True, ready=True, risk="low"
    )
    case_services.sign_off_assessment(assessment=assessment, by=supervisor)
    page = page_text(client_of.get(world.case.get_absolute_url()))
    assert "Redo the assessment" in page
    assert "A redone assessment needs a new sign-off." in page

    client_of.post(url("record_assessment", world), {"person": world.harmed.pk, "ready": "on", "risk": "medium"})

    assessment.refresh_from_db()
    assert (assessment.will_attend, assessment.risk, assessment.is_signed_off) == (False, "medium", False)


def test_an_assessment_without_a_risk_is_refused(client_of, world):
    response = client_of.post(url("record_assessment", world), {"person": world.harmed.pk, "will_attend": "on"})
    assert response.status_code == 400
    assert "This field is required." in page_text(response)
    assert not Assessment.objects.exists()


def test_a_supervisor_signs_off_an_assessment(login, world, facilitator, supervisor):
    assessment = case_services.record_assessment(
        case=world.case, by=facilitator, person=world.harmed, will_attend=True, ready=True, risk="low"
    )
    client = login(supervisor)
    assert url("sign_off", world, assessment.pk) in page_text(client.get(world.case.get_absolute_url()))

    response = client.post(url("sign_off", world, assessment.pk), follow=True)

    assessment.refresh_from_db()
    assert assessment.signed_off_by == supervisor
    text = page_text(response)
    assert "Assessment of Pat Lee signed off." in text
    assert f"Signed off by {supervisor}" in text


def test_the_facilitator_sees_no_sign_off_button(client_of, world, facilitator):
    assessment = case_services.record_assessment(
        case=world.case, by=facilitator, person=world.harmed, will_attend=True, ready=True, risk="low"
    )
    assert url("sign_off", world, assessment.pk) not in page_text(client_of.get(world.case.get_absolute_url()))


def test_signing_off_twice_is_refused_with_a_message(login, world, facilitator, supervisor):
    assessment = case_services.record_assessment(
        case=world.case, by=facilitator, person=world.harmed, will_attend=True, ready=True, risk="low"
    )
    client = login(supervisor)
    client.post(url("sign_off", world, assessment.pk))
    response = client.post(url("sign_off", world, assessment.pk), follow=True)
    assert "This assessment is already signed off." in page_text(response)
    assert events(world, "assessment").filter(summary__contains="signed off").count() == 1


def test_signing_off_on_a_closed_case_is_refused_with_a_message(login, world, facilitator, supervisor):
    assessment = case_services.record_assessment(
        case=world.case, by=facilitator, person=world.harmed, will_attend=True, ready=True, risk="low"
    )
    case_services.close_without_conference(case=world.case, by=facilitator, reason="Pat declined.")
    client = login(supervisor)
    assert url("sign_off", world, assessment.pk) not in page_text(client.get(world.case.get_absolute_url()))

    response = client.post(url("sign_off", world, assessment.pk), follow=True)

    assert "is closed without conference: it can no longer change." in page_text(response)
    assessment.refresh_from_db()
    assert not assessment.is_signed_off


def test_signing_off_an_assessment_of_another_case_is_404(login, world, officer, facilitator, supervisor):
    other = build_world(officer=officer, supervisor=supervisor, facilitator=facilitator)
    assessment = case_services.record_assessment(
        case=other.case, by=facilitator, person=other.harmed, will_attend=True, ready=True, risk="low"
    )
    assert login(supervisor).post(url("sign_off", world, assessment.pk)).status_code == 404
    assessment.refresh_from_db()
    assert not assessment.is_signed_off


# Mark ready


def test_marking_ready_with_things_missing_says_what_and_changes_nothing(client_of, world, facilitator):
    before = events(world).count()
    response = client_of.post(url("mark_ready", world), follow=True)

    text = page_text(response)
    assert (
        "The case is not ready yet: Assess the readiness and risk of Jamie Doyle. "
        "Assess the readiness and risk of Pat Lee." in text
    )
    assert world.refresh().status == CaseStatus.INTAKE
    assert events(world).count() == before


def test_marking_a_prepared_case_ready(client_of, world, facilitator, supervisor):
    prepare(world, by=facilitator, supervisor=supervisor)

    response = client_of.post(url("mark_ready", world), follow=True)

    assert world.refresh().status == CaseStatus.READY
    text = page_text(response)
    assert f"Case {world.case} is ready: schedule a conference." in text
    assert events(world, "move").filter(from_status="intake", to_status="ready", actor=facilitator).exists()


def test_marking_a_ready_case_ready_again_is_refused(client_of, world, facilitator, supervisor):
    prepare(world, by=facilitator, supervisor=supervisor)
    case_services.mark_case_ready(case=world.case, by=facilitator)
    response = client_of.post(url("mark_ready", world), follow=True)
    assert "cannot be marked ready now: its status is Ready." in page_text(response)


# Adding a person


def test_the_add_a_person_page(client_of, world):
    response = client_of.get(url("add_party", world))
    assert response.status_code == 200
    text = page_text(response)
    assert f"Add a person to case {world.case.reference}" in text
    assert '<option value="guardian" selected>' in text


def test_a_facilitator_adds_a_supporter(client_of, world, facilitator):
    response = client_of.post(
        url("add_party", world),
        {
            "role": "supporter",
            "kind": "individual",
            "first_name": "Ray",
            "last_name": "Ng",
            "phone": "07700 900111",
            "gender": "male",
        },
        follow=True,
    )

    party = world.case.referral.parties.get(role=PartyRole.SUPPORTER)
    assert party.person.display_name == "Ray Ng"
    assert party.person.contact.phone == "07700 900111"
    text = page_text(response)
    assert "Supporter added to the case." in text
    assert "Supporter added: Ray Ng." in text  # the timeline
    assert f'id="person-{party.person.pk}"' in text


@pytest.mark.parametrize(
    ("data", "error"),
    [
        ({"role": "guardian", "kind": "individual", "first_name": "Ray"}, "Give the person's first and last name."),
        ({"role": "guardian", "kind": "organisation", "organisation_name": "Shop"}, "Only a harmed party can be"),
        ({"role": "boss", "kind": "individual", "first_name": "A", "last_name": "B"}, "Select a valid choice."),
    ],
)
def test_an_invalid_person_is_refused_with_the_form_error(client_of, world, data, error):
    people = Person.objects.count()
    response = client_of.post(url("add_party", world), data)
    assert response.status_code == 400
    assert error in page_text(response)
    assert Person.objects.count() == people


def test_a_person_on_record_is_offered_and_linked(client_of, world):
    born = world.guardian.date_of_birth.isoformat()
    data = {"role": "supporter", "kind": "individual", "first_name": "Sue", "last_name": "Doyle", "date_of_birth": born}

    first = client_of.post(url("add_party", world), data)
    assert first.status_code == 400
    assert "is already on record" in page_text(first)

    client_of.post(url("add_party", world), {**data, "on_match": "link"})
    assert set(world.case.referral.parties.filter(person=world.guardian).values_list("role", flat=True)) == {
        "guardian",
        "supporter",
    }


def test_linking_a_person_already_on_the_case_in_that_role_is_refused(client_of, world):
    born = world.guardian.date_of_birth.isoformat()
    data = {
        "role": "guardian",
        "kind": "individual",
        "first_name": "Sue",
        "last_name": "Doyle",
        "date_of_birth": born,
        "on_match": "link",
    }
    response = client_of.post(url("add_party", world), data)
    assert response.status_code == 400
    assert "This person is already on the case as a guardian." in page_text(response)
    assert world.case.referral.parties.count() == 3


def test_no_one_is_added_to_a_closed_case(client_of, world, facilitator):
    case_services.close_without_conference(case=world.case, by=facilitator, reason="Declined.")
    response = client_of.post(
        url("add_party", world), {"role": "supporter", "kind": "individual", "first_name": "R", "last_name": "N"}
    )
    assert response.status_code == 302
    assert world.case.referral.parties.count() == 3
    assert "no one can be added now" in page_text(client_of.get(response["Location"]))


# Notes


def test_a_facilitator_adds_a_confidential_note(client_of, world, facilitator):
    response = client_of.post(url("add_note", world), {"text": "Pat asked for a female facilitator."}, follow=True)

    note = CaseNote.objects.get()
    assert (note.author, note.text) == (facilitator, "Pat asked for a female facilitator.")
    assert response.redirect_chain[-1][0] == f"{world.case.get_absolute_url()}?tab=notes"
    text = page_text(response)
    assert "Note added." in text
    assert "Pat asked for a female facilitator." in text
    assert events(world, "note").get().summary == "Note added."


def test_an_empty_note_is_refused(client_of, world):
    response = client_of.post(url("add_note", world), {"text": ""})
    assert response.status_code == 400
    assert 'class="tab-pane fade show active" id="case-notes"' in page_text(response)
    assert not CaseNote.objects.exists()
