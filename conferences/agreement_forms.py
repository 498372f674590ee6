"""Forms of the agreement pages: the agreement with its items, and the progress recorded on an item."""

import dataclasses
from decimal import Decimal

import django_filters
from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from people.dates import PlainDateField
from people.models import Partner, Person
from referrals.models import PartyRole, Referral
from rjcases.listing import SearchFilter, is_number_search

from .models import AgreementItem, ItemKind, ItemStatus
from .services import ItemInput

DATE_INPUT = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
MAX_ITEMS = 30

# An agreement runs for months, not decades: a later date is a typing mistake.
MAX_YEARS_AHEAD = 5


def _not_in_future(day, message):
    if day > timezone.localdate():
        raise forms.ValidationError(message)
    return day


class ItemForm(forms.Form):
    """One item of an agreement. An amount counts for restitution only, hours for community service only."""

    kind = forms.ChoiceField(choices=ItemKind.choices, initial=ItemKind.RESTITUTION)
    description = forms.CharField(
        max_length=300,
        help_text=_(
            "What exactly, in words the parties recognise. The supervising partner reads it: "
            "leave out the harmed party's name."
        ),
    )
    amount = forms.DecimalField(
        max_digits=9,
        decimal_places=2,
        min_value=Decimal("0.01"),
        required=False,
        label=_("Amount to pay (£)"),
    )
    hours = forms.DecimalField(
        max_digits=6,
        decimal_places=1,
        min_value=Decimal("0.1"),
        required=False,
        label=_("Hours to do"),
    )
    due_date = PlainDateField(widget=DATE_INPUT)
    harmed_party = forms.ModelChoiceField(
        queryset=Person.objects.none(), required=False, empty_label="—", label=_("Repairs harm to")
    )
    partner = forms.ModelChoiceField(
        queryset=Partner.objects.all(), required=False, empty_label=_("The facilitator"), label=_("Supervised by")
    )

    def __init__(self, *args, harmed_parties=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["harmed_party"].queryset = harmed_parties if harmed_parties is not None else Person.objects.none()

    def clean_due_date(self):
        day = self.cleaned_data["due_date"]
        if day < timezone.localdate():
            raise forms.ValidationError(gettext("The due date cannot be in the past."))
        if day.year > timezone.localdate().year + MAX_YEARS_AHEAD:
            raise forms.ValidationError(
                gettext("The due date must be within %(years)s years.") % {"years": MAX_YEARS_AHEAD}
            )
        return day

    def clean(self):
        data = super().clean()
        kind = data.get("kind")
        # The page hides the field that does not apply to the kind; a value left in it does not count.
        if kind != ItemKind.RESTITUTION:
            data["amount"] = None
        elif not data.get("amount") and "amount" not in self.errors:
            self.add_error("amount", gettext("Restitution needs the amount to pay."))
        if kind != ItemKind.COMMUNITY_SERVICE:
            data["hours"] = None
        elif not data.get("hours") and "hours" not in self.errors:
            self.add_error("hours", gettext("Community service needs the number of hours."))
        return data

    def to_input(self) -> ItemInput:
        data = self.cleaned_data
        return ItemInput(**{field.name: data[field.name] for field in dataclasses.fields(ItemInput)})


class BaseItemFormSet(forms.BaseFormSet):
    def add_fields(self, form, index):
        super().add_fields(form, index)
        form.fields["DELETE"].label = gettext("Remove this item")

    def clean(self):
        if any(self.errors):
            return
        if not self.kept_forms():
            raise forms.ValidationError(gettext("An agreement needs at least one item."))

    def kept_forms(self):
        """Return the rows to save: prefilled rows not removed, and added rows that were filled in."""
        return [
            form
            for index, form in enumerate(self.forms)
            if not self._should_delete_form(form) and (index < self.initial_form_count() or form.has_changed())
        ]

    def to_inputs(self) -> list[ItemInput]:
        return [form.to_input() for form in self.kept_forms()]


ItemFormSet = forms.formset_factory(
    ItemForm, formset=BaseItemFormSet, extra=1, can_delete=True, max_num=MAX_ITEMS, absolute_max=MAX_ITEMS * 2
)


def item_formset(case, data=None, initial=None) -> BaseItemFormSet:
    """Return the items formset of `case`; an item can repair the harm of the case's harmed parties only."""
    harmed = Person.objects.filter(
        referral_roles__referral__case=case, referral_roles__role=PartyRole.HARMED
    ).distinct()
    formset = ItemFormSet(data, prefix="items", initial=initial, form_kwargs={"harmed_parties": harmed})
    formset.extra = 0 if initial else 1
    return formset


def _remaining(agreed, done):
    """Return what is left to do; all of it when nothing, or everything, was logged."""
    if agreed is None or not 0 < done < agreed:
        return agreed
    return agreed - done


def item_initial(agreement) -> list[dict]:
    """Return the formset rows of an agreement's items still to do, for renegotiating it.

    The ledgers stay with the old version, so an amount or hours start from what remains.
    """
    return [
        {
            "kind": item.kind,
            "description": item.description,
            "amount": _remaining(item.amount, item.amount_paid),
            "hours": _remaining(item.hours, item.hours_done),
            "due_date": item.due_date,
            "harmed_party": item.harmed_party_id,
            "partner": item.partner_id,
        }
        for item in agreement.items.all()
        if item.status in (ItemStatus.PENDING, ItemStatus.MISSED)
    ]


class AgreementForm(forms.Form):
    summary = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
        max_length=5000,
        help_text=_("What the parties agreed, in their words."),
    )


