"""Screening: the queue, the eligibility results, the three decisions and the moves that are not possible."""

import re
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from cases.models import Case, CaseEvent, CaseStatus
from referrals import services
from referrals.models import DeclineReason, Referral, ReferralEvent, ReferralStatus
from tests.factories import PersonFactory, ReferralFactory, ReferralPartyFactory, offence
from tests.helpers import page_text, party_row, referral_form_data

pytestmark = pytest.mark.django_db

QUEUE = reverse("referrals:screening_queue")


def screen_url(referral):
    return reverse("referrals:screen", args=[referral.pk])


def submit(referral) -> Referral:
    return services.submit_referral(referral=referral, by=referral.referring_officer)


def submitted_referral(officer, **fields) -> Referral:
    return submit(ReferralFactory(referring_officer=officer, **fields))


def waited(referral, days) -> Referral:
    Referral.objects.filter(pk=referral.pk).update(submitted_at=timezone.now() - timedelta(days=days, hours=1))
    return referral


def snapshot(referral):
    """Return what a refused decision must leave unchanged."""
    referral = Referral.objects.get(pk=referral.pk)
    return (
        referral.status,
        referral.screened_by_id,
        referral.eligible,
        referral.decline_reason,
        referral.info_request,
        referral.override_justification,
        ReferralEvent.objects.filter(referral=referral).count(),
        Case.objects.filter(referral=referral).count(),
    )


# The queue


def test_queue_lists_submitted_referrals_oldest_first_with_days_waiting(login, officer, supervisor):
    newest = waited(submitted_referral(officer), 1)
    oldest = waited(submitted_referral(officer), 9)
    middle = waited(submitted_referral(officer), 4)
    draft = ReferralFactory(referring_officer=officer)
    declined = services.decline_referral(
        referral=submitted_referral(officer), by=supervisor, reason_code=DeclineReason.RISK
    )

    response = login(supervisor).get(QUEUE)

    assert response.status_code == 200
    text = page_text(response)
    positions = [text.index(r.reference) for r in (oldest, middle, newest)]
    assert positions == sorted(positions)
    assert draft.reference not in text
    assert declined.reference not in text
    assert "9 days" in text
    assert "4 days" in text
    assert "1 day<" in text
    assert "3 waiting" in text


def test_queue_is_empty_when_nothing_waits(login, supervisor):
    response = login(supervisor).get(QUEUE)
    assert response.status_code == 200
    assert "Nothing waits for screening." in page_text(response)


def test_screen_page_shows_days_waiting(login, officer, supervisor):
    referral = waited(submitted_referral(officer), 6)
    response = login(supervisor).get(screen_url(referral))
    assert "waiting 6 days" in page_text(response)


# The eligibility results


def results_of(response):
    return [(r.rule, r.passed) for r in response.context["results"]]


ALL_RULES = ["Offence category", "Responsible party", "Admission of responsibility", "Age", "Prior diversions"]


def test_an_eligible_referral_passes_every_rule(login, officer, supervisor):
    referral = submitted_referral(officer)
    response = login(supervisor).get(screen_url(referral))

    assert response.status_code == 200
    assert results_of(response) == [(rule, True) for rule in ALL_RULES]
    text = page_text(response)
    assert "Eligible" in text
    assert "Fails the policy" not in text
    assert text.count('aria-label="passes"') == 5
    assert 'aria-label="fails"' not in text
    assert "“Theft from a shop” is not excluded." in text
    assert "1 responsible party named." in text
    assert "Every responsible party admits responsibility." in text
    assert "Every responsible party is within the limit of 2." in text
    assert "The referral meets every rule." in text


def years_before(day, years):
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February
        return day.replace(year=day.year - years, day=28)


