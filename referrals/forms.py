"""Forms of the referral pages: the referral with its parties, the screening decisions, the filters."""

import django_filters
from django import forms
from django.db.models import Q
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from people.dates import PlainDateField, check_date_of_birth, check_incident_date
from people.models import Ethnicity, Gender, Person
from rjcases.listing import SearchFilter

from .models import DeclineReason, OffenceCategory, PartyRole, Referral, ReferralStatus
from .services import PartyInput, ReferralInput

DATE_INPUT = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class ReferralForm(forms.ModelForm):
    class Meta:
        model = Referral
        fields = [
            "incident_number",
            "incident_date",
            "incident_place",
            "offence_category",
            "description",
            "harm_description",
        ]
        field_classes = {"incident_date": PlainDateField}
        widgets = {
            "incident_date": DATE_INPUT,
            "description": forms.Textarea(attrs={"rows": 4}),
            "harm_description": forms.Textarea(attrs={"rows": 3}),
        }
        help_texts = {
            "incident_number": _("The crime or incident number in your records system."),
            "harm_description": _("Who was harmed and how: loss, damage, injury, fear."),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        current = self.instance.offence_category_id if self.instance.pk else None
        self.fields["offence_category"].queryset = OffenceCategory.objects.filter(Q(active=True) | Q(pk=current))

    def clean_incident_date(self):
        day = self.cleaned_data["incident_date"]
        check_incident_date(day)
        return day

    def to_input(self) -> ReferralInput:
        return ReferralInput(**{name: self.cleaned_data[name] for name in self.Meta.fields})


YES_NO_UNKNOWN = [("", _("Not yet known")), ("yes", _("Yes")), ("no", _("No"))]


class PartyForm(forms.Form):
    """One person on the referral. New people are checked against those already on record."""

    party_id = forms.IntegerField(required=False, widget=forms.HiddenInput)
    role = forms.ChoiceField(choices=PartyRole.choices, initial=PartyRole.RESPONSIBLE)
    kind = forms.ChoiceField(
        choices=Person.Kind.choices, initial=Person.Kind.INDIVIDUAL, label=_("Individual or organisation")
    )
    first_name = forms.CharField(max_length=100, required=False)
    last_name = forms.CharField(max_length=100, required=False)
    organisation_name = forms.CharField(
        max_length=200, required=False, help_text=_("For a harmed shop, school or business.")
    )
    date_of_birth = PlainDateField(required=False, widget=DATE_INPUT)
    gender = forms.ChoiceField(choices=Gender.choices, initial=Gender.NOT_STATED, required=False)
    ethnicity = forms.ChoiceField(choices=Ethnicity.choices, initial=Ethnicity.NOT_STATED, required=False)
    phone = forms.CharField(max_length=40, required=False)
    email = forms.EmailField(required=False)
    address = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 2}))
    admits_responsibility = forms.TypedChoiceField(
        choices=YES_NO_UNKNOWN,
        required=False,
        coerce=lambda v: v == "yes",
        empty_value=None,
        label=_("Admits responsibility?"),
    )
    prior_diversions = forms.IntegerField(
        required=False, min_value=0, max_value=99, initial=0, label=_("Prior diversions")
    )
    on_match = forms.ChoiceField(
        choices=[
            ("", "—"),
            ("link", _("Use the person already on record")),
            ("new", _("This is a different person")),
        ],
        required=False,
        label=_("A person with this name and date of birth is already on record"),
    )

    def __init__(self, *args, party_people=None, candidates=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.party_people = party_people or {}  # this referral's party ids -> their person ids
        # Where the duplicate check looks: only people the user may already see (DESIGN.md, data
        # protection rule 3), so that the answer never tells of a person on record elsewhere.
        self.candidates = candidates if candidates is not None else Person.objects.none()
        self.matches = []

    def clean_party_id(self):
        party_id = self.cleaned_data["party_id"]
        if party_id and party_id not in self.party_people:
            raise forms.ValidationError(gettext("This person is not on the referral any more; reload the page."))
        return party_id

    def clean_date_of_birth(self):
        born = self.cleaned_data["date_of_birth"]
        if born:
            check_date_of_birth(born)
        return born

    def clean(self):
        data = super().clean()
        kind, role = data.get("kind"), data.get("role")
        if kind == Person.Kind.ORGANISATION:
            if not data.get("organisation_name", "").strip():
                self.add_error("organisation_name", gettext("Give the organisation's name."))
            if role != PartyRole.HARMED:
                self.add_error("kind", gettext("Only a harmed party can be an organisation."))
        elif kind == Person.Kind.INDIVIDUAL:
            for name in ("first_name", "last_name"):
                if not data.get(name, "").strip():
                    self.add_error(name, gettext("Give the person's first and last name."))
        if role == PartyRole.RESPONSIBLE and data.get("prior_diversions") is None:
            data["prior_diversions"] = 0
        data["gender"] = data.get("gender") or Gender.NOT_STATED
        data["ethnicity"] = data.get("ethnicity") or Ethnicity.NOT_STATED
        if not self.errors and not data.get("party_id"):
            self._check_duplicates(data)
        return data

    def _check_duplicates(self, data):
        if data.get("kind") != Person.Kind.INDIVIDUAL or not data.get("date_of_birth"):
            return
        self.matches = list(
            self.candidates.not_merged()
            .matching(first_name=data["first_name"], last_name=data["last_name"], date_of_birth=data["date_of_birth"])
            .order_by("pk")[:3]
        )
        if self.matches and not data.get("on_match"):
            self.add_error(
                "on_match",
                gettext(
                    "%(first_name)s %(last_name)s, born %(born)s, is already on record. Choose whether to use that "
                    "record or create a new one."
                )
                % {
                    "first_name": data["first_name"],
                    "last_name": data["last_name"],
                    "born": format(data["date_of_birth"], "%d %b %Y"),
                },
            )

    def person_id(self) -> int | None:
        """Return the id of the person on record this row stands for, if any."""
        if self.cleaned_data.get("party_id"):
            return self.party_people[self.cleaned_data["party_id"]]
        if self.matches and self.cleaned_data.get("on_match") == "link":
            return self.matches[0].pk
        return None

    def to_input(self) -> PartyInput:
        data = dict(self.cleaned_data)
        on_match = data.pop("on_match", "")
        data.pop("DELETE", None)
        existing = self.matches[0] if self.matches and on_match == "link" else None
        return PartyInput(existing_person=existing, **data)


class BasePartyFormSet(forms.BaseFormSet):
    def add_fields(self, form, index):
        super().add_fields(form, index)
        form.fields["DELETE"].label = gettext("Remove this person from the referral")

    def clean(self):
        if any(self.errors):
            return
        kept = self._kept_forms()
        if len(kept) > 30:
            raise forms.ValidationError(gettext("A referral can name at most 30 people."))
        seen = set()
        for form in kept:
            key = (form.person_id(), form.cleaned_data["role"])
            if key[0] is None:
                continue
            if key in seen:
                role = PartyRole(key[1]).label.lower()
                field = "on_match" if not form.cleaned_data.get("party_id") else "role"
                form.add_error(field, gettext("This person is already on the referral as a %(role)s.") % {"role": role})
            seen.add(key)

    def _kept_forms(self):
        """Return the rows to save: existing parties not removed, and new rows the user filled in."""
        return [
            form
            for form in self.forms
            if not self._should_delete_form(form) and (form.has_changed() or form.cleaned_data.get("party_id"))
        ]

    def to_inputs(self) -> tuple[list[PartyInput], list[int]]:
        """Return the parties to save and the ids of existing parties to remove."""
        removed = [
            form.cleaned_data["party_id"]
            for form in self.forms
            if self._should_delete_form(form) and getattr(form, "cleaned_data", {}).get("party_id")
        ]
        return [form.to_input() for form in self._kept_forms()], removed


PartyFormSet = forms.formset_factory(
    PartyForm, formset=BasePartyFormSet, extra=1, can_delete=True, max_num=30, absolute_max=60
)


def party_initial(referral: Referral, *, contact_people: set[int]) -> list[dict]:
    """Return the formset's initial rows for an existing referral.

    Contact details show only for `contact_people`; for anyone else the row shows what this
    referral proposed for them, if anything, never the details on record.
    """
    proposed = {update.person_id: update for update in referral.contact_updates.pending().order_by("created_at")}
    rows = []
    for party in referral.parties.select_related("person__contact"):
        person = party.person
        contact = getattr(person, "contact", None) if person.pk in contact_people else proposed.get(person.pk)
        rows.append(
            {
                "party_id": party.pk,
                "role": party.role,
                "kind": person.kind,
                "first_name": person.first_name,
                "last_name": person.last_name,
                "organisation_name": person.organisation_name,
                "date_of_birth": person.date_of_birth,
                "gender": person.gender,
                "ethnicity": person.ethnicity,
                "phone": contact.phone if contact else "",
                "email": contact.email if contact else "",
                "address": contact.address if contact else "",
                "admits_responsibility": {True: "yes", False: "no"}.get(party.admits_responsibility, ""),
                "prior_diversions": party.prior_diversions,
            }
        )
    return rows


class InfoAnswerForm(forms.Form):
    answer = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=5000,
        label=_("Your answer to the supervisor"),
        help_text=_("Say what you added or changed. The referral goes back to screening."),
    )


