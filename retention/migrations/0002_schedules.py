"""The daily sealing and purge tasks, stored in django-celery-beat's tables so that an admin can
change when they run, and the settings' one row."""

from django.db import migrations

SCHEDULES = [
    ("Seal due juvenile records", "retention.tasks.seal_due_records", 1, "days"),
    ("Purge records past their retention", "retention.tasks.purge_due_records", 1, "days"),
]


def add_schedules(apps, schema_editor):
    IntervalSchedule = apps.get_model("django_celery_beat", "IntervalSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    for name, task, every, period in SCHEDULES:
        interval, _ = IntervalSchedule.objects.get_or_create(every=every, period=period)
        PeriodicTask.objects.get_or_create(name=name, defaults={"task": task, "interval": interval})
    apps.get_model("retention", "RetentionSettings").objects.get_or_create(pk=1)


def remove_schedules(apps, schema_editor):
    apps.get_model("django_celery_beat", "PeriodicTask").objects.filter(name__in=[s[0] for s in SCHEDULES]).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("retention", "0001_initial"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [migrations.RunPython(add_schedules, remove_schedules)]
