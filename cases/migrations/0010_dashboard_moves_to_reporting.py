"""The dashboard's tables now belong to the reporting app: the models leave this app's state only.

The tables keep their names and rows; reporting's first migration takes them over.
"""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("cases", "0009_co_facilitator_caseload_index"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.DeleteModel(
                    name='DashboardBuild',
                ),
                migrations.DeleteModel(
                    name='DashboardDays',
                ),
                migrations.DeleteModel(
                    name='DashboardRollup',
                ),
                migrations.DeleteModel(
                    name='PersonPseudonym',
                ),
            ],
            database_operations=[],
        ),
    ]
