"""Reoffending checks name their referral, so that a referral declined while eligible can be followed
up without a case (the evaluation's comparison group); a check may say how many new offences."""

import django.db.models.deletion
from django.db import migrations, models


def _referral_of_case(apps, schema_editor):
    ReoffendingCheck = apps.get_model("cases", "ReoffendingCheck")
    Case = apps.get_model("cases", "Case")
    ReoffendingCheck.objects.update(
        referral_id=models.Subquery(Case.objects.filter(pk=models.OuterRef("case_id")).values("referral_id")[:1])
    )


class Migration(migrations.Migration):
    dependencies = [
        ("cases", "0020_exchange_consent"),
        ("referrals", "0005_linked_parties_and_contact_updates"),
    ]

    operations = [
        migrations.RemoveConstraint(model_name="reoffendingcheck", name="reoffending_check_once"),
        migrations.AddField(
            model_name="reoffendingcheck",
            name="offences",
            field=models.PositiveSmallIntegerField(
                blank=True,
                help_text="How many new offences since the follow-up began, where the records say.",
                null=True,
            ),
        ),
        migrations.AddField(
            model_name="reoffendingcheck",
            name="referral",
            field=models.ForeignKey(
                null=True,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="reoffending_checks",
                to="referrals.referral",
            ),
        ),
        migrations.RunPython(_referral_of_case, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="reoffendingcheck",
            name="referral",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.CASCADE, related_name="reoffending_checks", to="referrals.referral"
            ),
        ),
        migrations.AlterField(
            model_name="reoffendingcheck",
            name="case",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="reoffending_checks",
                to="cases.case",
            ),
        ),
        migrations.AddConstraint(
            model_name="reoffendingcheck",
            constraint=models.UniqueConstraint(fields=("referral", "months"), name="reoffending_check_once"),
        ),
        migrations.AddConstraint(
            model_name="reoffendingcheck",
            constraint=models.CheckConstraint(
                condition=models.Q(("reoffended", True), ("offences__isnull", True), _connector="OR"),
                name="reoffending_offences_only_if_reoffended",
            ),
        ),
        migrations.AddConstraint(
            model_name="reoffendingcheck",
            constraint=models.CheckConstraint(
                condition=models.Q(("offences__isnull", True), ("offences__gte", 1), _connector="OR"),
                name="reoffending_offences_some",
            ),
        ),
    ]
