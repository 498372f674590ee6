"""A real Celery worker, in a process of its own on the real Redis broker, is killed (-9) in the middle
of sending webhooks; a second worker takes over. The receiver verifies every signature and, keeping
the ids it handled as docs/api.md asks, sees every event exactly once.

The receiver takes each delivery and answers only after a pause, so that the kill falls between a
delivery reaching it and the worker marking it: the one delivery that can then arrive twice.
"""

import os
import signal
import subprocess
import sys
import threading
import time
import uuid
from collections import Counter
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from django.db import connection
from django.utils import timezone
from standardwebhooks import Webhook

from referrals import services as referral_services
from reminders.models import DeliveryStatus, WebhookDelivery, WebhookSubscription
from reminders.tasks import send_due_webhooks
from reminders.webhooks import new_secret
from rjcases.api.clients import issue_api_key
from rjcases.celery import app
from tests.factories import ReferralFactory
from tests.helpers import reseed_reference_data

pytestmark = [pytest.mark.postgres, pytest.mark.redis, pytest.mark.django_db(transaction=True)]

EVENTS = 12
DEADLINE_SECONDS = 90
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def now():
    """Override any frozen clock: the workers and the signature check run on real time."""
    return timezone.now()


class SlowReceiver:
    def __init__(self, pause: float):
        self.arrivals = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers["Content-Length"]))
                receiver.arrivals.append(({k.lower(): v for k, v in self.headers.items()}, body))
                time.sleep(pause)
                self.send_response(200)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/events"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()


def _worker(queue: str) -> subprocess.Popen:
    """Start `celery worker` on the test database and the settings' Redis, consuming `queue` only."""
    db = connection.settings_dict
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "rjcases.test_settings",
        "DATABASE_URL": f"postgres://{db['USER']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}",
        "WEBHOOK_CLAIM_SECONDS": "2",
    }
    command = [sys.executable, "-m", "celery", "-A", "rjcases", "worker", "--pool=solo", "-Q", queue, "-l", "warning"]
    command += ["--without-heartbeat", "--without-mingle", "--without-gossip"]
    return subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def _wait(condition, what: str):
    deadline = time.monotonic() + DEADLINE_SECONDS
    while not condition():
        assert time.monotonic() < deadline, f"gave up waiting for {what}"
        time.sleep(0.1)


@pytest.fixture
def queue():
    name = f"rjcases-tests-{uuid.uuid4().hex}"
    saved = {key: app.conf[key] for key in ("task_always_eager", "task_default_queue")}
    app.conf.update(task_always_eager=False, task_default_queue=name)
    assert app.conf.broker_url.startswith("redis://")
    yield name
    app.conf.update(saved)
    with app.connection_for_write() as channel_owner:
        leftover = app.amqp.queues[name](channel_owner.default_channel)
        leftover.declare()
        leftover.delete()


def test_each_event_reaches_the_receiver_once_by_id_across_a_killed_worker(unit, supervisor, queue, settings):
    reseed_reference_data()
    settings.REMINDERS_NUDGE_WORKER = False  # the test asks for sweeps itself
    receiver = SlowReceiver(pause=0.3)
    record, _ = issue_api_key(name="Records system", scope="write", unit=unit)
    subscription = WebhookSubscription.objects.create(
        client=record, url=receiver.url, events=["referral.screened"], secret=new_secret()
    )
    for _ in range(EVENTS):
        referral = ReferralFactory(referring_officer=record.user, unit=unit)
        referral_services.submit_referral(referral=referral, by=record.user)
        referral_services.decline_referral(referral=referral, by=supervisor, reason_code="no_admission")
    expected = {str(d.event_id) for d in WebhookDelivery.objects.filter(subscription=subscription)}
    assert len(expected) == EVENTS

    first = _worker(queue)
    try:
        send_due_webhooks.delay()
        _wait(lambda: len(receiver.arrivals) >= 4, "the first deliveries")
        os.kill(first.pid, signal.SIGKILL)  # while the receiver holds the 4th, unanswered
        first.wait(timeout=10)
    finally:
        if first.poll() is None:
            first.kill()
    killed_at = len(receiver.arrivals)
    assert killed_at < EVENTS

    second = _worker(queue)
    try:
        delivered = WebhookDelivery.objects.filter(subscription=subscription, status=DeliveryStatus.DELIVERED)

        def all_delivered():
            send_due_webhooks.delay()  # each sweep takes what is due; the killed one's claim ends after 2 s
            time.sleep(0.5)
            return delivered.count() == EVENTS

        _wait(all_delivered, "every delivery after the kill")
    finally:
        second.terminate()
        second.wait(timeout=30)
        receiver.server.shutdown()

    verifier = Webhook(subscription.secret)
    handled, repeats = set(), Counter()
    for headers, body in receiver.arrivals:
        event = verifier.verify(body, headers)  # every try is signed; a forged one would raise here
        assert event["id"] == headers["webhook-id"]
        if event["id"] in handled:
            repeats[event["id"]] += 1
        handled.add(event["id"])
    print(
        f"\nwebhooks across a kill: {len(receiver.arrivals)} arrivals, {killed_at} before the kill, "
        f"repeated: {sum(repeats.values())}"
    )
    assert handled == expected  # every event, each handled once by its id
    # Only the delivery the kill caught between arriving and being marked came again.
    assert sum(repeats.values()) <= 1
    assert len(receiver.arrivals) in (EVENTS, EVENTS + 1)
