"""Conferences and agreement items over the API: the case's team schedules and records; partners see and
record only their own items, without the harmed party's name; notes stay with the case's team."""

from datetime import datetime, timedelta
from decimal import Decimal

import pytest
import time_machine
from django.utils import timezone

from conferences.models import Conference, ConferenceStatus, ItemStatus
from tests.agreements.conftest import CONFERENCE_NOTES
from tests.conferences.conftest import make_ready_case

pytestmark = pytest.mark.django_db


@pytest.fixture
def ready(officer, supervisor, facilitator):
    return make_ready_case(officer=officer, supervisor=supervisor, facilitator=facilitator)


def schedule_body(case, facilitator, **changes):
    starts_at = (timezone.now() + timedelta(days=3)).replace(hour=10, minute=0, second=0, microsecond=0)
    return {
        "case": case.pk,
        "kind": "victim_offender",
        "starts_at": starts_at.isoformat(),
        "duration_minutes": 90,
        "mode": "virtual",
        "meeting_link": "https://meet.example.org/rj",
        "facilitators": [facilitator.pk],
        **changes,
    }


def test_the_facilitator_schedules_reschedules_and_cancels(ready, facilitator, as_user):
    api = as_user(facilitator)
    response = api.post("/api/v1/conferences/", schedule_body(ready, facilitator), format="json")
    assert response.status_code == 201, response.content
    data = response.json()
    assert response["Location"] == f"/api/v1/conferences/{data['id']}/"
    assert data["status"] == "scheduled" and data["facilitators"] == [facilitator.pk]
    assert data["participants"]
    ready.refresh_from_db()
    assert ready.status == "scheduled"
    later = (timezone.now() + timedelta(days=4)).replace(hour=14, minute=0, second=0, microsecond=0)
    response = api.post(
        f"/api/v1/conferences/{data['id']}/reschedule/",
        {
            "starts_at": later.isoformat(),
            "mode": "virtual",
            "meeting_link": "https://meet.example.org/x",
            "reason": "Ill",
        },
        format="json",
        HTTP_IF_MATCH=response["ETag"],
    )
    assert response.status_code == 200, response.content
    assert response.json()["sequence"] == 1
    response = api.post(f"/api/v1/conferences/{data['id']}/cancel/", {"reason": "Declined."}, format="json")
    assert response.status_code == 200 and response.json()["status"] == "cancelled"
    ready.refresh_from_db()
    assert ready.status == "ready"
    response = api.post(f"/api/v1/conferences/{data['id']}/cancel/", {"reason": "Again."}, format="json")
    assert response.status_code == 409


def test_scheduling_checks_the_pages_rules(ready, facilitator, as_user):
    api = as_user(facilitator)
    past = (timezone.now() - timedelta(days=1)).isoformat()
    response = api.post("/api/v1/conferences/", schedule_body(ready, facilitator, starts_at=past), format="json")
    assert response.status_code == 400
    assert response.json()["error"]["fields"]["start_date"] == ["The conference must start in the future."]
    response = api.post("/api/v1/conferences/", schedule_body(ready, facilitator, meeting_link=""), format="json")
    assert response.json()["error"]["fields"]["meeting_link"]


def test_a_double_booking_is_409(ready, officer, supervisor, facilitator, as_user):
    api = as_user(facilitator)
    assert api.post("/api/v1/conferences/", schedule_body(ready, facilitator), format="json").status_code == 201
    second = make_ready_case(officer=officer, supervisor=supervisor, facilitator=facilitator)
    response = api.post("/api/v1/conferences/", schedule_body(second, facilitator), format="json")
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "scheduling_conflict"


def test_others_cannot_schedule_or_see(ready, facilitator, other_facilitator, officer, partner, as_user):
    for user in (other_facilitator, officer, partner):
        response = as_user(user).post("/api/v1/conferences/", schedule_body(ready, facilitator), format="json")
        assert response.status_code == 404
    conference = as_user(facilitator).post("/api/v1/conferences/", schedule_body(ready, facilitator), format="json")
    pk = conference.json()["id"]
    for user in (other_facilitator, officer, partner):
        assert as_user(user).get(f"/api/v1/conferences/{pk}/").status_code == 404
        assert as_user(user).get("/api/v1/conferences/").json()["results"] == []


