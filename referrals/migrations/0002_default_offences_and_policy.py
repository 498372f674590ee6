"""Seed the offence categories most programmes start from, and a policy excluding the usual ones.

Both are edited by an admin afterwards; this only gives a fresh installation a sensible start.
"""

from django.db import migrations

CATEGORIES = [
    ("shoplifting", "Theft from a shop"),
    ("theft", "Theft (other)"),
    ("criminal-damage", "Criminal damage"),
    ("common-assault", "Common assault"),
    ("public-order", "Public order"),
    ("burglary", "Burglary"),
    ("vehicle-crime", "Vehicle crime"),
    ("drugs-possession", "Drugs possession"),
    ("harassment", "Harassment"),
    ("online-harm", "Online abuse or image sharing"),
    ("fraud", "Fraud"),
    ("arson", "Arson"),
    ("sexual-offence", "Sexual offence"),
    ("domestic-abuse", "Domestic abuse"),
    ("other", "Other"),
]
EXCLUDED = ["sexual-offence", "domestic-abuse"]


def seed(apps, schema_editor):
    OffenceCategory = apps.get_model("referrals", "OffenceCategory")
    EligibilityPolicy = apps.get_model("referrals", "EligibilityPolicy")
    for code, name in CATEGORIES:
        OffenceCategory.objects.get_or_create(code=code, defaults={"name": name})
    policy, _ = EligibilityPolicy.objects.get_or_create(
        pk=1, defaults={"min_age": 10, "max_age": None, "admission_required": True, "max_prior_diversions": 2}
    )
    policy.excluded_categories.set(OffenceCategory.objects.filter(code__in=EXCLUDED))


class Migration(migrations.Migration):
    dependencies = [("referrals", "0001_initial")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
