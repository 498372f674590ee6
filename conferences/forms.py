"""Forms of the conference pages: when, where and with whom; invitations; what happened."""

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import django_filters
from django import forms
from django.conf import settings
from django.core.validators import URLValidator
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from cases.forms import StandingLabels, facilitators_with_caseload
from people.models import Role, User
from referrals.models import Referral
from rjcases.listing import SearchFilter
from training.accreditation import accreditation_lines
from training.models import Observation

from .models import Conference, ConferenceKind, ConferenceStatus, Participant, Venue
from .services import ConferencePlan, Lead

DATE_INPUT = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
TIME_INPUT = forms.TimeInput(attrs={"type": "time"}, format="%H:%M")
# Far enough for any real plan, near enough that the end time can never overflow a datetime.
LONGEST_AHEAD = timedelta(days=2 * 366)


class FacilitatorChoiceField(StandingLabels, forms.ModelMultipleChoiceField):
    pass


class LeadChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return obj.get_full_name() or obj.username


def lead_override_field() -> forms.CharField:
    return forms.CharField(
        required=False,
        max_length=1000,
        label=_("Let them lead without accreditation: why"),
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_(
            "Only when the lead holds no current accreditation for this kind of conference. "
            "Recorded on the case timeline and in the audit log."
        ),
    )


class PlanForm(forms.Form):
    """When and where: the part of a conference that scheduling and rescheduling both set."""

    start_date = forms.DateField(label=_("Date"), widget=DATE_INPUT)
    start_time = forms.TimeField(label=_("Start time"), widget=TIME_INPUT)
    duration_minutes = forms.IntegerField(
        label=_("Duration (minutes)"),
        min_value=15,
        max_value=480,
        initial=120,
        widget=forms.NumberInput(attrs={"step": 15}),
        error_messages={
            "min_value": _("A conference lasts at least 15 minutes."),
            "max_value": _("A conference lasts at most 8 hours (480 minutes)."),
        },
    )
    mode = forms.ChoiceField(
        choices=Conference.Mode.choices, initial=Conference.Mode.IN_PERSON, widget=forms.RadioSelect, label=_("Where")
    )
    venue = forms.ModelChoiceField(queryset=Venue.objects.none(), required=False, empty_label=_("— Not at a venue —"))
    address = forms.CharField(
        required=False,
        label=_("Or an address"),
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Only when the conference is not at one of the programme's venues."),
    )
    meeting_link = forms.URLField(
        required=False,
        max_length=500,
        assume_scheme="https",
        validators=[URLValidator(schemes=["http", "https"])],
        help_text=_("The link participants use to join (Teams, Zoom, …)."),
    )

    def __init__(self, *args, current_venue: Venue | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        keep = current_venue.pk if current_venue else None
        self.fields["venue"].queryset = Venue.objects.filter(Q(active=True) | Q(pk=keep)).select_related("partner")

    def clean(self):
        data = super().clean()
        day, time = data.get("start_date"), data.get("start_time")
        if day and time:
            starts_at = datetime.combine(day, time).replace(tzinfo=ZoneInfo(settings.TIME_ZONE))
            now = timezone.now()
            if starts_at <= now:
                self.add_error("start_date", gettext("The conference must start in the future."))
            elif starts_at > now + LONGEST_AHEAD:
                self.add_error("start_date", gettext("Schedule a conference at most two years ahead."))
            data["starts_at"] = starts_at
        if data.get("mode") == Conference.Mode.VIRTUAL:
            if not data.get("meeting_link"):
                self.add_error("meeting_link", gettext("A virtual conference needs the link to join it."))
            data["venue"], data["address"] = None, ""
        elif data.get("mode") == Conference.Mode.IN_PERSON:
            address = data.get("address", "").strip()
            if data.get("venue") and address:
                self.add_error("address", gettext("Choose a venue or type an address, not both."))
            elif not data.get("venue") and not address:
                self.add_error("venue", gettext("Choose a venue or type the address where the conference takes place."))
            data["address"], data["meeting_link"] = address, ""
        return data

    def to_plan(self, kind: str) -> ConferencePlan:
        data = self.cleaned_data
        return ConferencePlan(
            kind=kind,
            starts_at=data["starts_at"],
            duration_minutes=data["duration_minutes"],
            mode=data["mode"],
            venue=data["venue"],
            address=data["address"],
            meeting_link=data["meeting_link"],
        )


class ScheduleForm(PlanForm):
    kind = forms.ChoiceField(choices=ConferenceKind.choices, label=_("Kind of conference"))
    facilitators = FacilitatorChoiceField(
        queryset=User.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Each one is booked for the time; nobody can be booked twice at once."),
    )
    lead = LeadChoiceField(
        queryset=User.objects.none(),
        required=False,
        label=_("Who leads"),
        empty_label=_("The case's facilitator"),
        help_text=_("The lead must be accredited for this kind of conference on its day; a trainee may co-facilitate."),
    )
    invite_officer = forms.BooleanField(required=False, label=_("Invite the referring officer"))

    field_order = ["kind"]

    def __init__(self, *args, case, can_override: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        facilitators = facilitators_with_caseload().filter(is_active=True).order_by("last_name", "first_name", "pk")
        self.fields["facilitators"].queryset = facilitators
        self.fields["facilitators"].lines = accreditation_lines(
            list(facilitators.values_list("pk", flat=True)), timezone.localdate()
        )
        self.fields["facilitators"].initial = [pk for pk in (case.facilitator_id, case.co_facilitator_id) if pk]
        self.fields["lead"].queryset = User.objects.filter(role=Role.FACILITATOR, is_active=True).order_by(
            "last_name", "first_name", "pk"
        )
        if can_override:
            self.fields["lead_override_reason"] = lead_override_field()
        self.fields["invite_officer"].help_text = gettext("%(officer)s is added to the participants.") % {
            "officer": case.referral.referring_officer
        }

    def to_plan(self, kind: str = "") -> ConferencePlan:
        return super().to_plan(kind or self.cleaned_data["kind"])

    def to_lead(self) -> Lead:
        data = self.cleaned_data
        return Lead(facilitator=data.get("lead"), override_reason=data.get("lead_override_reason", ""))


class RescheduleForm(PlanForm):
    reason = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 2}), help_text=_("Kept in the conference's history and the case timeline.")
    )

    def __init__(self, *args, can_override: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        if can_override:
            self.fields["lead_override_reason"] = lead_override_field()

    @staticmethod
    def initial_for(conference: Conference) -> dict:
        starts_at = timezone.localtime(conference.starts_at)
        return {
            "start_date": starts_at.date(),
            "start_time": starts_at.time(),
            "duration_minutes": conference.duration_minutes,
            "mode": conference.mode,
            "venue": conference.venue_id,
            "address": conference.address,
            "meeting_link": conference.meeting_link,
        }


class ReasonForm(forms.Form):
    reason = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}), help_text=_("Kept in the conference's history and the case timeline.")
    )


