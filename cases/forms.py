"""Forms of the case pages: preparing the parties, assigning facilitators, closing, the list's filters.

The forms about one person of a case take the case's people (`people`, person id -> Person) so that a
person who is not on the case is refused by the form, before any service is called.
"""

from zoneinfo import available_timezones

from django import forms
from django.db.models import Count, F, OuterRef, Q, Subquery
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from people.dates import PlainDateField
from people.models import ContactDetails, Role, User
from referrals.forms import DATE_INPUT, PartyForm
from referrals.models import PartyRole, Referral
from rjcases.listing import validate_search
from training.accreditation import accreditation_lines

from .models import (
    OPEN_CASE_STATUSES,
    Assessment,
    Case,
    CaseStatus,
    Consent,
    ConsentPurpose,
    ContactAttempt,
    ReturnReason,
)

DATETIME_INPUT = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")
TEXT_LIMIT = 5000


class PersonChoiceField(forms.ChoiceField):
    """A choice among the people of a case; cleans to the Person.

    `shown` narrows what the select offers without narrowing what is valid, so that a form can
    explain *why* a person on the case is the wrong choice instead of saying "not a valid choice".
    """

    default_error_messages = {"invalid_choice": _("This person is not on the case.")}

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.people = {}

    def set_people(self, people, shown=None):
        self.people = people
        self.choices = [(pk, person.display_name) for pk, person in (shown or people).items()]

    def valid_value(self, value):
        return str(value) in {str(pk) for pk in self.people}

    def clean(self, value):
        value = super().clean(value)
        return self.people[int(value)] if value not in self.empty_values else None


class PersonForm(forms.Form):
    """A form about one person on the case, who is chosen on the page (a hidden field)."""

    person = PersonChoiceField(widget=forms.HiddenInput)

    def __init__(self, *args, people, **kwargs):
        super().__init__(*args, **kwargs)
        self.people = people
        self.fields["person"].set_people(people)

    def chosen_person_id(self) -> int | None:
        """Return the id of the person the form is about, valid or not yet validated; None if unknown."""
        value = self.data.get(self.add_prefix("person")) if self.is_bound else self.initial.get("person")
        try:
            return int(value) if int(value) in self.people else None
        except (TypeError, ValueError):
            return None


class ContactForm(PersonForm):
    contacted_at = forms.DateTimeField(label=_("When"), widget=DATETIME_INPUT)
    channel = forms.ChoiceField(choices=ContactAttempt.Channel.choices)
    outcome = forms.ChoiceField(choices=ContactAttempt.Outcome.choices, widget=forms.RadioSelect)
    note = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), required=False, max_length=TEXT_LIMIT)

    def clean_contacted_at(self):
        when = self.cleaned_data["contacted_at"]
        if when > timezone.now():
            raise forms.ValidationError(gettext("A contact cannot be logged in the future."))
        return when


class ConsentForm(PersonForm):
    purpose = forms.ChoiceField(choices=ConsentPurpose.choices)
    given_by = PersonChoiceField(help_text=_("The person, or a guardian on the case for a juvenile."))
    given_on = PlainDateField(label=_("Given on"), widget=DATE_INPUT)
    method = forms.ChoiceField(choices=Consent.Method.choices, label=_("How it was given"))

    def __init__(self, *args, guardians=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.guardians = set(guardians)
        person_id = self.chosen_person_id()
        shown = self.people
        if person_id is not None:
            order = [person_id, *[pk for pk in self.people if pk in self.guardians and pk != person_id]]
            shown = {pk: self.people[pk] for pk in order}
        self.fields["given_by"].set_people(self.people, shown=shown)

    def clean_given_on(self):
        day = self.cleaned_data["given_on"]
        if day > timezone.localdate():
            raise forms.ValidationError(gettext("Consent cannot be dated in the future."))
        return day

    def clean(self):
        data = super().clean()
        person, given_by = data.get("person"), data.get("given_by")
        if person and given_by and given_by.pk != person.pk and given_by.pk not in self.guardians:
            self.add_error(
                "given_by",
                gettext(
                    "%(given_by)s is not a guardian on this case: consent for %(person)s is given by them or by a "
                    "guardian."
                )
                % {"given_by": given_by.display_name, "person": person.display_name},
            )
        return data


class WithdrawConsentForm(forms.Form):
    reason = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 2}), max_length=TEXT_LIMIT, label=_("Why is it withdrawn?")
    )