def test_recording_the_conference_held_with_confidential_notes(ready, facilitator, supervisor, as_user):
    api = as_user(facilitator)
    data = api.post("/api/v1/conferences/", schedule_body(ready, facilitator), format="json").json()
    url = f"/api/v1/conferences/{data['id']}/hold/"
    present = [p["id"] for p in data["participants"]][:1]
    assert api.post(url, {"attended": present}, format="json").status_code == 409  # not started yet
    with time_machine.travel(datetime.fromisoformat(data["starts_at"]) + timedelta(minutes=30)):
        api = as_user(facilitator)  # a new session: the first would have expired by then
        response = api.post(url, {"attended": present, "notes": "Said sorry."}, format="json")
    assert response.status_code == 200, response.content
    assert response.json()["status"] == ConferenceStatus.HELD and response.json()["notes"] == "Said sorry."
    assert as_user(supervisor).get(f"/api/v1/conferences/{data['id']}/").json()["notes"] == "Said sorry."
    attended = {p["id"]: p["attended"] for p in response.json()["participants"]}
    assert attended[present[0]] is True and list(attended.values()).count(True) == 1


def test_a_booked_co_facilitator_of_another_case_sees_the_conference_but_not_its_notes(
    held_case, other_facilitator, supervisor, as_user
):
    conference = Conference.objects.get(case=held_case)
    conference.bookings.create(
        facilitator=other_facilitator, starts_at=conference.starts_at, ends_at=conference.ends_at
    )
    response = as_user(other_facilitator).get(f"/api/v1/conferences/{conference.pk}/")
    assert response.status_code == 200 and response.json()["notes"] is None
    assert as_user(supervisor).get(f"/api/v1/conferences/{conference.pk}/").json()["notes"] == CONFERENCE_NOTES


# Agreement items


def test_a_partner_sees_only_their_items_without_the_harmed_partys_name(
    restitution, service_item, apology, elsewhere_item, partner_writer, facilitator, as_user
):
    _, api = partner_writer
    listed = api.get("/api/v1/agreement-items/").json()["results"]
    assert {i["id"] for i in listed} == {restitution.pk, service_item.pk}
    assert all(i["harmed_party"] is None for i in listed)
    assert api.get(f"/api/v1/agreement-items/{apology.pk}/").status_code == 404
    assert api.get(f"/api/v1/agreement-items/{elsewhere_item.pk}/").status_code == 404
    seen_by_team = as_user(facilitator).get(f"/api/v1/agreement-items/{restitution.pk}/").json()
    assert seen_by_team["harmed_party"] == "Harriet Hale"


def test_a_partner_system_records_payments_hours_and_completion(restitution, service_item, partner_writer):
    _, api = partner_writer
    today = timezone.localdate().isoformat()
    response = api.post(
        f"/api/v1/agreement-items/{restitution.pk}/payments/", {"amount": "15.50", "paid_on": today}, format="json"
    )
    assert response.status_code == 200, response.content
    assert Decimal(response.json()["amount_paid"]) == Decimal("15.50")
    response = api.post(
        f"/api/v1/agreement-items/{service_item.pk}/hours/", {"hours": 2.5, "worked_on": today}, format="json"
    )
    assert Decimal(response.json()["hours_done"]) == Decimal("2.5")
    response = api.post(
        f"/api/v1/agreement-items/{service_item.pk}/payments/", {"amount": 5, "paid_on": today}, format="json"
    )
    assert response.status_code == 409  # payments only on restitution
    response = api.post(f"/api/v1/agreement-items/{service_item.pk}/status/", {"status": "completed"}, format="json")
    assert response.status_code == 200 and response.json()["status"] == ItemStatus.COMPLETED


