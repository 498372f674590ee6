"""The scheduled dashboard refresh names its task where the task now lives."""

from django.db import migrations

OLD, NEW = "cases.tasks.refresh_dashboard", "reporting.tasks.refresh_dashboard"


def rename(apps, schema_editor, old=OLD, new=NEW):
    apps.get_model("django_celery_beat", "PeriodicTask").objects.filter(task=old).update(task=new)


def rename_back(apps, schema_editor):
    rename(apps, schema_editor, old=NEW, new=OLD)


class Migration(migrations.Migration):
    dependencies = [
        ("reporting", "0001_initial"),
        ("cases", "0008_dashboard_schedule"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [migrations.RunPython(rename, rename_back)]
