"""Webhooks: a client subscribes through the API; events are rows written with their change, sent by the
sweep to a real HTTP receiver on loopback, signed (checked with the Standard Webhooks library), retried
with backoff for 24 hours, and never carrying more than the client may read."""

import json
import threading
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
import time_machine
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from standardwebhooks import Webhook, WebhookVerificationError

from cases import services as case_services
from conferences import services as conference_services
from referrals import services as referral_services
from referrals.models import Referral
from reminders import webhooks
from reminders.models import DeliveryStatus, WebhookDelivery, WebhookSubscription
from tests.api.conftest import REFERRAL_BODY
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


class Receiver:
    """An HTTP server on loopback that answers with `status` and keeps what it was sent."""

    def __init__(self):
        self.status = 200
        self.received = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers["Content-Length"]))
                receiver.received.append(({k.lower(): v for k, v in self.headers.items()}, body))
                self.send_response(receiver.status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/hooks"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def events(self, secret):
        """Every body received, verified against its signature as a receiver would when it arrived
        (the library refuses a timestamp more than 5 minutes from its clock; tests move the clock)."""
        verified = []
        for headers, body in self.received:
            with time_machine.travel(int(headers["webhook-timestamp"]), tick=False):
                verified.append(Webhook(secret).verify(body, headers))
        return verified


@pytest.fixture
def receiver():
    running = Receiver()
    yield running
    running.server.shutdown()


def _subscribe(client, url, events):
    response = client.post("/api/v1/webhooks/", {"url": url, "events": events}, format="json")
    assert response.status_code == 201, response.json()
    return response.json()


def _screened_referral(api, supervisor, officer, n=0):
    """A referral the agency client logged through the API and submitted (the n-th, of a person of its own)."""
    responsible, harmed = REFERRAL_BODY["parties"]
    body = {
        **REFERRAL_BODY,
        "incident_number": f"CR/0090{n}/26",
        "parties": [{**responsible, "first_name": ["Sam", "Alex", "Jo"][n], "date_of_birth": f"201{n}-01-02"}, harmed],
    }
    created = api.post("/api/v1/referrals/", body, format="json").json()
    assert "id" in created, created
    referral = Referral.objects.get(pk=created["id"])
    referral_services.submit_referral(referral=referral, by=officer)
    return referral


def test_a_client_subscribes_reads_changes_and_unsubscribes(agency_writer, receiver):
    _, api = agency_writer
    made = _subscribe(api, receiver.url, ["referral.screened", "case.closed"])
    assert made["secret"].startswith("whsec_") and made["events"] == ["case.closed", "referral.screened"]
    stored = WebhookSubscription.objects.get(pk=made["id"])
    assert stored.secret == made["secret"]

    listed = api.get("/api/v1/webhooks/").json()["results"]
    assert [w["id"] for w in listed] == [made["id"]] and "secret" not in listed[0]
    read = api.get(f"/api/v1/webhooks/{made['id']}/")
    assert "secret" not in read.json()

    assert api.patch(f"/api/v1/webhooks/{made['id']}/", {"is_active": False}, format="json").status_code == 428
    changed = api.patch(
        f"/api/v1/webhooks/{made['id']}/", {"is_active": False}, format="json", HTTP_IF_MATCH=read["ETag"]
    )
    assert changed.status_code == 200 and changed.json()["is_active"] is False
    assert api.delete(f"/api/v1/webhooks/{made['id']}/").status_code == 204
    assert not WebhookSubscription.objects.exists()


def test_subscriptions_are_refused_what_the_client_may_not_have(
    agency_writer, agency_reader, other_agency_writer, partner_writer, as_user, supervisor, receiver, settings
):
    _, api = agency_writer
    made = _subscribe(api, receiver.url, ["referral.screened"])

    refused = api.post("/api/v1/webhooks/", {"url": receiver.url, "events": ["item.overdue"]}, format="json")
    assert refused.status_code == 400 and "events" in refused.json()["error"]["fields"]
    _, partner_api = partner_writer
    refused = partner_api.post("/api/v1/webhooks/", {"url": receiver.url, "events": ["case.closed"]}, format="json")
    assert refused.status_code == 400
    unknown = api.post("/api/v1/webhooks/", {"url": receiver.url, "events": ["referral.deleted"]}, format="json")
    assert unknown.status_code == 400

    _, reader = agency_reader
    assert (
        reader.post("/api/v1/webhooks/", {"url": receiver.url, "events": ["case.closed"]}, format="json").status_code
        == 403
    )
    _, other = other_agency_writer
    assert other.get(f"/api/v1/webhooks/{made['id']}/").status_code == 404
    assert other.delete(f"/api/v1/webhooks/{made['id']}/").status_code == 404
    person = as_user(supervisor)
    for answer in (
        person.get("/api/v1/webhooks/"),
        person.post("/api/v1/webhooks/", {"url": receiver.url, "events": ["case.closed"]}, format="json"),
        person.delete(f"/api/v1/webhooks/{made['id']}/"),
    ):
        assert answer.status_code == 403 and answer.json()["error"]["code"] == "permission_denied"

    settings.WEBHOOK_ALLOW_PRIVATE_ADDRESSES = False
    for url, why in [
        (receiver.url, "https://"),
        ("https://127.0.0.1/hooks", "private network"),
        ("https://10.1.2.3/hooks", "private network"),
        ("https://user:pw@example.org/hooks", "no user name"),
    ]:
        answer = api.post("/api/v1/webhooks/", {"url": url, "events": ["case.closed"]}, format="json")
        assert answer.status_code == 400 and why in json.dumps(answer.json()), (url, answer.json())


def test_a_screening_decision_reaches_the_units_client_signed_and_without_personal_details(
    agency_writer, other_agency_writer, officer, supervisor, receiver
):
    record, api = agency_writer
    made = _subscribe(api, receiver.url, ["referral.screened", "referral.needs_info"])
    _, other = other_agency_writer
    _subscribe(other, receiver.url, ["referral.screened"])
    referral = _screened_referral(api, supervisor, record.user)

    referral_services.request_info(referral=referral, by=supervisor, message="Which shop was it?")
    referral_services.answer_info_request(
        referral=Referral.objects.get(pk=referral.pk), by=record.user, answer="Corner"
    )
    referral_services.accept_referral(
        referral=Referral.objects.get(pk=referral.pk), by=supervisor, justification="Suitable."
    )
    # Written with the changes, one per event and subscriber: the other unit's client has none.
    assert WebhookDelivery.objects.filter(subscription_id=made["id"]).count() == 2
    assert WebhookDelivery.objects.count() == 2
    assert receiver.received == []  # nothing is sent in the request that made the change

    assert webhooks.send_due_webhooks() == {"delivered": 2}
    events = receiver.events(made["secret"])
    assert [e["type"] for e in events] == ["referral.needs_info", "referral.screened"]
    asked, accepted = (e["data"]["referral"] for e in events)
    assert asked["info_request"] == "Which shop was it?"
    referral.refresh_from_db()
    assert accepted == {
        "id": referral.pk,
        "reference": referral.reference,
        "incident_number": "CR/00900/26",
        "status": "accepted",
        "decision": "accepted",
        "decline_reason": None,
        "case": referral.case.pk,
        "screened_at": referral.screened_at.isoformat(),
    }
    raw = b"".join(body for _, body in receiver.received).decode()
    assert "Sam" not in raw and "01632" not in raw and "Took goods" not in raw
    headers = receiver.received[0][0]
    assert headers["webhook-id"] == events[0]["id"]
    with pytest.raises(WebhookVerificationError):
        Webhook(webhooks.new_secret()).verify(receiver.received[0][1], receiver.received[0][0])
    assert webhooks.send_due_webhooks() == {}  # delivered once


def test_a_decision_rolled_back_leaves_no_delivery(agency_writer, supervisor, receiver, monkeypatch):
    record, api = agency_writer
    _subscribe(api, receiver.url, ["referral.screened"])
    referral = _screened_referral(api, supervisor, record.user)

    def fail(**kwargs):
        raise RuntimeError("the case could not be opened")

    monkeypatch.setattr("cases.receivers.open_case", fail)
    with pytest.raises(RuntimeError):
        referral_services.accept_referral(referral=referral, by=supervisor, justification="Suitable.")
    assert not WebhookDelivery.objects.exists()


def test_a_closed_case_sends_its_outcome_code_and_dates(agency_writer, agreement, facilitator, supervisor, receiver):
    _, api = agency_writer
    made = _subscribe(api, receiver.url, ["case.closed"])
    case = agreement.case
    case_services.return_case(case=case, by=supervisor, reason_code="non_compliance", note="Missed every session.")
    case.refresh_from_db()
    webhooks.send_due_webhooks()
    (event,) = receiver.events(made["secret"])
    assert event["type"] == "case.closed"
    assert event["data"]["case"] == {
        "id": case.pk,
        "outcome": "returned",
        "return_reason": "non_compliance",
        "opened_at": case.opened_at.isoformat(),
        "closed_at": case.closed_at.isoformat(),
    }
    assert "Missed" not in receiver.received[0][1].decode()


def test_an_overdue_item_reaches_its_partner_the_morning_after_its_due_date(
    partner_writer, other_partner_writer, restitution, service_item, facilitator, receiver
):
    _, api = partner_writer
    made = _subscribe(api, receiver.url, ["item.overdue"])
    _, other = other_partner_writer
    _subscribe(other, receiver.url, ["item.overdue"])
    # Planned for the partner's pending items when it subscribes, and again whenever an item changes.
    planned = WebhookDelivery.objects.filter(status=DeliveryStatus.PENDING)
    assert planned.count() == 2 and {d.subscription_id for d in planned} == {made["id"]}
    assert webhooks.send_due_webhooks() == {}  # not due yet

    conference_services.set_item_status(item=service_item, by=facilitator, status="completed", note="")
    with time_machine.travel(restitution.due_date + timedelta(days=2), tick=False):
        counts = webhooks.send_due_webhooks()
    assert counts == {"delivered": 1}
    event = json.loads(receiver.received[0][1])
    assert event["type"] == "item.overdue" and event["data"]["item"]["id"] == restitution.pk
    assert WebhookDelivery.objects.get(key__contains=f"i{service_item.pk}:").status == DeliveryStatus.CANCELLED


def test_a_failing_receiver_is_tried_with_backoff_for_a_day_then_sent_again_from_the_admin(
    agency_writer, officer, supervisor, receiver
):
    record, api = agency_writer
    made = _subscribe(api, receiver.url, ["referral.screened"])
    referral = _screened_referral(api, supervisor, record.user)
    referral_services.decline_referral(referral=referral, by=supervisor, reason_code="no_admission")
    receiver.status = 500
    start = timezone.now()
    pauses = []
    with time_machine.travel(start, tick=False) as clock:
        while True:
            assert webhooks.send_due_webhooks() in ({"retried": 1}, {"failed": 1})
            delivery = WebhookDelivery.objects.get()
            if delivery.status == DeliveryStatus.FAILED:
                break
            pauses.append(delivery.due_at - timezone.now())
            clock.move_to(delivery.due_at)
    assert pauses[:4] == [timedelta(minutes=m) for m in (1, 2, 4, 8)]
    assert max(pauses) == timedelta(hours=2)
    assert delivery.attempts == len(receiver.received) == len(pauses) + 1
    assert delivery.last_status_code == 500 and timezone.now() - start <= timedelta(hours=24)
    ids = {headers["webhook-id"] for headers, _ in receiver.received}
    assert ids == {str(delivery.event_id)}  # every try is the same event

    receiver.status = 204
    browser = Client()
    browser.force_login(UserFactory(admin=True))
    log = reverse("admin:reminders_webhookdelivery_changelist")
    assert str(delivery.event_id) in browser.get(log, {"status__exact": "failed"}).content.decode()
    answer = browser.post(log, {"action": "send_again", "_selected_action": [delivery.pk]}, follow=True)
    assert "1 deliveries put back to be sent." in answer.content.decode()
    assert webhooks.send_due_webhooks() == {"delivered": 1}
    assert receiver.events(made["secret"])[-1]["id"] == str(delivery.event_id)


def test_a_receiver_that_times_out_is_tried_later_and_others_are_not_held_up(
    agency_writer, other_agency_writer, officer, supervisor, settings
):
    """Only the worker talks to receivers, with a time limit; a silent one is skipped for the sweep."""
    import socket

    silent = socket.socket()
    silent.bind(("127.0.0.1", 0))
    silent.listen(8)  # accepts connections and never answers
    settings.WEBHOOK_TIMEOUT_SECONDS = 1
    record, api = agency_writer
    _subscribe(api, f"http://127.0.0.1:{silent.getsockname()[1]}/", ["referral.screened"])
    for n in range(3):
        referral = _screened_referral(api, supervisor, record.user, n)
        referral_services.decline_referral(referral=referral, by=supervisor, reason_code="no_admission")
    counts = webhooks.send_due_webhooks()
    silent.close()
    assert counts == {"retried": 1, "deferred": 2}
    assert "timed out" in WebhookDelivery.objects.exclude(last_error="").get().last_error


def test_an_admin_subscribes_a_client_with_the_apis_checks(agency_writer, receiver):
    record, _ = agency_writer
    browser = Client()
    browser.force_login(UserFactory(admin=True))
    add = reverse("admin:reminders_webhooksubscription_add")
    refused = browser.post(add, {"client": record.pk, "url": receiver.url, "events": '["item.overdue"]'})
    assert refused.status_code == 200 and "A list of one or more of: referral.screened" in refused.content.decode()
    inline = {"deliveries-TOTAL_FORMS": "0", "deliveries-INITIAL_FORMS": "0"}
    fields = {"client": record.pk, "url": receiver.url, "events": '["case.closed"]', "is_active": "on", **inline}
    made = browser.post(add, fields, follow=True)
    subscription = WebhookSubscription.objects.get()
    assert subscription.secret.startswith("whsec_") and subscription.secret in made.content.decode()
