"""The harmed party's satisfaction survey: an expiring, single-use link that needs no account, and
its answers, confidential to the case's facilitators and supervisors."""

import hashlib
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.test import Client
from django.urls import reverse

from cases.followups import (
    FollowUpError,
    SurveyAlreadyAnswered,
    SurveyLinkExpired,
    SurveyLinkUnknown,
    answer_survey,
    create_follow_ups,
    issue_survey_link,
    survey_for_token,
)
from cases.models import CaseEvent, SatisfactionSurvey
from people.models import AuditEntry, ContactDetails
from tests.cases.builders import build_world, close_prepared, closed_with_follow_ups
from tests.helpers import page_text, reseed_reference_data, run_at_once

pytestmark = pytest.mark.django_db

LONDON = ZoneInfo("Europe/London")
CLOSED_AT = datetime(2025, 6, 2, 15, tzinfo=LONDON)
SENT_AT = CLOSED_AT + timedelta(days=7)
ANSWERS = {
    "satisfaction": "5",
    "felt_heard": "yes",
    "harm_repaired": "not_sure",
    "would_recommend": "yes",
    "comment": "Meeting Jamie helped me move on.",
}


@pytest.fixture
def world(time_machine, officer, supervisor, facilitator):
    """Jamie Doyle's case, closed; Pat Lee, the harmed party, has a survey, not sent yet."""
    return closed_with_follow_ups(
        time_machine, closed_at=CLOSED_AT, officer=officer, supervisor=supervisor, facilitator=facilitator
    )


@pytest.fixture
def survey(world) -> SatisfactionSurvey:
    return SatisfactionSurvey.objects.get(case=world.case)


@pytest.fixture
def link(time_machine, survey) -> str:
    """The path of the survey's link, sent a week after the case closed."""
    time_machine.move_to(SENT_AT, tick=False)
    return issue_survey_link(survey=survey)


def token_of(link: str) -> str:
    return link.rstrip("/").rsplit("/", 1)[1]


# The link


def test_a_link_is_random_and_only_its_hash_is_stored(link, survey):
    token = token_of(link)
    survey.refresh_from_db()

    assert link == f"/survey/{token}/" and len(token) >= 43
    assert survey.token_hash == hashlib.sha256(token.encode()).hexdigest()
    assert token not in str(SatisfactionSurvey.objects.filter(pk=survey.pk).values().get())
    assert (survey.sent_at, survey.expires_at) == (SENT_AT, SENT_AT + timedelta(days=30))


def test_the_survey_opens_without_an_account_and_says_nothing_of_the_case(client, link, world):
    response = client.get(link)

    assert response.status_code == 200
    text = page_text(response)
    assert "How was your experience?" in text and "restorative justice programme" in text
    assert "This link can be used once, until 9 July 2025." in text
    for secret in ("Jamie", "Doyle", "Pat Lee", world.case.reference, "Market Street", "Log out"):
        assert secret not in text
    assert "no-store" in response["Cache-Control"]
    assert response["Referrer-Policy"] == "no-referrer"


def test_answering_stores_the_answers_once_and_thanks(client, link, survey, world):
    response = client.post(link, ANSWERS, follow=True)

    assert response.redirect_chain == [(reverse("survey:thanks") + "?lang=en-gb", 302)]  # in the page's language
    assert "Your answers have been received." in page_text(response)
    assert response["Referrer-Policy"] == "no-referrer"
    survey.refresh_from_db()
    assert survey.answered_at == SENT_AT
    assert (survey.satisfaction, survey.felt_heard, survey.harm_repaired, survey.would_recommend) == (
        5,
        True,
        None,
        True,
    )
    assert survey.comment == ANSWERS["comment"]
    event = CaseEvent.objects.filter(case=world.case).latest("pk")
    assert (event.summary, event.actor) == ("Satisfaction survey answered.", None)
    audit = AuditEntry.objects.filter(object_type="cases.satisfactionsurvey").latest("pk")
    assert (audit.object_id, audit.actor, audit.detail) == (str(survey.pk), None, "answered through its link")
    assert audit.client == "web" and audit.ip_address is not None