class AssessmentForm(PersonForm):
    will_attend = forms.BooleanField(required=False, initial=True, label=_("Will take part in the conference"))
    ready = forms.BooleanField(required=False, label=_("Prepared and ready to take part"))
    risk = forms.ChoiceField(choices=[("", _("Choose")), *Assessment.Risk.choices])
    notes = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
        max_length=TEXT_LIMIT,
        label=_("Confidential notes"),
        help_text=_("Seen only by the case's facilitators and supervisors."),
    )

    @classmethod
    def initial_from(cls, assessment: Assessment | None) -> dict:
        if assessment is None:
            return {}
        fields = ("will_attend", "ready", "risk", "notes")
        return {name: getattr(assessment, name) for name in fields}


class NoteForm(forms.Form):
    text = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=TEXT_LIMIT,
        label=_("New note"),
        help_text=_(
            "Confidential to the case's facilitators and supervisors. The timeline says only that a note was added."
        ),
    )


def active_facilitators():
    return User.objects.filter(role=Role.FACILITATOR, is_active=True).order_by("first_name", "last_name")


class StandingLabels:
    """Name each facilitator with their caseload and what they are accredited to lead (`lines`, set by the form).

    For choice fields over `facilitators_with_caseload()`: the assign form's and the schedule form's.
    """

    lines: dict[int, str] = {}

    def label_from_instance(self, obj):
        caseload = ngettext("%(count)s open case", "%(count)s open cases", obj.open_cases) % {"count": obj.open_cases}
        return f"{obj} ({caseload}; {self.lines.get(obj.pk, '')})"


class StandingChoiceField(StandingLabels, forms.ModelChoiceField):
    pass


class AssignForm(forms.Form):
    facilitator = StandingChoiceField(queryset=User.objects.none(), empty_label=_("Choose a facilitator"))
    co_facilitator = StandingChoiceField(
        queryset=User.objects.none(), required=False, empty_label=_("No co-facilitator"), label=_("Co-facilitator")
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        facilitators = facilitators_with_caseload().filter(is_active=True).order_by("first_name", "last_name")
        lines = accreditation_lines(list(facilitators.values_list("pk", flat=True)), timezone.localdate())
        for name in ("facilitator", "co_facilitator"):
            self.fields[name].queryset = facilitators
            self.fields[name].lines = lines

    def clean(self):
        data = super().clean()
        facilitator, co_facilitator = data.get("facilitator"), data.get("co_facilitator")
        if facilitator and co_facilitator and facilitator == co_facilitator:
            self.add_error("co_facilitator", gettext("The co-facilitator must be someone other than the facilitator."))
        return data


class CaseloadChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        values = {"facilitator": obj, "count": obj.open_cases}
        if obj.is_active:
            label = ngettext(
                "%(facilitator)s (%(count)s open case)", "%(facilitator)s (%(count)s open cases)", obj.open_cases
            )
        else:
            label = ngettext(
                "%(facilitator)s (%(count)s open case, no longer active)",
                "%(facilitator)s (%(count)s open cases, no longer active)",
                obj.open_cases,
            )
        return label % values


def _open_cases_held_as(role_field: str):
    """Count a facilitator's open cases in one role, one index lookup per facilitator.

    A subquery per role rather than two joins counted with DISTINCT, which multiplies the rows of a
    facilitator's cases by those of their co-facilitated cases before counting.
    """
    held = (
        Case.objects.filter(**{role_field: OuterRef("pk"), "status__in": OPEN_CASE_STATUSES})
        .order_by()
        .values(role_field)
        .annotate(n=Count("pk"))
        .values("n")
    )
    return Coalesce(Subquery(held), 0)


def facilitators_with_caseload():
    """Return every facilitator, active or not, with the number of open cases they hold."""
    return (
        User.objects.filter(role=Role.FACILITATOR)
        .annotate(lead_cases=_open_cases_held_as("facilitator"), supporting_cases=_open_cases_held_as("co_facilitator"))
        .annotate(open_cases=F("lead_cases") + F("supporting_cases"))
        .order_by("-is_active", "first_name", "last_name")
    )


class ReassignForm(forms.Form):
    departing = CaseloadChoiceField(
        queryset=User.objects.none(), empty_label=_("Choose a facilitator"), label=_("Departing facilitator")
    )
    successor = forms.ModelChoiceField(
        queryset=User.objects.none(),
        empty_label=_("Choose a facilitator"),
        label=_("Hand their open cases to"),
        help_text=_("Their closed cases stay as they are."),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["departing"].queryset = facilitators_with_caseload()
        self.fields["successor"].queryset = active_facilitators()

    def clean(self):
        data = super().clean()
        if data.get("departing") and data.get("departing") == data.get("successor"):
            self.add_error("successor", gettext("Choose someone other than the departing facilitator."))
        return data


class ReturnForm(forms.Form):
    reason_code = forms.ChoiceField(choices=[("", _("Choose a reason")), *ReturnReason.choices], label=_("Reason"))
    note = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), required=False, max_length=TEXT_LIMIT)

    def clean(self):
        data = super().clean()
        if data.get("reason_code") == ReturnReason.OTHER and not data.get("note", "").strip():
            self.add_error("note", gettext("Say why, when the reason is “Other”."))
        return data


