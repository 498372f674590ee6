"""The sweep under load and with broken rows: every claimed row ends, one sweep at a time, a batch
costs the same few queries however many rows it holds, one mail connection per batch.

Time is frozen (conftest.py); a "process" holding a lock is a second database connection.
"""

import io
from collections import Counter
from datetime import timedelta

import psycopg
import pytest
from django.conf import settings
from django.core import mail
from django.core.mail.backends.locmem import EmailBackend as LocmemEmailBackend
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from cases import services as case_services
from cases.models import SatisfactionSurvey
from people.models import Notification
from reminders import sending, sms
from reminders.models import Reminder, ReminderKind, ReminderStatus
from reminders.sending import SWEEP_LOCK, check_lease, message_id
from reminders.tasks import send_due_reminders
from reporting.figures import REBUILD_LOCK, refresh
from reporting.models import DashboardBuild
from reporting.tasks import refresh_dashboard
from tests.factories import ReminderFactory
from tests.reminders.conftest import NOW, sweep

pytestmark = pytest.mark.django_db

Kind = ReminderKind
PENDING, SENDING, SENT, FAILED = (
    ReminderStatus.PENDING,
    ReminderStatus.SENDING,
    ReminderStatus.SENT,
    ReminderStatus.FAILED,
)


def due(referral, count: int, **fields) -> list[Reminder]:
    return ReminderFactory.create_batch(count, referral=referral, due_at=NOW - timedelta(minutes=1), **fields)


@pytest.fixture
def held_elsewhere():
    """Take an advisory lock from another database session, as another worker's sweep would."""
    sessions = []

    def hold(name: str):
        db = connection.settings_dict
        other = psycopg.connect(
            dbname=db["NAME"], user=db["USER"], host=db["HOST"] or "127.0.0.1", port=db["PORT"] or 5432
        )
        other.execute("SELECT pg_advisory_lock(hashtext(%s))", [name])
        sessions.append(other)
        return other

    yield hold
    for other in sessions:
        other.close()


# Every claimed row ends


def test_a_row_whose_subject_is_gone_ends_failed_and_never_holds_up_the_others(
    time_machine, rules, supervisor, ready_case, submitted
):
    case_services.close_without_conference(case=ready_case, by=supervisor, reason="Declined.")
    survey = SatisfactionSurvey.objects.get(case=ready_case)
    broken = ReminderFactory(
        kind=Kind.SATISFACTION_SURVEY,
        case=ready_case,
        recipient_user=None,
        recipient_person=survey.person,
        due_at=NOW,
        key="survey-of-a-deleted-survey",
    )
    survey.delete()  # its subject is gone: the sweep cannot even tell whether it is still wanted
    moment = NOW
    for attempt in range(1, rules.max_attempts + 1):
        others = due(submitted, 2)
        counts = sweep()
        broken.refresh_from_db()
        assert broken.attempts == attempt
        assert broken.last_error == f"DoesNotExist: No survey of person {survey.person_id} on the case."
        assert set(Reminder.objects.filter(pk__in=[r.pk for r in others]).values_list("status", flat=True)) == {
            SENT
        }  # the batch went on
        if attempt < rules.max_attempts:
            assert counts["retried"] == 1 and broken.status == PENDING
            moment = broken.due_at
            time_machine.move_to(moment, tick=False)

    assert counts["failed"] == 1
    assert (broken.status, broken.claim_token) == (FAILED, None)
    told = Notification.objects.filter(
        user=supervisor, text=f"A reminder could not be sent after {rules.max_attempts} tries."
    )
    assert told.count() == 1
    time_machine.move_to(moment + timedelta(days=1), tick=False)
    assert sweep() == {}  # no more tries