def test_a_used_link_is_refused_the_second_time(client, link, survey):
    client.post(link, ANSWERS)

    again = client.get(link)
    resubmitted = client.post(link, {**ANSWERS, "satisfaction": "1"})

    assert again.status_code == resubmitted.status_code == 410
    assert "This survey has already been answered" in page_text(again)
    survey.refresh_from_db()
    assert survey.satisfaction == 5
    assert CaseEvent.objects.filter(summary="Satisfaction survey answered.").count() == 1


def test_only_one_of_two_submissions_from_a_stale_page_counts(link, survey):
    stale = SatisfactionSurvey.objects.get(pk=survey.pk)
    answers = {"felt_heard": True, "harm_repaired": True, "would_recommend": True}
    answer_survey(survey=survey, satisfaction=4, **answers)

    with pytest.raises(SurveyAlreadyAnswered):
        answer_survey(survey=stale, satisfaction=1, **answers)
    survey.refresh_from_db()
    assert survey.satisfaction == 4


def test_a_link_expires_after_the_configured_days(client, time_machine, link):
    time_machine.move_to(SENT_AT + timedelta(days=30, seconds=-1), tick=False)
    assert client.get(link).status_code == 200

    time_machine.move_to(SENT_AT + timedelta(days=30), tick=False)
    response = client.get(link)
    posted = client.post(link, ANSWERS)

    assert response.status_code == posted.status_code == 410
    assert "This link has expired" in page_text(response)
    assert not SatisfactionSurvey.objects.get().is_answered


def test_a_page_opened_before_expiry_and_sent_after_is_refused(time_machine, link, survey):
    opened = survey_for_token(token_of(link))
    time_machine.move_to(SENT_AT + timedelta(days=31), tick=False)

    with pytest.raises(SurveyLinkExpired):
        answer_survey(survey=opened, satisfaction=3, felt_heard=None, harm_repaired=None, would_recommend=None)


@pytest.mark.parametrize("token", ["not-a-real-token", "x" * 43, "%20"])
def test_an_unknown_link_is_not_found(client, link, token):
    response = client.get(f"/survey/{token}/")

    assert response.status_code == 404
    assert "We could not find this survey" in page_text(response)
    assert response["Referrer-Policy"] == "no-referrer"


def test_a_new_link_replaces_the_old_one(client, time_machine, link, survey):
    time_machine.move_to(SENT_AT + timedelta(days=3), tick=False)
    new_link = issue_survey_link(survey=survey)

    assert new_link != link
    assert client.get(link).status_code == 404
    assert client.get(new_link).status_code == 200
    survey.refresh_from_db()
    assert survey.expires_at == SENT_AT + timedelta(days=33)


def test_the_three_ways_a_link_fails_are_told_apart(time_machine, link, survey):
    token = token_of(link)
    with pytest.raises(SurveyLinkUnknown):
        survey_for_token(token[:-1])
    time_machine.move_to(SENT_AT + timedelta(days=40), tick=False)
    with pytest.raises(SurveyLinkExpired):
        survey_for_token(token)
    SatisfactionSurvey.objects.filter(pk=survey.pk).update(answered_at=SENT_AT + timedelta(days=1))
    with pytest.raises(SurveyAlreadyAnswered):
        survey_for_token(token)


def test_no_new_link_for_an_answered_survey(client, link, survey):
    client.post(link, ANSWERS)

    with pytest.raises(FollowUpError, match="answered"):
        issue_survey_link(survey=survey)
    assert client.get(link).status_code == 410


@pytest.mark.parametrize(
    ("changes", "error"),
    [
        ({"satisfaction": None}, "Please choose one answer."),
        ({"satisfaction": "9"}, "Select a valid choice."),
        ({"satisfaction": "very"}, "Select a valid choice."),
        ({"felt_heard": "maybe"}, "Select a valid choice."),
        ({"comment": "x" * 2001}, "Ensure this value has at most 2000 characters"),
    ],
)
def test_a_wrong_answer_is_shown_again_with_the_reason(client, link, survey, changes, error):
    data = {k: v for k, v in {**ANSWERS, **changes}.items() if v is not None}

    response = client.post(link, data)

    assert response.status_code == 400
    text = page_text(response)
    assert error in text and "nothing has been sent yet" in text
    assert not SatisfactionSurvey.objects.get(pk=survey.pk).is_answered


def test_only_the_first_question_needs_an_answer(client, link, survey):
    response = client.post(link, {"satisfaction": "2"})

    assert response.status_code == 302
    survey.refresh_from_db()
    assert (survey.satisfaction, survey.felt_heard, survey.comment) == (2, None, "")