@pytest.mark.parametrize(
    ("make", "rule", "reason"),
    [
        pytest.param(
            lambda officer: {"offence_category": offence("domestic-abuse")},
            "Offence category",
            "“Domestic abuse” is excluded by the programme's policy.",
            id="excluded-offence",
        ),
        pytest.param(
            lambda officer: {"offence_category": offence("sexual-offence")},
            "Offence category",
            "“Sexual offence” is excluded by the programme's policy.",
            id="excluded-sexual-offence",
        ),
        pytest.param(
            lambda officer: {"responsible__admits_responsibility": False, "responsible__person__last_name": "Quinn"},
            "Admission of responsibility",
            "Not admitted (or not recorded) by: ",
            id="admission-not-given",
        ),
        pytest.param(
            lambda officer: {
                "responsible__person__date_of_birth": years_before(timezone.localdate() - timedelta(days=30), 9),
                "incident_date": timezone.localdate() - timedelta(days=30),
            },
            "Age",
            "was 9, under the minimum of 10",
            id="under-minimum-age",
        ),
        pytest.param(
            lambda officer: {"responsible__person__date_of_birth": None},
            "Age",
            "date of birth unknown",
            id="age-unknown",
        ),
        pytest.param(
            lambda officer: {"responsible__prior_diversions": 3},
            "Prior diversions",
            "has 3 (the limit is 2).",
            id="too-many-prior-diversions",
        ),
    ],
)
def test_each_failed_rule_is_shown_with_its_reason(login, officer, supervisor, make, rule, reason):
    referral = submitted_referral(officer, **make(officer))
    response = login(supervisor).get(screen_url(referral))

    assert response.status_code == 200
    assert results_of(response) == [(name, name != rule) for name in ALL_RULES]
    text = page_text(response)
    assert "Fails the policy" in text
    assert text.count('aria-label="fails"') == 1
    assert reason in text
    # An ineligible referral can only be accepted with a justification, so the field is offered.
    assert 'name="accept-justification"' in text


def test_exactly_two_prior_diversions_is_within_the_limit(login, officer, supervisor):
    referral = submitted_referral(officer, responsible__prior_diversions=2)
    response = login(supervisor).get(screen_url(referral))
    assert results_of(response) == [(rule, True) for rule in ALL_RULES]


def test_screen_page_lists_earlier_referrals_of_the_responsible_party(login, officer, supervisor):
    person = PersonFactory()
    earlier = ReferralFactory(responsible=None)
    ReferralPartyFactory(referral=earlier, person=person)
    referral = submitted_referral(officer, responsible__person=person)
    unrelated = ReferralFactory()

    text = page_text(login(supervisor).get(screen_url(referral)))
    assert earlier.reference in text
    assert unrelated.reference not in text


def test_a_referral_not_waiting_has_nothing_to_screen(login, supervisor, draft):
    response = login(supervisor).get(screen_url(draft))
    assert response.status_code == 200
    assert "This referral's status is Draft: there is nothing to screen now." in page_text(response)


# Accepting


def test_accepting_an_eligible_referral_opens_a_case_in_intake(login, supervisor, submitted):
    response = login(supervisor).post(screen_url(submitted), {"action": "accept"}, follow=True)

    case = Case.objects.get(referral=submitted)
    assert response.redirect_chain == [(case.get_absolute_url(), 302)]
    assert f"Referral {submitted.reference} accepted: case opened in intake." in page_text(response)
    assert case.status == CaseStatus.INTAKE
    assert case.facilitator is None
    event = CaseEvent.objects.get(case=case)
    assert (event.actor, event.from_status, event.to_status) == (supervisor, "", CaseStatus.INTAKE)
    submitted.refresh_from_db()
    assert submitted.status == ReferralStatus.ACCEPTED
    assert submitted.screened_by == supervisor
    assert submitted.screened_at is not None
    assert submitted.eligible is True
    assert submitted.override_justification == ""
    assert [r["passed"] for r in submitted.eligibility_results] == [True] * 5
    event = submitted.events.last()
    assert (event.actor, event.from_status, event.to_status) == (
        supervisor,
        ReferralStatus.SUBMITTED,
        ReferralStatus.ACCEPTED,
    )


@pytest.fixture
def ineligible(officer) -> Referral:
    return submitted_referral(officer, offence_category=offence("domestic-abuse"))