def test_item_input_rules(restitution, partner_writer):
    _, api = partner_writer
    tomorrow = (timezone.localdate() + timedelta(days=1)).isoformat()
    response = api.post(
        f"/api/v1/agreement-items/{restitution.pk}/payments/", {"amount": "5", "paid_on": tomorrow}, format="json"
    )
    assert response.status_code == 400
    assert response.json()["error"]["fields"]["paid_on"] == ["The payment date cannot be in the future."]
    response = api.post(f"/api/v1/agreement-items/{restitution.pk}/status/", {"status": "missed"}, format="json")
    assert response.json()["error"]["fields"]["note"] == ["Say why the item was missed or is waived."]
    response = api.post(
        f"/api/v1/agreement-items/{restitution.pk}/status/", {"status": "waived", "note": "Hardship"}, format="json"
    )
    assert response.status_code == 409  # only supervisors waive


def test_a_read_only_partner_key_and_another_partner_cannot_record(restitution, partner, other_partner_writer):
    from rest_framework.test import APIClient

    from rjcases.api.clients import issue_api_key

    _, key = issue_api_key(name="Partner reports", scope="read", partner=partner.partner)
    reader = APIClient()
    reader.credentials(HTTP_AUTHORIZATION=f"Bearer {key}")
    body = {"amount": "5", "paid_on": timezone.localdate().isoformat()}
    assert reader.get(f"/api/v1/agreement-items/{restitution.pk}/").status_code == 200
    assert reader.post(f"/api/v1/agreement-items/{restitution.pk}/payments/", body, format="json").status_code == 403
    _, other = other_partner_writer
    assert other.post(f"/api/v1/agreement-items/{restitution.pk}/payments/", body, format="json").status_code == 404


def test_items_filter_like_the_page(restitution, service_item, facilitator, as_user):
    api = as_user(facilitator)
    kinds = [i["kind"] for i in api.get("/api/v1/agreement-items/", {"kind": "restitution"}).json()["results"]]
    assert kinds == ["restitution"]


# The outcome: the agreement


def agreement_body(partner_id, harmed_id, **changes):
    due = (timezone.localdate() + timedelta(days=30)).isoformat()
    return {
        "summary": "Robin will make amends.",
        "items": [
            {
                "kind": "restitution",
                "description": "Pay for the perfume",
                "amount": "40.00",
                "due_date": due,
                "harmed_party": harmed_id,
                "partner": partner_id,
            },
            {"kind": "apology", "description": "Write a letter", "due_date": due},
        ],
        **changes,
    }


def test_the_facilitator_records_the_agreement_of_the_held_conference(
    held_case, harmed_person, partner, facilitator, as_user
):
    conference = Conference.objects.get(case=held_case)
    api = as_user(facilitator)
    url = f"/api/v1/conferences/{conference.pk}/agreement/"
    response = api.post(url, agreement_body(partner.partner.pk, harmed_person.pk), format="json")
    assert response.status_code == 201, response.content
    assert [(i["kind"], i["harmed_party"]) for i in response.json()] == [
        ("restitution", "Harriet Hale"),
        ("apology", None),
    ]
    held_case.refresh_from_db()
    assert held_case.status == "monitoring"
    again = api.post(url, agreement_body(partner.partner.pk, harmed_person.pk), format="json")
    assert again.status_code == 409


def test_the_agreement_checks_the_pages_rules(held_case, harmed_person, partner, facilitator, partner_writer, as_user):
    conference = Conference.objects.get(case=held_case)
    url = f"/api/v1/conferences/{conference.pk}/agreement/"
    body = agreement_body(partner.partner.pk, harmed_person.pk)
    body["items"][0]["amount"] = None
    response = as_user(facilitator).post(url, body, format="json")
    assert response.status_code == 400
    assert response.json()["error"]["fields"]["items"][0]["amount"] == ["Restitution needs the amount to pay."]
    _, partner_api = partner_writer
    assert partner_api.post(url, agreement_body(partner.partner.pk, harmed_person.pk), format="json").status_code == 404


def test_an_agreement_needs_a_held_conference(ready, facilitator, as_user):
    api = as_user(facilitator)
    conference = api.post("/api/v1/conferences/", schedule_body(ready, facilitator), format="json").json()
    response = api.post(f"/api/v1/conferences/{conference['id']}/agreement/", agreement_body(None, None), format="json")
    assert response.status_code == 409