def test_a_row_whose_every_try_was_abandoned_ends_failed_without_climbing_further(
    time_machine, rules, submitted, supervisor
):
    [reminder] = due(submitted, 1)
    lease = timedelta(seconds=settings.REMINDER_CLAIM_SECONDS + 1)
    for _ in range(rules.max_attempts):  # a process that dies while sending it, every time
        _, claimed = sending.claim_due()
        assert claimed == [reminder.pk]
        time_machine.shift(lease)

    assert sweep() == {}

    reminder.refresh_from_db()
    assert (reminder.status, reminder.attempts, reminder.claim_token) == (FAILED, rules.max_attempts, None)
    assert reminder.last_error == f"Its sending stopped before it finished, {rules.max_attempts} times."
    assert Notification.objects.filter(user=supervisor, url=reverse("reminders:failed")).count() == 1
    assert mail.outbox == []


def test_a_row_that_breaks_the_reading_of_its_batch_is_tried_alone_and_the_rest_is_sent(
    monkeypatch, ready_case, submitted
):
    readable = due(submitted, 3)
    unreadable = ReminderFactory(case=ready_case, kind=Kind.CASE_STALLED, due_at=NOW - timedelta(minutes=1))
    read = sending.planning.contactable_people_of

    def read_or_break(case_ids, *purpose):  # a bug, or data the reading cannot take, on one case
        if ready_case.pk in case_ids:
            raise ValueError("cannot read this case's consents")
        return read(case_ids, *purpose)

    monkeypatch.setattr(sending.planning, "contactable_people_of", read_or_break)

    counts = sweep()

    assert counts == {"sent": 3, "retried": 1}
    assert set(Reminder.objects.filter(pk__in=[r.pk for r in readable]).values_list("status", flat=True)) == {SENT}
    unreadable.refresh_from_db()
    assert (unreadable.status, unreadable.attempts) == (PENDING, 1)
    assert unreadable.last_error == "It could not be read for sending."


# Cheap batches


