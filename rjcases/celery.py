"""The Celery application: broker and schedules come from Django settings (CELERY_*)."""

import os

from celery import Celery
from celery.signals import beat_init, worker_init

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "rjcases.settings")

app = Celery("rjcases")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@worker_init.connect
@beat_init.connect
def _refuse_without_field_keys(**kwargs):
    from people.fields import require_field_encryption_keys

    require_field_encryption_keys()