class AcceptForm(forms.Form):
    justification = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
        max_length=5000,
        label=_("Justification for accepting despite a failed rule"),
        help_text=_("Required only when a policy rule fails. It is recorded on the referral."),
    )


class DeclineForm(forms.Form):
    reason_code = forms.ChoiceField(choices=[("", _("Choose a reason")), *DeclineReason.choices], label=_("Reason"))
    note = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), required=False, max_length=5000, label=_("Note"))

    def clean(self):
        data = super().clean()
        if data.get("reason_code") == DeclineReason.OTHER and not data.get("note", "").strip():
            self.add_error("note", gettext("Say why, when the reason is “Other”."))
        return data


class RequestInfoForm(forms.Form):
    message = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=5000,
        label=_("What does the officer need to add?"),
    )


class WithdrawForm(forms.Form):
    reason = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), max_length=2000, label=_("Why withdraw it?"))


class ReferralFilter(django_filters.FilterSet):
    q = SearchFilter()
    status = django_filters.ChoiceFilter(choices=ReferralStatus.choices, empty_label=_("Any status"))
    offence_category = django_filters.ModelChoiceFilter(
        queryset=OffenceCategory.objects.all(), empty_label=_("Any offence")
    )
    created_after = django_filters.DateFilter(
        field_name="created_at", lookup_expr="date__gte", label=_("Logged from"), widget=DATE_INPUT
    )
    created_before = django_filters.DateFilter(
        field_name="created_at", lookup_expr="date__lte", label=_("Logged until"), widget=DATE_INPUT
    )

    class Meta:
        model = Referral
        fields = ["q", "status", "offence_category", "created_after", "created_before"]

    def search(self, queryset, name, value):
        return queryset.search(value)