@pytest.mark.parametrize("justification", [None, "", "   \n "])
def test_accepting_an_ineligible_referral_needs_a_justification(login, supervisor, ineligible, justification):
    before = snapshot(ineligible)
    data = {"action": "accept"}
    if justification is not None:
        data["accept-justification"] = justification
    response = login(supervisor).post(screen_url(ineligible), data)

    assert response.status_code == 400
    assert "The referral fails the policy (offence category): write why you accept it anyway." in page_text(response)
    assert snapshot(ineligible) == before


def test_accepting_an_ineligible_referral_with_a_justification(login, officer, supervisor, ineligible):
    why = "Low-level incident between siblings; family asked for a circle."
    response = login(supervisor).post(screen_url(ineligible), {"action": "accept", "accept-justification": why})

    assert response.status_code == 302
    ineligible.refresh_from_db()
    assert ineligible.status == ReferralStatus.ACCEPTED
    assert ineligible.eligible is False
    assert ineligible.override_justification == why
    assert ineligible.eligibility_results[0] == {
        "rule": "Offence category",
        "passed": False,
        "reason": "“Domestic abuse” is excluded by the programme's policy.",
    }
    assert ineligible.events.last().reason == why
    assert Case.objects.filter(referral=ineligible, status=CaseStatus.INTAKE).exists()
    assert why in page_text(login(officer).get(ineligible.get_absolute_url()))


# Declining


def test_declining_with_a_coded_reason(login, officer, supervisor, submitted):
    data = {"action": "decline", "decline-reason_code": DeclineReason.HARMED_PARTY_OBJECTS}
    response = login(supervisor).post(screen_url(submitted), data, follow=True)

    assert response.redirect_chain == [(submitted.get_absolute_url(), 302)]
    text = page_text(response)
    assert f"Referral {submitted.reference} declined." in text
    assert "Harmed party objects to diversion" in text
    submitted.refresh_from_db()
    assert submitted.status == ReferralStatus.DECLINED
    assert submitted.decline_reason == DeclineReason.HARMED_PARTY_OBJECTS
    assert submitted.screened_by == supervisor
    assert submitted.eligible is True
    event = submitted.events.last()
    assert (event.actor, event.from_status, event.to_status, event.reason) == (
        supervisor,
        ReferralStatus.SUBMITTED,
        ReferralStatus.DECLINED,
        "Harmed party objects to diversion",
    )
    assert not Case.objects.exists()


def test_declining_an_ineligible_referral_records_the_verdict(login, supervisor, ineligible):
    data = {"action": "decline", "decline-reason_code": DeclineReason.NOT_ELIGIBLE}
    assert login(supervisor).post(screen_url(ineligible), data).status_code == 302
    ineligible.refresh_from_db()
    assert ineligible.eligible is False
    assert ineligible.status == ReferralStatus.DECLINED


@pytest.mark.parametrize(
    ("data", "message"),
    [
        pytest.param({}, "This field is required.", id="no-reason"),
        pytest.param({"decline-reason_code": "bored"}, "Select a valid choice.", id="unknown-reason"),
        pytest.param({"decline-reason_code": "other"}, "Say why, when the reason is “Other”.", id="other-no-note"),
        pytest.param(
            {"decline-reason_code": "other", "decline-note": "  "}, "Say why, when the reason is “Other”.", id="blank"
        ),
    ],
)
def test_declining_needs_a_valid_reason(login, supervisor, submitted, data, message):
    before = snapshot(submitted)
    response = login(supervisor).post(screen_url(submitted), {"action": "decline", **data})

    assert response.status_code == 400
    assert message in page_text(response)
    assert snapshot(submitted) == before


def test_declining_for_another_reason_keeps_the_note(login, supervisor, submitted):
    data = {"action": "decline", "decline-reason_code": "other", "decline-note": "Family moved abroad."}
    assert login(supervisor).post(screen_url(submitted), data).status_code == 302
    submitted.refresh_from_db()
    assert submitted.status == ReferralStatus.DECLINED
    assert submitted.decline_reason == DeclineReason.OTHER
    assert submitted.events.last().reason == "Other. Family moved abroad."


