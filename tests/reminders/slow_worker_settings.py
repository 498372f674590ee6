"""Settings of a worker process started by a test: the test settings, with email that is slow to send.

The test settings choose the locmem backend outright, so a worker that must be busy for some
seconds needs a module of its own. Tasks queued by a task go through the broker, as in production.
"""

from rjcases.test_settings import *  # noqa: F403

EMAIL_BACKEND = "tests.reminders.slow_mail.SlowEmailBackend"
SLOW_MAIL_SECONDS = 1.5
CELERY_TASK_ALWAYS_EAGER = False