# The answers on the case page


def test_the_case_page_says_the_survey_is_not_sent_yet(login, world, supervisor):
    text = page_text(login(supervisor).get(world.case.get_absolute_url()))

    assert "Satisfaction survey" in text and "Not sent yet." in text


def test_the_case_page_says_when_the_link_was_sent_and_expires(login, link, world, facilitator):
    text = page_text(login(facilitator).get(world.case.get_absolute_url()))

    assert "Sent on 9 Jun 2025; the link expires on 9 Jul 2025." in text
    assert token_of(link) not in text


@pytest.mark.parametrize("persona", ["supervisor", "facilitator"])
def test_the_answers_are_on_the_case_page_for_its_team(client, login, request, link, world, persona):
    client.post(link, ANSWERS)

    text = page_text(login(request.getfixturevalue(persona)).get(world.case.get_absolute_url()))

    panel = text.split('id="follow-ups"')[1]
    assert "Answered on 9 Jun 2025" in panel and "Very satisfied" in panel
    assert ANSWERS["comment"] in panel


@pytest.mark.parametrize("persona", ["officer", "partner", "outsider", "other_facilitator"])
def test_the_answers_stay_hidden_from_everyone_else(client, login, request, link, world, persona):
    client.post(link, ANSWERS)
    user_client = login(request.getfixturevalue(persona))

    case_page = user_client.get(world.case.get_absolute_url())
    referral_page = user_client.get(world.case.referral.get_absolute_url())
    home = user_client.get(reverse("home"))

    assert case_page.status_code == 404
    for response in (case_page, referral_page, home):
        assert ANSWERS["comment"] not in page_text(response)
        assert "Very satisfied" not in page_text(response)


# Two submissions at once


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_submissions_at_once_store_one_answer(time_machine, officer, supervisor, facilitator):
    reseed_reference_data()
    time_machine.move_to(CLOSED_AT, tick=False)
    world = build_world(officer=officer, supervisor=supervisor, facilitator=facilitator)
    close_prepared(world, by=facilitator, supervisor=supervisor)
    _, (survey,) = create_follow_ups(case=world.case)
    token = token_of(issue_survey_link(survey=survey))

    def submit(score):
        def run():
            found = survey_for_token(token)
            return answer_survey(
                survey=found, satisfaction=score, felt_heard=None, harm_repaired=None, would_recommend=None
            )

        return run

    results = run_at_once([submit(5), submit(1)])

    answered = [r for r in results if isinstance(r, SatisfactionSurvey)]
    refused = [r for r in results if isinstance(r, SurveyAlreadyAnswered)]
    assert len(answered) == 1 and len(refused) == 1, results
    survey.refresh_from_db()
    assert survey.satisfaction == answered[0].satisfaction
    assert CaseEvent.objects.filter(case=world.case, summary="Satisfaction survey answered.").count() == 1


def test_a_browser_that_sends_no_referrer_can_answer(link, survey):
    """Under Referrer-Policy: no-referrer, browsers send "Origin: null" with the form."""
    browser = Client(enforce_csrf_checks=True)
    page = browser.get(link)
    assert 'name="csrfmiddlewaretoken"' not in page_text(page)

    response = browser.post(link, ANSWERS, HTTP_ORIGIN="null")

    assert response.status_code == 302
    assert SatisfactionSurvey.objects.get(pk=survey.pk).is_answered


def test_a_welsh_harmed_party_gets_the_survey_in_welsh_and_can_switch_to_polish(client, link, survey):
    ContactDetails.objects.update_or_create(person=survey.person, defaults={"language": "cy"})

    welsh = client.get(link)

    assert welsh.headers["Content-Language"] == "cy"
    text = page_text(welsh)
    assert "Sut brofiad gawsoch chi?" in text and "Anfon fy atebion" in text
    assert "Bodlon iawn" in text  # the answers too
    assert "Jak ocenia Pan/Pani swoje doświadczenie?" in page_text(client.get(f"{link}?lang=pl"))
    response = client.post(link, ANSWERS, follow=True)
    assert response.redirect_chain == [(reverse("survey:thanks") + "?lang=cy", 302)]
    assert "Cawsom eich atebion." in page_text(response)