# Asking for information


def test_asking_for_information_needs_a_message(login, supervisor, submitted):
    before = snapshot(submitted)
    response = login(supervisor).post(screen_url(submitted), {"action": "request_info", "info-message": ""})

    assert response.status_code == 400
    assert "This field is required." in page_text(response)
    assert snapshot(submitted) == before


def test_asking_for_information_sends_the_question_to_the_officer(login, officer, supervisor, submitted):
    question = "Has the harmed party been told about the programme?"
    response = login(supervisor).post(
        screen_url(submitted), {"action": "request_info", "info-message": question}, follow=True
    )

    assert response.redirect_chain == [(submitted.get_absolute_url(), 302)]
    assert f"Referral {submitted.reference} sent back to the officer for more information." in page_text(response)
    submitted.refresh_from_db()
    assert submitted.status == ReferralStatus.NEEDS_INFO
    assert submitted.info_request == question
    assert submitted.events.last().reason == question
    assert submitted.reference not in page_text(login(supervisor).get(QUEUE))

    client = login(officer)
    home = page_text(client.get("/"))
    assert "The supervisors need more information" in home
    assert submitted.reference in home
    assert question in home
    detail = page_text(client.get(submitted.get_absolute_url()))
    assert "Information requested:" in detail
    assert question in detail
    assert "Answer and resubmit" in detail


def test_an_unknown_decision_is_refused(login, supervisor, submitted):
    before = snapshot(submitted)
    response = login(supervisor).post(screen_url(submitted), {"action": "approve"})

    assert response.status_code == 400
    assert "Choose accept, decline or ask for information." in page_text(response)
    assert snapshot(submitted) == before


# Moves that are not possible now


def withdrawn_referral(officer, supervisor):
    referral = submitted_referral(officer)
    return services.withdraw_referral(referral=referral, by=officer, reason="The shop dropped the complaint.")


def accepted_referral(officer, supervisor):
    return services.accept_referral(referral=submitted_referral(officer), by=supervisor)


def draft_referral(officer, supervisor):
    return ReferralFactory(referring_officer=officer)


def declined_referral(officer, supervisor):
    return services.decline_referral(referral=submitted_referral(officer), by=supervisor, reason_code="risk")


def needs_info_referral(officer, supervisor):
    return services.request_info(referral=submitted_referral(officer), by=supervisor, message="Who was there?")


def submitted_again(officer, supervisor):
    return submitted_referral(officer)


SCREEN = "screen"
SUBMIT = "submit"
WITHDRAW = "withdraw"


@pytest.mark.parametrize(
    ("make", "who", "where", "data", "message"),
    [
        pytest.param(
            withdrawn_referral,
            "supervisor",
            SCREEN,
            {"action": "accept"},
            "cannot be accepted now: its status is Withdrawn",
            id="accept-withdrawn",
        ),
        pytest.param(
            accepted_referral,
            "supervisor",
            SCREEN,
            {"action": "accept"},
            "cannot be accepted now: its status is Accepted",
            id="accept-accepted",
        ),
        pytest.param(
            draft_referral,
            "supervisor",
            SCREEN,
            {"action": "accept"},
            "cannot be accepted now: its status is Draft",
            id="accept-draft",
        ),
        pytest.param(
            declined_referral,
            "supervisor",
            SCREEN,
            {"action": "decline", "decline-reason_code": "risk"},
            "cannot be declined now: its status is Declined",
            id="decline-declined",
        ),
        pytest.param(
            needs_info_referral,
            "supervisor",
            SCREEN,
            {"action": "request_info", "info-message": "And?"},
            "cannot be sent back for information now: its status is Needs information.",
            id="request-info-twice",
        ),
        pytest.param(
            submitted_again,
            "officer",
            SUBMIT,
            {},
            "cannot be submitted now: its status is Submitted",
            id="submit-twice",
        ),
        pytest.param(
            accepted_referral,
            "officer",
            WITHDRAW,
            {"reason": "Changed my mind."},
            "cannot be withdrawn now: its status is Accepted",
            id="withdraw-accepted",
        ),
        pytest.param(
            withdrawn_referral,
            "supervisor",
            WITHDRAW,
            {"reason": "Again."},
            "cannot be withdrawn now: its status is Withdrawn",
            id="withdraw-withdrawn",
        ),
    ],
)
def test_an_impossible_move_is_refused_with_a_message(
    login, officer, supervisor, request, make, who, where, data, message
):
    referral = make(officer, supervisor)
    before = snapshot(referral)
    url = reverse(f"referrals:{where}", args=[referral.pk])

    response = login(request.getfixturevalue(who)).post(url, data, follow=True)

    assert response.status_code == 200
    assert response.redirect_chain[0][1] == 302
    text = page_text(response)
    assert f"Referral {referral.reference} cannot be " in text
    assert message in text
    assert snapshot(referral) == before