class CloseForm(forms.Form):
    reason = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 2}),
        max_length=TEXT_LIMIT,
        label=_("Why close it without a conference?"),
        help_text=_("For example: the harmed party declined and no alternative was used."),
    )


class CasePartyForm(PartyForm):
    """Someone added to the case while preparing it: a guardian, a supporter, a party found later."""

    def __init__(self, *args, case, **kwargs):
        super().__init__(*args, **kwargs)
        self.roles_on_case = set(case.referral.parties.values_list("person_id", "role"))
        self.fields["role"].initial = PartyRole.GUARDIAN
        del self.fields["party_id"]

    def clean(self):
        data = super().clean()
        person_id = self.person_id() if not self.errors else None
        role = data.get("role")
        if person_id is not None and (person_id, role) in self.roles_on_case:
            self.add_error(
                "on_match",
                gettext("This person is already on the case as a %(role)s.") % {"role": PartyRole(role).label.lower()},
            )
        return data

    def person_id(self):
        if self.matches and self.cleaned_data.get("on_match") == "link":
            return self.matches[0].pk
        return None


UNASSIGNED = "unassigned"


class CaseFilterForm(forms.Form):
    """The case list's filters. Anything not understood is ignored rather than refused."""

    q = forms.CharField(
        required=False, max_length=100, label=_("Reference, report number or name"), validators=[validate_search]
    )
    status = forms.ChoiceField(choices=[("", _("Any stage")), *CaseStatus.choices], required=False, label=_("Stage"))
    facilitator = forms.ChoiceField(required=False)

    def __init__(self, *args, by_facilitator=True, **kwargs):
        super().__init__(*args, **kwargs)
        if not by_facilitator:
            del self.fields["facilitator"]
            return
        people = User.objects.filter(role=Role.FACILITATOR).order_by("-is_active", "first_name", "last_name")
        self.fields["facilitator"].choices = [
            ("", gettext("Anyone")),
            (UNASSIGNED, gettext("Not assigned")),
            *[(str(user.pk), str(user)) for user in people],
        ]

    def filter(self, cases):
        """Return `cases` narrowed by the filters; a value that is not a choice is ignored."""
        self.is_valid()
        data = self.cleaned_data
        if data.get("q"):
            cases = cases.filter(referral__in=Referral.objects.search(data["q"]))
        if data.get("status"):
            cases = cases.filter(status=data["status"])
        facilitator = data.get("facilitator")
        if facilitator == UNASSIGNED:
            cases = cases.filter(facilitator__isnull=True)
        elif facilitator:
            cases = cases.filter(Q(facilitator_id=facilitator) | Q(co_facilitator_id=facilitator))
        return cases


def person_form_kwargs(form_class, case) -> dict:
    """Return what a form about one person on `case` is made with: the case's people, and for a
    consent the guardians on the case."""
    parties = list(case.referral.parties.select_related("person"))
    kwargs = {"people": {party.person_id: party.person for party in parties}}
    if issubclass(form_class, ConsentForm):
        kwargs["guardians"] = {party.person_id for party in parties if party.role == PartyRole.GUARDIAN}
    return kwargs


class ContactDetailsForm(forms.ModelForm):
    """A participant's contact details, kept up to date by the case's facilitators."""

    class Meta:
        model = ContactDetails
        fields = ["phone", "email", "address", "time_zone", "language", "phone_not_to_use", "email_not_to_use"]
        widgets = {"address": forms.Textarea(attrs={"rows": 3})}
        help_texts = {
            "phone_not_to_use": _("A wrong number, or one they asked us not to use: no text message goes to it."),
            "email_not_to_use": _("No email goes to it."),
        }

    def clean_time_zone(self):
        name = self.cleaned_data["time_zone"].strip()
        if name and name not in available_timezones():
            raise forms.ValidationError(gettext("Enter a time zone such as Europe/London or Europe/Dublin."))
        return name

    def clean(self):
        data = super().clean()
        nothing_to_mark = {
            "phone": gettext("There is no phone to mark: leave it unticked."),
            "email": gettext("There is no email to mark: leave it unticked."),
        }
        for channel, message in nothing_to_mark.items():
            if data.get(f"{channel}_not_to_use") and not data.get(channel):
                self.add_error(f"{channel}_not_to_use", message)
        return data