def _batch_queries(referral, size: int) -> tuple[int, Counter]:
    """Send one batch of `size` staff reminders beside the conference's; return its queries and outcomes."""
    extra = due(referral, size // 2, channel="email") + due(referral, size - size // 2, channel="in_app")
    token, ids = sending.claim_due(limit=100)
    with CaptureQueriesContext(connection) as queries:
        counts = sending.send_batch(token, ids, sending.ReminderSettings.current())
    Reminder.objects.filter(pk__in=[r.pk for r in extra]).delete()
    return len(queries), counts


def test_a_batch_costs_the_same_queries_for_4_rows_as_for_20(time_machine, conference, submitted):
    time_machine.move_to(conference.starts_at - timedelta(hours=48), tick=False)
    booked = Reminder.objects.filter(conference=conference, variant="48h")
    Reminder.objects.exclude(pk__in=booked).exclude(referral=submitted).delete()
    kinds = {(person is None, channel) for person, channel in booked.values_list("recipient_person", "channel")}
    assert {(False, "sms"), (False, "email"), (True, "email"), (True, "in_app")} <= kinds
    count = booked.count()

    small, small_counts = _batch_queries(submitted, 4)
    booked.update(status=PENDING, attempts=0, sent_at=None)  # the same participants' rows in the big batch
    big, big_counts = _batch_queries(submitted, 20)

    assert small_counts == {"sent": 4 + count}
    assert big_counts == {"sent": 20 + count}
    assert small == big <= 16


class CountingEmailBackend(LocmemEmailBackend):
    opened = 0

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        CountingEmailBackend.opened += 1


def test_a_batch_of_emails_goes_through_one_connection_each_with_a_stable_message_id(settings, submitted):
    settings.EMAIL_BACKEND = f"{__name__}.CountingEmailBackend"
    CountingEmailBackend.opened = 0
    reminders = due(submitted, 12)

    assert sweep() == {"sent": 12}

    assert CountingEmailBackend.opened == 1
    ids = [email.extra_headers["Message-ID"] for email in mail.outbox]
    assert sorted(ids) == sorted(message_id(r) for r in reminders)
    assert len(set(ids)) == 12
    assert all(i.startswith("<reminder.") and i.endswith("@rjcases.invalid>") for i in ids)


def test_a_resent_email_carries_the_message_id_of_its_first_try(time_machine, submitted, supervisor):
    [reminder] = due(submitted, 1)
    sending.claim_due()  # the first try's process dies after the provider took the message
    first = message_id(Reminder.objects.get(pk=reminder.pk))
    time_machine.shift(timedelta(seconds=settings.REMINDER_CLAIM_SECONDS + 1))

    assert sweep() == {"sent": 1}

    assert mail.outbox[0].extra_headers["Message-ID"] == first


def test_every_provider_call_waits_less_than_a_third_of_the_lease(settings):
    settings.TWILIO_ACCOUNT_SID, settings.TWILIO_AUTH_TOKEN = "AC" + "0" * 32, "token"
    backend = sms.TwilioBackend()
    assert backend.client.http_client.timeout == settings.SMS_TIMEOUT
    assert check_lease() == []
    assert 3 * max(settings.EMAIL_TIMEOUT, settings.SMS_TIMEOUT) < settings.REMINDER_CLAIM_SECONDS

    settings.REMINDER_CLAIM_SECONDS = 60
    settings.EMAIL_TIMEOUT = 30
    [error] = check_lease()
    assert error.id == "reminders.E001"
    assert "REMINDER_CLAIM_SECONDS (60)" in error.msg


# One sweep at a time; a burst shared


@pytest.mark.postgres
def test_a_sweep_queued_while_another_runs_does_nothing(submitted, held_elsewhere):
    mine = Reminder.objects.filter(pk__in=[r.pk for r in due(submitted, 3)])
    other = held_elsewhere(SWEEP_LOCK)

    assert send_due_reminders() == {"skipped": 1}
    assert mail.outbox == []
    assert set(mine.values_list("status", flat=True)) == {PENDING}

    other.execute("SELECT pg_advisory_unlock(hashtext(%s))", [SWEEP_LOCK])  # that sweep ends
    assert send_due_reminders() == {"sent": 3}


def test_a_burst_is_shared_with_helpers_one_per_further_batch(settings, submitted):
    settings.REMINDER_BATCH_SIZE = 5
    due(submitted, 12)
    asked = []

    counts = sending.sweep(call_helper=lambda: asked.append(1))

    assert len(asked) == 2  # 12 rows: this sweep's batch and two more, each for another worker
    assert counts == {"sent": 12}  # nobody answered here, so the sweep sent them all itself


def test_at_most_the_configured_helpers_are_asked(settings, submitted):
    settings.REMINDER_BATCH_SIZE, settings.REMINDER_SWEEP_HELPERS = 2, 3
    due(submitted, 20)
    asked = []

    sending.sweep(call_helper=lambda: asked.append(1))

    assert len(asked) == 3


@pytest.mark.postgres
def test_a_dashboard_rebuild_queued_while_another_runs_is_skipped(held_elsewhere):
    other = held_elsewhere(REBUILD_LOCK)

    assert refresh() is None
    assert not DashboardBuild.objects.exists()

    other.execute("SELECT pg_advisory_unlock(hashtext(%s))", [REBUILD_LOCK])
    assert refresh() is not None


def test_a_second_periodic_rebuild_within_a_minute_is_skipped_but_not_one_asked_for(time_machine):
    def built_at():
        return DashboardBuild.objects.get().computed_at

    refresh_dashboard()  # at NOW: the clock of conftest.py
    assert built_at() == NOW
    time_machine.shift(timedelta(seconds=settings.DASHBOARD_REBUILD_MIN_SECONDS - 1))

    refresh_dashboard()  # a second beat's copy of the same tick
    assert built_at() == NOW

    call_command("refresh_dashboard", stdout=io.StringIO())  # an administrator asks: always
    asked = built_at()
    assert asked > NOW
    time_machine.shift(timedelta(seconds=settings.DASHBOARD_REBUILD_MIN_SECONDS + 1))
    refresh_dashboard()
    assert built_at() > asked