def test_submitting_twice_does_not_claim_the_referral_is_a_draft(login, officer, submitted):
    response = login(officer).post(reverse("referrals:submit", args=[submitted.pk]), follow=True)
    assert "cannot be submitted now" in page_text(response)
    assert "saved as a draft" not in page_text(response)


def test_withdrawing_needs_a_reason(login, officer, draft):
    response = login(officer).post(reverse("referrals:withdraw", args=[draft.pk]), {"reason": ""}, follow=True)
    assert "Say why the referral is withdrawn." in page_text(response)
    draft.refresh_from_db()
    assert draft.status == ReferralStatus.DRAFT


def test_withdrawing_an_open_referral(login, officer, submitted):
    data = {"reason": "The harmed party asked for prosecution."}
    response = login(officer).post(reverse("referrals:withdraw", args=[submitted.pk]), data, follow=True)

    assert f"Referral {submitted.reference} withdrawn." in page_text(response)
    submitted.refresh_from_db()
    assert submitted.status == ReferralStatus.WITHDRAWN
    event = submitted.events.last()
    assert (event.actor, event.from_status, event.to_status, event.reason) == (
        officer,
        ReferralStatus.SUBMITTED,
        ReferralStatus.WITHDRAWN,
        "The harmed party asked for prosecution.",
    )


@pytest.mark.parametrize("view", ["submit", "withdraw"])
def test_state_changing_pages_refuse_get(login, officer, draft, view):
    response = login(officer).get(reverse(f"referrals:{view}", args=[draft.pk]))
    assert response.status_code == 405
    draft.refresh_from_db()
    assert draft.status == ReferralStatus.DRAFT


# Reference numbers


def test_reference_numbers_are_unique_and_increasing(login, officer):
    client = login(officer)
    for n in range(4):
        data = referral_form_data(incident_number=f"CR/{n}/26", parties=[party_row(first_name=f"Sam{n}")])
        assert client.post(reverse("referrals:create"), data).status_code == 302
    ReferralFactory.create_batch(2)
    references = list(Referral.objects.order_by("pk").values_list("reference", flat=True))

    assert len(references) == 6
    assert all(re.fullmatch(r"RJ-\d{4}-\d{6}", reference) for reference in references)
    assert len(set(references)) == 6
    year = timezone.localdate().year
    assert all(reference.startswith(f"RJ-{year}-") for reference in references)
    numbers = [int(reference.rsplit("-", 1)[1]) for reference in references]
    assert numbers == sorted(numbers)
    assert numbers == list(range(numbers[0], numbers[0] + 6))


def test_the_reference_is_shown_to_the_officer(login, officer):
    response = login(officer).post(reverse("referrals:create"), referral_form_data(), follow=True)
    assert re.search(r"Referral RJ-\d{4}-\d{6}", page_text(response))


def test_accepting_a_withdrawn_ineligible_referral_says_it_is_not_possible(login, officer, supervisor, ineligible):
    services.withdraw_referral(referral=ineligible, by=officer, reason="Dropped.")
    before = snapshot(ineligible)

    response = login(supervisor).post(screen_url(ineligible), {"action": "accept"}, follow=True)

    assert snapshot(ineligible) == before
    assert "cannot be accepted now: its status is Withdrawn" in page_text(response)
