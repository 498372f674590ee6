"""The dashboard's tables, taken over from the cases app as they are (state only: nothing in the
database moves, so an existing programme keeps its figures and pseudonyms)."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    initial = True

    dependencies = [
        ("cases", "0010_dashboard_moves_to_reporting"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name='DashboardBuild',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('computed_at', models.DateTimeField()),
                        ('duration_ms', models.PositiveIntegerField()),
                        ('rows', models.PositiveIntegerField()),
                        ('referrals', models.PositiveIntegerField()),
                    ],
                    options={
                        'db_table': 'cases_dashboardbuild',
                        'get_latest_by': 'computed_at',
                    },
                ),
                migrations.CreateModel(
                    name='DashboardDays',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('month', models.DateField(help_text='First day of the month the referrals were made in (local time).')),
                        ('slice', models.CharField(choices=[('all', 'The whole programme'), ('agency', 'Agency'), ('unit', 'Unit'), ('offence', 'Offence category'), ('partner', 'Partner'), ('kind', 'Conference kind')], max_length=20)),
                        ('slice_value', models.CharField(blank=True, max_length=40)),
                        ('breakdown', models.CharField(choices=[('age', 'Age group'), ('gender', 'Gender'), ('ethnicity', 'Ethnicity'), ('officer', 'Referring officer'), ('facilitator', 'Facilitator'), ('unit', 'Unit')], max_length=20)),
                        ('group_value', models.CharField(max_length=40)),
                        ('measure', models.CharField(max_length=20)),
                        ('days', models.IntegerField()),
                        ('cases', models.PositiveIntegerField()),
                    ],
                    options={
                        'verbose_name_plural': 'dashboard days',
                        'db_table': 'cases_dashboarddays',
                        'indexes': [models.Index(fields=['slice', 'slice_value', 'month'], name='days_slice_month')],
                    },
                ),
                migrations.CreateModel(
                    name='DashboardRollup',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('month', models.DateField(help_text='First day of the month the referrals were made in (local time).')),
                        ('slice', models.CharField(choices=[('all', 'The whole programme'), ('agency', 'Agency'), ('unit', 'Unit'), ('offence', 'Offence category'), ('partner', 'Partner'), ('kind', 'Conference kind')], max_length=20)),
                        ('slice_value', models.CharField(blank=True, max_length=40)),
                        ('breakdown', models.CharField(choices=[('age', 'Age group'), ('gender', 'Gender'), ('ethnicity', 'Ethnicity'), ('officer', 'Referring officer'), ('facilitator', 'Facilitator'), ('unit', 'Unit')], max_length=20)),
                        ('group_value', models.CharField(max_length=40)),
                        ('referred', models.PositiveIntegerField(default=0)),
                        ('eligible', models.PositiveIntegerField(default=0)),
                        ('accepted', models.PositiveIntegerField(default=0)),
                        ('consented', models.PositiveIntegerField(default=0)),
                        ('held', models.PositiveIntegerField(default=0)),
                        ('agreement', models.PositiveIntegerField(default=0)),
                        ('fulfilled', models.PositiveIntegerField(default=0)),
                        ('declined', models.PositiveIntegerField(default=0)),
                        ('declined_not_eligible', models.PositiveIntegerField(default=0)),
                        ('declined_no_admission', models.PositiveIntegerField(default=0)),
                        ('declined_harmed_party_objects', models.PositiveIntegerField(default=0)),
                        ('declined_insufficient_information', models.PositiveIntegerField(default=0)),
                        ('declined_risk', models.PositiveIntegerField(default=0)),
                        ('declined_other', models.PositiveIntegerField(default=0)),
                        ('returned', models.PositiveIntegerField(default=0)),
                        ('returned_withdrew_consent', models.PositiveIntegerField(default=0)),
                        ('returned_no_contact', models.PositiveIntegerField(default=0)),
                        ('returned_non_compliance', models.PositiveIntegerField(default=0)),
                        ('returned_re_arrest', models.PositiveIntegerField(default=0)),
                        ('returned_other', models.PositiveIntegerField(default=0)),
                        ('closed_no_conference', models.PositiveIntegerField(default=0)),
                        ('open_intake', models.PositiveIntegerField(default=0)),
                        ('open_ready', models.PositiveIntegerField(default=0)),
                        ('open_scheduled', models.PositiveIntegerField(default=0)),
                        ('open_conference_held', models.PositiveIntegerField(default=0)),
                        ('open_monitoring', models.PositiveIntegerField(default=0)),
                        ('stalled', models.PositiveIntegerField(default=0)),
                        ('overdue_cases', models.PositiveIntegerField(default=0)),
                        ('overdue_items', models.PositiveIntegerField(default=0)),
                        ('harmed_attended', models.PositiveIntegerField(default=0)),
                        ('surveys_sent', models.PositiveIntegerField(default=0)),
                        ('surveys_answered', models.PositiveIntegerField(default=0)),
                        ('satisfaction_total', models.PositiveIntegerField(default=0)),
                        ('satisfied', models.PositiveIntegerField(default=0)),
                        ('felt_heard', models.PositiveIntegerField(default=0)),
                        ('harm_repaired', models.PositiveIntegerField(default=0)),
                        ('would_recommend', models.PositiveIntegerField(default=0)),
                        ('checked_6', models.PositiveIntegerField(default=0)),
                        ('reoffended_6', models.PositiveIntegerField(default=0)),
                        ('checked_12', models.PositiveIntegerField(default=0)),
                        ('reoffended_12', models.PositiveIntegerField(default=0)),
                        ('checked_24', models.PositiveIntegerField(default=0)),
                        ('reoffended_24', models.PositiveIntegerField(default=0)),
                        ('restitution_ordered', models.DecimalField(decimal_places=2, default=0, max_digits=14)),
                        ('restitution_paid', models.DecimalField(decimal_places=2, default=0, max_digits=14)),
                        ('hours_ordered', models.DecimalField(decimal_places=2, default=0, max_digits=14)),
                        ('hours_done', models.DecimalField(decimal_places=2, default=0, max_digits=14)),
                    ],
                    options={
                        'db_table': 'cases_dashboardrollup',
                        'indexes': [models.Index(fields=['slice', 'slice_value', 'month'], name='rollup_slice_month')],
                    },
                ),
                migrations.CreateModel(
                    name='PersonPseudonym',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('pseudonym', models.CharField(max_length=32, unique=True)),
                        ('person', models.OneToOneField(on_delete=django.db.models.deletion.CASCADE, related_name='pseudonym', to='cases.person')),
                    ],
                    options={
                        'db_table': 'cases_personpseudonym',
                    },
                ),
            ],
            database_operations=[],
        ),
    ]