class InvitationForm(forms.Form):
    """A facilitator records an answer given another way (by phone, in person)."""

    invitation = forms.ChoiceField(
        choices=Participant.Invitation.choices,
        label=_("Invitation"),
        widget=forms.Select(attrs={"class": "form-select form-select-sm"}),
    )

    def __init__(self, *args, participant: Participant | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        if participant is not None and participant.invited_at:  # it went: "not invited" would be untrue
            field = self.fields["invitation"]
            field.choices = [c for c in field.choices if c[0] != Participant.Invitation.TO_INVITE]


class ParticipantForm(forms.Form):
    """Someone who is not on the case file: a community member or a supporter, by name."""

    role = forms.ChoiceField(
        choices=[(Participant.Role.COMMUNITY, _("Community member")), (Participant.Role.SUPPORTER, _("Supporter"))]
    )
    name = forms.CharField(max_length=200)

    def clean_name(self):
        name = self.cleaned_data["name"].strip()
        if not name:
            raise forms.ValidationError(gettext("Give the person's name."))
        return name


class ParticipantChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj):
        return f"{obj.display_name} ({obj.get_role_display().lower()})"


class HoldForm(forms.Form):
    attended = ParticipantChoiceField(
        queryset=Participant.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        label=_("Who attended"),
        help_text=_("Tick everyone who took part; the others are recorded as absent."),
    )
    notes = forms.CharField(
        required=False,
        widget=forms.Textarea(attrs={"rows": 6}),
        label=_("Confidential notes"),
        help_text=_("Seen only by the case's facilitators and supervisors; never by the police or partners."),
    )

    def __init__(self, *args, conference: Conference, **kwargs):
        super().__init__(*args, **kwargs)
        self.participants = list(conference.participants.select_related("person", "user"))
        self.fields["attended"].queryset = conference.participants.select_related("person", "user")

    def attendance(self) -> dict[int, bool]:
        present = {p.pk for p in self.cleaned_data["attended"]}
        return {p.pk: p.pk in present for p in self.participants}


def _local_midnight(day) -> datetime:
    return datetime.combine(day, datetime.min.time(), tzinfo=ZoneInfo(settings.TIME_ZONE))


class ConferenceFilter(django_filters.FilterSet):
    """The conference list's filters. Dates are whole local days, compared as times so that the index serves."""

    q = SearchFilter()
    status = django_filters.ChoiceFilter(choices=ConferenceStatus.choices, empty_label=_("Any status"))
    kind = django_filters.ChoiceFilter(choices=ConferenceKind.choices, empty_label=_("Any kind"))
    starts_from = django_filters.DateFilter(method="filter_from", label=_("From"), widget=DATE_INPUT)
    starts_until = django_filters.DateFilter(method="filter_until", label=_("Until"), widget=DATE_INPUT)

    class Meta:
        model = Conference
        fields = ["q", "status", "kind", "starts_from", "starts_until"]

    def search(self, queryset, name, value):
        return queryset.filter(case__referral__in=Referral.objects.search(value))

    def filter_from(self, queryset, name, value):
        return queryset.filter(starts_at__gte=_local_midnight(value))

    def filter_until(self, queryset, name, value):
        if value >= date.max - timedelta(days=1):  # "until the end of time": nothing to cut off
            return queryset
        return queryset.filter(starts_at__lt=_local_midnight(value + timedelta(days=1)))


class ObservationForm(forms.Form):
    """A supervisor who watched the conference records one facilitator's practice: training's observed practice."""

    facilitator = LeadChoiceField(queryset=User.objects.none(), empty_label=_("Choose who you observed"))
    judgement = forms.ChoiceField(choices=Observation.Judgement.choices, widget=forms.RadioSelect)
    note = forms.CharField(
        required=False,
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("What went well, what to work on. Seen by the facilitator and the supervisors."),
    )

    def __init__(self, *args, conference: Conference, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["facilitator"].queryset = User.objects.filter(
            bookings__conference=conference, role=Role.FACILITATOR
        ).order_by("last_name", "first_name")
