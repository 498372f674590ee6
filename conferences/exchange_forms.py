"""The facilitators' forms of asynchronous exchanges: opening one, asking for more, sharing, closing."""

from datetime import timedelta

from django import forms
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from .exchanges import LONGEST, STATEMENT_MAX_LENGTH, StatementRequest, apology_items, exchange_people
from .forms import DATE_INPUT
from .models import PURPOSES_BY_SIDE, ExchangePurpose, ExchangeSide

DEFAULT_LENGTH = timedelta(days=28)


class ItemChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return gettext("%(description)s (due %(due_date)s)") % {
            "description": obj.description,
            "due_date": format(obj.due_date, "%d %b %Y"),
        }


def _purpose_label(purpose: str) -> str:
    """A purpose as staff read it (in the programme's language), the same words as the writer's."""
    return str(ExchangePurpose(purpose).label)


class OpenExchangeForm(forms.Form):
    """Who is asked to write what: one set of checkboxes per person who consented to an exchange."""

    open_until = forms.DateField(
        label=_("Links work until"),
        widget=DATE_INPUT,
        help_text=_("The last day the participants can write and read through their links."),
    )
    prompt = forms.CharField(
        label=_("A word to the participants (optional)"),
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Shown to each of them above what they are asked to write. No names, no contact details."),
    )
    item = ItemChoiceField(
        label=_("Deliver the agreement's apology letter"),
        queryset=None,
        required=False,
        empty_label=_("No: the letter is not an agreement item"),
        help_text=_("When the letter of apology is shared, this item is completed."),
    )

    def __init__(self, *args, case, **kwargs):
        super().__init__(*args, **kwargs)
        self.case = case
        self.people = exchange_people(case)
        self.fields["open_until"].initial = timezone.localdate() + DEFAULT_LENGTH
        self.fields["item"].queryset = apology_items(case)
        if not self.fields["item"].queryset.exists():
            del self.fields["item"]
        for pk, (person, side) in self.people.items():
            self.fields[f"p{pk}"] = forms.MultipleChoiceField(
                label=f"{person.display_name} ({ExchangeSide(side).label.lower()})",
                choices=[(purpose, _purpose_label(purpose)) for purpose in PURPOSES_BY_SIDE[side]],
                required=False,
                widget=forms.CheckboxSelectMultiple,
            )

    @property
    def person_fields(self):
        return [self[f"p{pk}"] for pk in self.people]

    def clean_open_until(self):
        day, today = self.cleaned_data["open_until"], timezone.localdate()
        if not today <= day <= today + LONGEST:
            raise forms.ValidationError(
                gettext("Choose a day from today to %(last_day)s.") % {"last_day": format(today + LONGEST, "%d %b %Y")}
            )
        return day

    def clean(self):
        data = super().clean()
        chosen = [pk for pk in self.people if data.get(f"p{pk}")]
        if self.people and len(chosen) < 2:
            raise forms.ValidationError(gettext("Ask at least two people for something: an exchange is between them."))
        item = data.get("item")
        if item is not None and not any(ExchangePurpose.APOLOGY in data.get(f"p{pk}", ()) for pk in chosen):
            self.add_error("item", gettext("Ask the responsible party for a letter of apology to deliver this item."))
        return data

    def requests(self) -> list[StatementRequest]:
        data = self.cleaned_data
        found = []
        for pk, (person, _side) in self.people.items():
            for purpose in data.get(f"p{pk}", ()):
                item = data.get("item") if purpose == ExchangePurpose.APOLOGY else None
                found.append(StatementRequest(person=person, purpose=purpose, prompt=data["prompt"], item=item))
        return found


class AskForStatementForm(forms.Form):
    """One more statement of someone who consented: an answer to questions shared, a second reflection."""

    request = forms.ChoiceField(label=_("Ask"))
    prompt = forms.CharField(
        label=_("In your words (optional)"),
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Shown to them above the box they write in."),
    )

    def __init__(self, *args, case, **kwargs):
        super().__init__(*args, prefix="ask", **kwargs)
        self.people = exchange_people(case)
        self.fields["request"].choices = [
            (f"{pk}:{purpose}", f"{person.display_name}: {_purpose_label(purpose)}")
            for pk, (person, side) in self.people.items()
            for purpose in PURPOSES_BY_SIDE[side]
        ]

    def statement_request(self) -> StatementRequest:
        pk, purpose = self.cleaned_data["request"].split(":")
        return StatementRequest(person=self.people[int(pk)][0], purpose=purpose, prompt=self.cleaned_data["prompt"])


class ShareStatementForm(forms.Form):
    shared_text = forms.CharField(
        label=_("What the others will read"),
        max_length=STATEMENT_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 8}),
        help_text=_(
            "Take out anything that should not reach them (a name, an address, something that would harm). "
            "What they wrote stays here, for the case's facilitators and supervisors only."
        ),
    )


class CloseExchangeForm(forms.Form):
    reason = forms.CharField(
        label=_("Why close it?"), max_length=1000, widget=forms.Textarea(attrs={"rows": 2}), required=True
    )

    def clean_reason(self):
        reason = self.cleaned_data["reason"].strip()
        if not reason:
            raise forms.ValidationError(gettext("Say why the exchange is closed."))
        return reason
