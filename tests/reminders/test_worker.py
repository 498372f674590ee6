"""A real Celery worker on the real Redis broker sends a due reminder, once.

The worker runs in a thread of this process (solo pool) and consumes a queue of its own, so that
nothing else on the same Redis takes the message. The clock is not frozen here: the worker's own
timers need it to run. Only the wait for the worker polls, with a deadline.
"""

import threading
import time
import uuid
from datetime import timedelta

import pytest
from celery.contrib.testing.worker import start_worker
from celery.signals import task_postrun
from django.core import mail
from django.db import connections
from django.utils import timezone

from reminders.models import ReminderSettings, ReminderStatus
from reminders.tasks import send_due_reminders
from rjcases.celery import app
from tests.factories import ReminderFactory
from tests.helpers import reseed_reference_data

pytestmark = [pytest.mark.postgres, pytest.mark.redis, pytest.mark.django_db(transaction=True)]

DEADLINE_SECONDS = 30


@pytest.fixture
def now():
    """Override the frozen clock of conftest.py: the worker needs real time."""
    return timezone.now()


@pytest.fixture(autouse=True)
def seeded():
    reseed_reference_data()
    ReminderSettings.current()


@pytest.fixture
def runs():
    """Record the thread of each task run, and close the worker thread's database connection after it."""
    threads = []

    def finished(**kwargs):
        threads.append(threading.get_ident())
        connections.close_all()

    task_postrun.connect(finished, weak=False)
    yield threads
    task_postrun.disconnect(finished)


@pytest.fixture
def worker():
    """Start a worker on the broker of the settings (Redis in CI), on a queue used by this test only."""
    queue = f"rjcases-tests-{uuid.uuid4().hex}"
    changed = {
        "task_always_eager": False,
        "task_default_queue": queue,
        "worker_hijack_root_logger": False,
        "worker_enable_remote_control": False,
    }
    saved = {name: app.conf[name] for name in changed}
    app.conf.update(changed)
    assert app.conf.broker_url.startswith("redis://")
    try:
        with start_worker(app, perform_ping_check=False, pool="solo", queues=[queue], shutdown_timeout=30) as running:
            yield running
    finally:
        app.conf.update(saved)
        with app.connection_for_write() as connection:
            # Declared again so that this channel knows its bindings, then deleted with them.
            leftover = app.amqp.queues[queue](connection.default_channel)
            leftover.declare()
            leftover.delete()


def wait_for(condition) -> bool:
    deadline = time.monotonic() + DEADLINE_SECONDS
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.1)
    return False


def test_a_worker_on_redis_sends_a_due_reminder_once(submitted, worker, runs):
    reminder = ReminderFactory(referral=submitted, due_at=timezone.now() - timedelta(minutes=1))

    # The nudge after a change and the periodic sweep arrive together: two tasks, one email.
    send_due_reminders.delay()
    send_due_reminders.delay()

    assert wait_for(lambda: len(runs) == 2), f"the worker ran {len(runs)} of 2 tasks in {DEADLINE_SECONDS} s"
    assert threading.get_ident() not in runs  # run by the worker, through the broker, not eagerly
    assert [email.to for email in mail.outbox] == [[reminder.recipient_user.email]]
    reminder.refresh_from_db()
    assert (reminder.status, reminder.attempts) == (ReminderStatus.SENT, 1)
    assert reminder.sent_at is not None
