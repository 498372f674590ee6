"""Exactly once under faults: sweeps at once, a sweep that dies mid-send, a broker that is down.

These need real row locks and real commits, so they run on PostgreSQL in transactional tests.
The flush after each one removes the migrations' seed rows: `seeded` writes them again.
"""

from collections import Counter
from datetime import timedelta
from unittest import mock

import pytest
from django.conf import settings
from django.core import mail
from django.urls import reverse
from kombu.exceptions import OperationalError

from reminders import sending, tasks
from reminders.models import Reminder, ReminderSettings, ReminderStatus
from tests.conferences.conftest import schedule_data
from tests.factories import ReminderFactory, UserFactory
from tests.helpers import reseed_reference_data, run_at_once
from tests.reminders.conftest import NOW, local, sweep

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

SWEEPS = 10


@pytest.fixture(autouse=True)
def seeded():
    reseed_reference_data()
    ReminderSettings.current()


def due_emails(referral, count: int) -> list[Reminder]:
    """Return `count` email reminders due a minute ago, each to its own supervisor."""
    return ReminderFactory.create_batch(count, referral=referral, due_at=NOW - timedelta(minutes=1))


def outcomes(results) -> Counter:
    errors = [result for result in results if isinstance(result, Exception)]
    assert errors == []
    return sum((Counter(result) for result in results), Counter())


def test_one_due_reminder_swept_by_ten_workers_at_once_is_sent_once(submitted):
    [reminder] = due_emails(submitted, 1)

    results = run_at_once([tasks.send_reminders_now] * SWEEPS)

    assert outcomes(results) == {"sent": 1}
    assert [email.to for email in mail.outbox] == [[reminder.recipient_user.email]]
    reminder.refresh_from_db()
    assert (reminder.status, reminder.attempts, reminder.claim_token) == (ReminderStatus.SENT, 1, None)


@pytest.mark.parametrize("batch", [100, 5], ids=["one-claim-each", "claims-of-5"])
def test_fifty_due_reminders_swept_by_ten_workers_at_once_are_each_sent_once(submitted, batch):
    reminders = due_emails(submitted, 50)

    results = run_at_once([lambda: sending.send_due_reminders(batch=batch)] * SWEEPS)

    assert outcomes(results) == {"sent": 50}
    sent_to = Counter(email.to[0] for email in mail.outbox)
    assert sent_to == Counter(reminder.recipient_user.email for reminder in reminders)  # each once, none twice
    rows = Reminder.objects.filter(pk__in=[reminder.pk for reminder in reminders])
    assert set(rows.values_list("status", "attempts")) == {(ReminderStatus.SENT, 1)}


def test_a_sweep_that_dies_after_claiming_loses_nothing_and_sends_nothing_twice(time_machine, submitted):
    [reminder] = due_emails(submitted, 1)
    dead_token, claimed = sending.claim_due()  # ... and the worker is killed here
    assert claimed == [reminder.pk]
    reminder.refresh_from_db()
    assert (reminder.status, reminder.attempts) == (ReminderStatus.SENDING, 1)

    assert sweep() == {}  # the lease still holds: no other sweep takes it
    assert mail.outbox == []
    time_machine.move_to(NOW + timedelta(seconds=settings.REMINDER_CLAIM_SECONDS + 1), tick=False)

    results = run_at_once([tasks.send_reminders_now] * 3)

    assert outcomes(results) == {"sent": 1}
    assert len(mail.outbox) == 1
    reminder.refresh_from_db()
    assert (reminder.status, reminder.attempts) == (ReminderStatus.SENT, 2)
    # The dead sweep's late finish changes nothing.
    assert sending._finish(reminder.pk, dead_token, status=ReminderStatus.PENDING) is False
    reminder.refresh_from_db()
    assert reminder.status == ReminderStatus.SENT
    assert sweep() == {}
    assert len(mail.outbox) == 1


def test_a_broker_outage_while_scheduling_loses_no_reminder(client, time_machine, ready_case, facilitator):
    # Booked for 10:30 today: its 2-hour reminders are due at once, so the change nudges a worker.
    data = schedule_data(facilitators=[facilitator], start_date="2026-03-30", start_time="10:30")
    client.force_login(facilitator)
    outage = OperationalError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")

    with mock.patch.object(tasks.send_reminders_now, "delay", side_effect=outage) as delay:
        response = client.post(reverse("conferences:schedule", args=[ready_case.pk]), data)

    assert response.status_code == 302
    assert delay.call_args_list and all(c == mock.call() for c in delay.call_args_list)  # tried, and failed
    conference = ready_case.conferences.get()
    planned = Reminder.objects.filter(conference=conference, kind="conference_upcoming")
    assert set(planned.values_list("variant", "status", "due_at")) == {
        ("2h", ReminderStatus.PENDING, local(30, 8, 30, month=3))
    }
    assert planned.count() == 6
    assert mail.outbox == []
    time_machine.move_to(NOW + timedelta(minutes=1), tick=False)  # beat's next tick

    assert sweep() == {"sent": 8}  # the 2-hour reminders, and the invitations to Robin and Harriet

    assert set(planned.values_list("status", flat=True)) == {ReminderStatus.SENT}
    assert sorted(email.to[0] for email in mail.outbox) == sorted(
        [facilitator.email] + ["robin.reed@example.org", "harriet.hale@example.org"] * 2
    )
    assert sweep() == {}


def test_many_supervisors_get_one_copy_each_of_a_group_reminder_swept_at_once(time_machine, submitted):
    for n in range(20):
        UserFactory(username=f"sup{n}")
    time_machine.move_to(NOW + timedelta(days=3), tick=False)

    results = run_at_once([tasks.send_reminders_now] * SWEEPS)

    counts = outcomes(results)
    assert counts == {"fanned out": 2, "sent": 40}
    assert Counter(Counter(email.to[0] for email in mail.outbox).values()) == {1: 20}
