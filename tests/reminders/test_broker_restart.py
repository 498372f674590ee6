"""A busy prefork worker outlives a restart of Redis and goes on sending reminders.

The test runs a Redis server of its own and a real `celery worker` (prefork) on it and on the test
database. A sweep over reminders whose email is slow keeps the worker busy, so that its message is
still unacknowledged (CELERY_TASK_ACKS_LATE) when Redis is stopped and started again. That is when
kombu's Redis transport used to end the worker's main process (rjcases/broker.py says why). After
the restart, a new reminder must still be sent by the same worker, through the new Redis.
"""

import os
import signal
import socket
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

import pytest
import redis
from django.db import connection
from django.utils import timezone
from kombu import Connection

from reminders.models import Reminder, ReminderSettings, ReminderStatus
from reminders.tasks import send_due_reminders
from rjcases.celery import app
from tests.factories import ReminderFactory
from tests.helpers import reseed_reference_data

pytestmark = [pytest.mark.postgres, pytest.mark.redis, pytest.mark.django_db(transaction=True)]

BUSY_REMINDERS = 6  # at 1.5 s an email (slow_worker_settings.py), a sweep of some 9 s
DEADLINE_SECONDS = 90
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def now():
    """Override the frozen clock of conftest.py: the worker runs on real time."""
    return timezone.now()


@pytest.fixture(autouse=True)
def seeded():
    """Before the fixtures that build referrals: an earlier transactional test flushed the seed rows."""
    reseed_reference_data()
    ReminderSettings.current()


class OwnRedis:
    """A Redis server on a free port, keeping nothing on disk, that the test can restart."""

    def __init__(self, log: Path):
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.log = log
        self.process = None

    def start(self):
        command = ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"]
        with self.log.open("a") as log:
            self.process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT)
        client = redis.Redis(port=self.port, socket_connect_timeout=1)
        _wait(lambda: self._answers(client), "Redis to answer")

    def _answers(self, client) -> bool:
        assert self.process.poll() is None, f"redis-server exited:\n{self.log.read_text()}"
        try:
            return client.ping()
        except redis.ConnectionError:
            return False

    def stop(self):
        if self.process and self.process.poll() is None:
            os.kill(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.kill(self.process.pid, signal.SIGKILL)
                self.process.wait()


@pytest.fixture
def own_redis(tmp_path):
    server = OwnRedis(tmp_path / "redis.log")
    try:
        server.start()
        yield server
    finally:
        server.stop()


@pytest.fixture
def worker(own_redis, tmp_path):
    """Start `celery worker` (prefork, two children) on the test database and the test's own Redis."""
    db = connection.settings_dict
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "tests.reminders.slow_worker_settings",
        "DATABASE_URL": f"postgres://{db['USER']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}",
        "REDIS_URL": own_redis.url,
    }
    command = [sys.executable, "-m", "celery", "-A", "rjcases", "worker", "--pool=prefork", "--concurrency=2"]
    command += ["--loglevel=info"]
    log = tmp_path / "worker.log"
    with log.open("w") as output:
        # A session of its own, so that the pool's children can be ended with it if it hangs.
        process = subprocess.Popen(
            command, cwd=ROOT, env=env, stdout=output, stderr=subprocess.STDOUT, start_new_session=True
        )
    process.log = log
    try:
        yield process
    finally:
        if process.poll() is None:
            process.terminate()
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()


@pytest.fixture
def not_eager():
    """Queue tasks through the broker in this process too (the test settings run them eagerly)."""
    saved = app.conf.task_always_eager
    app.conf.task_always_eager = False
    yield
    app.conf.task_always_eager = saved


def queue_sweep(url: str):
    """Queue the periodic sweep on the Redis at `url`, as beat does."""
    with Connection(url) as broker:
        # Declared here too: a Redis that restarted empty has lost the queue's binding.
        app.amqp.queues[app.conf.task_default_queue](broker.default_channel).declare()
        send_due_reminders.apply_async(connection=broker)


def _wait(condition, what: str):
    deadline = time.monotonic() + DEADLINE_SECONDS
    while not condition():
        assert time.monotonic() < deadline, f"gave up waiting for {what}"
        time.sleep(0.1)


def test_a_busy_worker_outlives_a_redis_restart_and_sends_the_next_reminder(
    submitted, own_redis, worker, not_eager, settings
):
    settings.REMINDERS_NUDGE_WORKER = False  # the test asks for sweeps itself

    def still_running():
        assert worker.poll() is None, f"the worker exited:\n{worker.log.read_text()[-4000:]}"
        return True

    earlier = timezone.now() - timedelta(minutes=1)
    busy = [ReminderFactory(referral=submitted, due_at=earlier).pk for _ in range(BUSY_REMINDERS)]
    first_sweep = Reminder.objects.filter(pk__in=busy)
    queue_sweep(own_redis.url)
    _wait(lambda: still_running() and not first_sweep.filter(status=ReminderStatus.PENDING).exists(), "the sweep")
    assert first_sweep.filter(status=ReminderStatus.SENT).count() < BUSY_REMINDERS  # it is still sending

    own_redis.stop()
    own_redis.start()
    _wait(lambda: first_sweep.filter(status=ReminderStatus.SENT).count() == BUSY_REMINDERS, "the first sweep's emails")

    later = ReminderFactory(referral=submitted, due_at=timezone.now() - timedelta(minutes=1))
    queue_sweep(own_redis.url)
    _wait(
        lambda: still_running() and Reminder.objects.get(pk=later.pk).status == ReminderStatus.SENT,
        "the reminder planned after the restart",
    )
    assert still_running()