class RenegotiateForm(AgreementForm):
    reason = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 2}),
        max_length=2000,
        label=_("Why is the agreement renegotiated?"),
        help_text=_("Kept with the new version and in the case's timeline."),
    )


class _ItemEntryForm(forms.Form):
    """An entry in an item's ledger or log, dated between the day its case was opened and today."""

    def __init__(self, *args, item=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.item = item

    def _dated(self, name: str, *, in_future: str, before_opening: str):
        """Return the date `name`; `before_opening` has the day the case was opened as %(opened)s."""
        day = _not_in_future(self.cleaned_data[name], in_future)
        if self.item is not None:
            opened = timezone.localdate(self.item.agreement.case.opened_at)
            if day < opened:
                raise forms.ValidationError(before_opening % {"opened": format(opened, "%d %b %Y")})
        return day


class PaymentForm(_ItemEntryForm):
    amount = forms.DecimalField(max_digits=9, decimal_places=2, min_value=Decimal("0.01"), label=_("Amount paid (£)"))
    paid_on = PlainDateField(widget=DATE_INPUT, label=_("Paid on"), initial=timezone.localdate)

    def clean_paid_on(self):
        return self._dated(
            "paid_on",
            in_future=gettext("The payment date cannot be in the future."),
            before_opening=gettext("The payment date cannot be before the case was opened (%(opened)s)."),
        )


class HoursForm(_ItemEntryForm):
    hours = forms.DecimalField(max_digits=5, decimal_places=1, min_value=Decimal("0.1"), label=_("Hours worked"))
    worked_on = PlainDateField(widget=DATE_INPUT, label=_("Worked on"), initial=timezone.localdate)

    def clean_worked_on(self):
        return self._dated(
            "worked_on",
            in_future=gettext("The date worked cannot be in the future."),
            before_opening=gettext("The date worked cannot be before the case was opened (%(opened)s)."),
        )


STATUS_CHOICES = [(s, s.label) for s in (ItemStatus.COMPLETED, ItemStatus.MISSED, ItemStatus.WAIVED)]


class ItemStatusForm(forms.Form):
    """Mark an item done, missed or waived.

    The radios offer only the moves open to `user` now; a posted one that is not (a partner's
    "waived") reaches the service, which says why it is refused.
    """

    status = forms.ChoiceField(choices=STATUS_CHOICES, widget=forms.RadioSelect, label=_("Mark the item as"))
    note = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 2}),
        required=False,
        max_length=2000,
        help_text=_("Required when the item was missed or is waived."),
    )

    def __init__(self, *args, item, user, **kwargs):
        super().__init__(*args, **kwargs)
        possible = {t.target for t in item.get_available_status_transitions()}
        if not user.is_supervisor:
            possible.discard(ItemStatus.WAIVED)
        self.fields["status"].widget.choices = [c for c in STATUS_CHOICES if c[0] in possible]

    @property
    def has_choices(self):
        return bool(self.fields["status"].widget.choices)

    def clean(self):
        data = super().clean()
        if data.get("status") in (ItemStatus.MISSED, ItemStatus.WAIVED) and not data.get("note", "").strip():
            self.add_error("note", gettext("Say why the item was missed or is waived."))
        return data


def validate_reference_search(text: str) -> None:
    """Partners find an item by its case reference, never by a person's name (DESIGN.md, data protection 2)."""
    if text.strip() and not is_number_search(text):
        raise ValidationError(gettext("Search by the case reference, e.g. RJ-2026-000123."))


class ItemFilter(django_filters.FilterSet):
    """The item list's filters; pass `request`. Partners search by case reference only and have no partner filter."""

    q = SearchFilter()
    status = django_filters.ChoiceFilter(choices=ItemStatus.choices, empty_label=_("Any status"))
    kind = django_filters.ChoiceFilter(choices=ItemKind.choices, empty_label=_("Any kind"))
    partner = django_filters.ModelChoiceFilter(queryset=Partner.objects.all(), empty_label=_("Any partner"))
    overdue = django_filters.BooleanFilter(method="filter_overdue", label=_("Overdue only"), widget=forms.CheckboxInput)

    class Meta:
        model = AgreementItem
        fields = ["q", "status", "kind", "partner", "overdue"]

    def __init__(self, *args, request, **kwargs):
        super().__init__(*args, request=request, **kwargs)
        if request.user.is_partner:
            del self.filters["partner"]
            self.filters["q"].label = gettext("Case reference")
            self.filters["q"].extra["validators"] = [validate_reference_search]

    def search(self, queryset, name, value):
        return queryset.filter(agreement__case__referral__in=Referral.objects.search(value))

    def filter_overdue(self, queryset, name, value):
        return queryset.overdue() if value else queryset
