"""The dashboard's rollup: additive figures per slice of the programme, rebuilt from the base tables.

A row holds the figures of the referrals of one month, in one slice (the whole programme, or one
agency, unit, offence category, partner or conference kind), that fall in one group of one
breakdown (age group, gender, ethnicity, officer, facilitator, unit). Every referral is in exactly
one group of the age breakdown, so a slice's totals are the sum of its age rows. Slices are not
crossed with each other: that keeps the table small, and a view filters on one of them at a time.
See docs/dashboard.md for what each figure means.
"""

from django.db import models

# Counts of referrals (or cases, items, surveys: see docs/dashboard.md), summed across rows.
COUNTS = (
    "referred",
    "withdrawn",
    "eligible",
    "accepted",
    "consented",
    "held",
    "held_direct",
    "held_surrogate",
    "held_indirect",
    "agreement",
    "fulfilled",
    "declined",
    "declined_not_eligible",
    "declined_no_admission",
    "declined_harmed_party_objects",
    "declined_insufficient_information",
    "declined_risk",
    "declined_other",
    "returned",
    "returned_withdrew_consent",
    "returned_no_contact",
    "returned_non_compliance",
    "returned_re_arrest",
    "returned_other",
    "closed_no_conference",
    "open_intake",
    "open_ready",
    "open_scheduled",
    "open_conference_held",
    "open_monitoring",
    "stalled",
    "overdue_cases",
    "overdue_items",
    "harmed_attended",
    "surveys_sent",
    "surveys_answered",
    "satisfaction_total",
    "satisfied",
    "felt_heard",
    "harm_repaired",
    "would_recommend",
    "checked_6",
    "reoffended_6",
    "checked_12",
    "reoffended_12",
    "checked_24",
    "reoffended_24",
)
# Money (restitution) and hours (community service), summed across rows.
SUMS = ("restitution_ordered", "restitution_paid", "hours_ordered", "hours_done")
FIGURES = COUNTS + SUMS

MEASURES = ("contact", "conference")  # days from referral to first contact / to first conference held


class Breakdown(models.TextChoices):
    AGE = "age", "Age group"
    GENDER = "gender", "Gender"
    ETHNICITY = "ethnicity", "Ethnicity"
    OFFICER = "officer", "Referring officer"
    FACILITATOR = "facilitator", "Facilitator"
    UNIT = "unit", "Unit"


def _figure_fields():
    fields = {name: models.PositiveIntegerField(default=0) for name in COUNTS}
    fields.update({name: models.DecimalField(max_digits=14, decimal_places=2, default=0) for name in SUMS})
    return fields


class SliceKind(models.TextChoices):
    ALL = "all", "The whole programme"
    AGENCY = "agency", "Agency"
    UNIT = "unit", "Unit"
    OFFENCE = "offence", "Offence category"
    PARTNER = "partner", "Partner"
    KIND = "kind", "Conference kind"


class Slice(models.Model):
    """The month, the filter (one dimension and its value, or the whole programme) and the
    breakdown group a rollup row is about."""

    audited = False  # rebuilt from the base tables; exports that use it are audited

    month = models.DateField(help_text="First day of the month the referrals were made in (local time).")
    slice = models.CharField(max_length=20, choices=SliceKind.choices)
    slice_value = models.CharField(max_length=40, blank=True)
    breakdown = models.CharField(max_length=20, choices=Breakdown.choices)
    group_value = models.CharField(max_length=40)

    class Meta:
        abstract = True


# The figure columns are generated from FIGURES so that the rollup, its reader and the recount
# name each figure in one place.
Figures = type(
    "Figures",
    (models.Model,),
    {"__module__": __name__, "Meta": type("Meta", (), {"abstract": True}), **_figure_fields()},
)


class DashboardRollup(Slice, Figures):
    """Additive figures of one slice; see the module docstring."""

    class Meta:
        db_table = "cases_dashboardrollup"
        indexes = [models.Index(fields=["slice", "slice_value", "month"], name="rollup_slice_month")]

    def __str__(self):
        return f"{self.month:%Y-%m} {self.breakdown}={self.group_value}"


class DashboardDays(Slice):
    """How many referrals of a slice took `days` days to reach a measure: summed histograms give
    the exact median and 90th percentile of any selection of slices."""

    # A time measure (contact, conference), or a histogram of time to reoffence: km_<origin>_<cohort>_<outcome>.
    measure = models.CharField(max_length=40)
    days = models.IntegerField()
    cases = models.PositiveIntegerField()

    class Meta:
        db_table = "cases_dashboarddays"
        verbose_name_plural = "dashboard days"
        indexes = [models.Index(fields=["slice", "slice_value", "month"], name="days_slice_month")]

    def __str__(self):
        return f"{self.month:%Y-%m} {self.measure} {self.days} d: {self.cases}"


class DashboardBuild(models.Model):
    """When the rollup was last rebuilt: the page says how fresh its figures are."""

    audited = False  # rebuilt from the base tables; exports that use it are audited

    computed_at = models.DateTimeField()
    duration_ms = models.PositiveIntegerField()
    rows = models.PositiveIntegerField()
    referrals = models.PositiveIntegerField()

    class Meta:
        db_table = "cases_dashboardbuild"
        get_latest_by = "computed_at"

    def __str__(self):
        return f"Dashboard figures of {self.computed_at:%Y-%m-%d %H:%M}"


class PersonPseudonym(models.Model):
    """A stable, random stand-in for a person in evaluation exports.

    Random rather than derived from the key or the name, so that it cannot be reversed; stored,
    so that the same person has the same pseudonym in every export.
    """

    audited = False  # a stand-in made by an export, and the export is audited

    person = models.OneToOneField("cases.Person", on_delete=models.CASCADE, related_name="pseudonym")
    pseudonym = models.CharField(max_length=32, unique=True)

    class Meta:
        db_table = "cases_personpseudonym"

    def __str__(self):
        return self.pseudonym
