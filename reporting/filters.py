"""The dashboard's filters: period (in whole months), agency or unit, offence category, partner, conference
kind; and, for the training section only, how recent a pass makes an officer trained."""

from dataclasses import dataclass
from datetime import date

from django import forms
from django.conf import settings
from django.utils import timezone

from conferences.models import ConferenceKind
from people.models import Agency, Ethnicity, Gender, Partner, Unit
from referrals.models import OffenceCategory

DEFAULT_MONTHS = 12
TRAINED_MONTHS = (6, 12, 24, 36)
DEFAULT_TRAINED_MONTHS = 24
MONTH_FORMAT = "%Y-%m"


def add_months(day: date, months: int) -> date:
    """Return the first day of the month `months` after `day`'s month."""
    index = day.year * 12 + day.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


# The breakdowns whose groups are compared by a relative rate index.
REFERENCE_BREAKDOWNS = ("age", "gender", "ethnicity")


@dataclass(frozen=True)
class Filters:
    start: date  # first day of the first month
    end: date  # first day of the last month (inclusive)
    agency: Agency | None = None
    unit: Unit | None = None
    offence: OffenceCategory | None = None
    partner: Partner | None = None
    kind: str = ""
    # Read by the live training section only: not in the cache key nor in the links of the cached sections.
    trained_months: int = DEFAULT_TRAINED_MONTHS
    # The group each breakdown's relative rate index compares with ("" for its largest group).
    reference_age: str = ""
    reference_gender: str = ""
    reference_ethnicity: str = ""

    def reference(self, breakdown: str) -> str:
        return getattr(self, f"reference_{breakdown}", "")

    @property
    def end_exclusive(self) -> date:
        return add_months(self.end, 1)

    def slice(self) -> tuple[str, str]:
        """Return the rollup slice of these filters: the one dimension filtered on, and its value."""
        for name in ("unit", "agency", "offence", "partner"):
            if getattr(self, name) is not None:
                return name, str(getattr(self, name).pk)
        if self.kind:
            return "kind", self.kind
        return "all", ""

    def cache_key(self) -> str:
        parts = [self.start, self.end, self.agency, self.unit, self.offence, self.partner]
        ids = [p.isoformat() if isinstance(p, date) else str(getattr(p, "pk", "")) for p in parts]
        references = [self.reference(name) for name in REFERENCE_BREAKDOWNS]
        return ":".join([*ids, self.kind, *references])

    def query(self) -> dict:
        """Return the filters as the query string of a link that keeps them."""
        values = {"start": self.start.strftime(MONTH_FORMAT), "end": self.end.strftime(MONTH_FORMAT)}
        for name in ("agency", "unit", "offence", "partner"):
            if getattr(self, name) is not None:
                values[name] = getattr(self, name).pk
        if self.kind:
            values["kind"] = self.kind
        for name in REFERENCE_BREAKDOWNS:
            if self.reference(name):
                values[f"reference_{name}"] = self.reference(name)
        return values


def default_filters() -> Filters:
    this_month = timezone.localdate().replace(day=1)
    return Filters(start=add_months(this_month, 1 - DEFAULT_MONTHS), end=this_month)


class MonthInput(forms.DateInput):
    input_type = "month"

    def __init__(self, attrs=None):
        super().__init__(attrs, format=MONTH_FORMAT)


class FilterForm(forms.Form):
    start = forms.DateField(input_formats=[MONTH_FORMAT], required=False, widget=MonthInput, label="From (month)")
    end = forms.DateField(input_formats=[MONTH_FORMAT], required=False, widget=MonthInput, label="To (month)")
    agency = forms.ModelChoiceField(Agency.objects.all(), required=False, empty_label="All agencies")
    unit = forms.ModelChoiceField(Unit.objects.select_related("agency"), required=False, empty_label="All units")
    offence = forms.ModelChoiceField(
        OffenceCategory.objects.all(), required=False, empty_label="All offences", label="Offence category"
    )
    partner = forms.ModelChoiceField(Partner.objects.all(), required=False, empty_label="All partners")
    kind = forms.ChoiceField(
        choices=[("", "All kinds"), *ConferenceKind.choices], required=False, label="Conference kind"
    )
    trained_months = forms.TypedChoiceField(
        choices=[(months, f"{months} months") for months in TRAINED_MONTHS],
        coerce=int,
        empty_value=DEFAULT_TRAINED_MONTHS,
        initial=DEFAULT_TRAINED_MONTHS,
        required=False,
        label="Trained within",
        help_text="An officer counts as trained after passing a course within this many months.",
    )

    reference_age = forms.ChoiceField(required=False, label="Compare age groups with")
    reference_gender = forms.ChoiceField(
        choices=[("", "The largest group"), *Gender.choices], required=False, label="Compare genders with"
    )
    reference_ethnicity = forms.ChoiceField(
        choices=[("", "The largest group"), *Ethnicity.choices], required=False, label="Compare ethnicities with"
    )

    def __init__(self, query, *args, **kwargs):
        """Bind to the query string; a missing period is the default one, shown in the form."""
        data = query.copy()
        default = default_filters()
        for name, month in (("start", default.start), ("end", default.end)):
            if not data.get(name):
                data[name] = month.strftime(MONTH_FORMAT)
        super().__init__(data, *args, **kwargs)
        self.fields["reference_age"].choices = [
            ("", "The largest group"),
            ("juvenile", f"Juvenile (under {settings.JUVENILE_AGE})"),
            ("adult", "Adult"),
            ("unknown", "Age not known"),
        ]
        for field in self.fields.values():
            css = "form-select" if isinstance(field.widget, forms.Select) else "form-control"
            field.widget.attrs["class"] = f"{css} form-{css.split('-')[1]}-sm"

    def clean(self):
        data = super().clean()
        default = default_filters()
        start = data.get("start") or default.start
        end = data.get("end") or default.end
        if start > end:
            raise forms.ValidationError("The period's first month must not be after its last month.")
        if end.year - start.year > 50:
            raise forms.ValidationError("Choose a period of at most 50 years.")
        if end.year > 9000:
            raise forms.ValidationError("Choose a period that ends before the year 9000.")
        unit, agency = data.get("unit"), data.get("agency")
        if unit and agency and unit.agency_id != agency.pk:
            raise forms.ValidationError("That unit belongs to another agency.")
        chosen = [bool(unit or agency), *(bool(data.get(name)) for name in ("offence", "partner", "kind"))]
        if sum(chosen) > 1:
            # The rollup is cut by one dimension at a time, which keeps it small enough to be quick.
            raise forms.ValidationError(
                "Filter by one of agency or unit, offence category, partner or conference kind at a time."
            )
        data["start"], data["end"] = start.replace(day=1), end.replace(day=1)
        return data

    def filters(self) -> Filters:
        data = self.cleaned_data
        return Filters(
            start=data["start"],
            end=data["end"],
            agency=data.get("agency"),
            unit=data.get("unit"),
            offence=data.get("offence"),
            partner=data.get("partner"),
            kind=data.get("kind") or "",
            trained_months=data.get("trained_months") or DEFAULT_TRAINED_MONTHS,
            **{f"reference_{name}": data.get(f"reference_{name}") or "" for name in REFERENCE_BREAKDOWNS},
        )
