"""A sealed record vanishes for everyone but administrators: lists, search, drill-downs, exports, API."""

import csv
import io

import pytest
from django.urls import reverse

from cases.models import ReoffendingCheck
from conferences.models import AgreementItem
from people.models import User
from retention.sealing import seal_due_records
from tests.helpers import page_text

pytestmark = pytest.mark.django_db


@pytest.fixture
def sealed(completed_juvenile):
    """The sealed record, with a reoffending check that is due (so the follow-ups list shows it)."""
    ReoffendingCheck.objects.filter(case=completed_juvenile.case).update(due_on="2020-01-01")
    assert seal_due_records() == 1
    return completed_juvenile


def _lists(world) -> dict[str, str]:
    return {
        "referrals": reverse("referrals:list"),
        "cases": reverse("cases:list"),
        "conferences": reverse("conferences:list"),
        "agreement items": reverse("agreements:items"),
        "follow-ups": reverse("cases:follow_ups"),
        "drill-down": reverse("dashboard:cases") + "?metric=referred",
    }


def _details(world) -> dict[str, str]:
    case = world.case
    conference = case.conferences.get()
    item = AgreementItem.objects.filter(agreement__case=case).first()
    return {
        "referral": case.referral.get_absolute_url(),
        "case": case.get_absolute_url(),
        "conference": reverse("conferences:detail", args=[conference.pk]),
        "item": reverse("agreements:item", args=[item.pk]),
        "api referral": f"/api/v1/referrals/{case.referral_id}/",
        "api case": f"/api/v1/cases/{case.pk}/",
        "api conference": f"/api/v1/conferences/{conference.pk}/",
        "api item": f"/api/v1/agreement-items/{item.pk}/",
        "api person": f"/api/v1/people/{world.responsible.pk}/",
    }


def _api_lists() -> list[str]:
    return ["/api/v1/referrals/", "/api/v1/cases/", "/api/v1/conferences/", "/api/v1/agreement-items/"]


def _export_rows(client) -> list[dict]:
    response = client.get(reverse("dashboard:export_csv"))
    assert response.status_code == 200
    return list(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode())))


def test_a_supervisor_finds_the_sealed_record_nowhere(sealed, supervisor, login, as_user):
    reference = sealed.case.reference
    client = login(supervisor)
    for name, url in _lists(sealed).items():
        response = client.get(url)
        assert response.status_code == 200, name
        assert reference not in page_text(response), name
    search = client.get(reverse("cases:person_search"), {"q": "Doyle"})
    assert "Jamie" not in page_text(search) and "Sue" not in page_text(search)
    assert _export_rows(client) == []
    for name, url in _details(sealed).items():
        assert client.get(url).status_code == 404, name
    api = as_user(supervisor)
    for url in _api_lists():
        response = api.get(url)
        assert response.status_code == 200, url
        assert reference not in response.content.decode(), url
    assert "Doyle" not in api.get("/api/v1/people/").content.decode()


def test_an_administrator_still_finds_it_everywhere(sealed, administrator, login, as_user):
    reference = sealed.case.reference
    client = login(administrator)
    for name, url in _lists(sealed).items():
        assert reference in page_text(client.get(url)), name
    assert "Jamie" in page_text(client.get(reverse("cases:person_search"), {"q": "Doyle"}))
    assert len(_export_rows(client)) == 1
    for name, url in _details(sealed).items():
        assert client.get(url).status_code == 200, name
    api = as_user(administrator)
    for url in _api_lists():
        assert reference in api.get(url).content.decode(), url
    assert "Doyle" in api.get("/api/v1/people/").content.decode()


def test_the_cases_own_facilitator_and_the_referring_officer_lose_it_too(sealed, facilitator, officer, login):
    reference = sealed.case.reference
    for user, urls in (
        (facilitator, [reverse("cases:list"), reverse("conferences:list"), reverse("agreements:items"), "/"]),
        (officer, [reverse("referrals:list"), reverse("dashboard:feedback"), "/"]),
    ):
        client = login(user)
        for url in urls:
            assert reference not in page_text(client.get(url)), (user.username, url)
        for name, url in _details(sealed).items():
            assert client.get(url).status_code in (403, 404), (user.username, name)


def test_a_person_also_on_an_open_record_is_still_found_through_it(sealed, officer, supervisor, login):
    from tests.factories import ReferralFactory, ReferralPartyFactory

    other = ReferralFactory(referring_officer=officer)
    ReferralPartyFactory(referral=other, person=sealed.harmed, role="harmed", admits_responsibility=None)
    text = page_text(login(supervisor).get(reverse("cases:person_search"), {"q": "Lee"}))
    assert "Pat Lee" in text


def test_hostile_lookups_of_a_sealed_record_are_404_not_500(sealed, supervisor, login):
    client = login(supervisor)
    case = sealed.case
    for url in (
        reverse("cases:add_note", args=[case.pk]),
        reverse("cases:return", args=[case.pk]),
        f"/api/v1/cases/{case.pk}/",
    ):
        assert client.post(url, {"text": "x"}).status_code in (404, 405), url
    assert User.objects.filter(pk=supervisor.pk).exists()
