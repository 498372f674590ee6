"""Forms of the training pages: scheduling and inviting, attendance, observed practice, grants."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from django import forms
from django.conf import settings
from django.core.validators import URLValidator
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from people.dates import PlainDateField, check_recent_past
from people.models import Role, User

from .models import Attendance, ConferenceKind, Course, Level, Observation, Result
from .services import TRAINABLE_ROLES, AttendanceRecord, SessionPlan

DATE_INPUT = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
TIME_INPUT = forms.TimeInput(attrs={"type": "time"}, format="%H:%M")
# Far enough for any real plan, near enough that the end time can never overflow a datetime.
LONGEST_AHEAD = timedelta(days=2 * 366)
CHECKBOX = forms.CheckboxInput(attrs={"class": "form-check-input"})


def staff_label(user: User) -> str:
    """Name a person with where they work, so that two people of one name can be told apart."""
    where = user.unit or user.partner
    name = user.get_full_name() or user.username
    return f"{name} · {where}" if where else name


class ScheduleForm(forms.Form):
    course = forms.ModelChoiceField(queryset=Course.objects.filter(active=True), label=_("Course"))
    start_date = PlainDateField(label=_("Date"), widget=DATE_INPUT)
    start_time = forms.TimeField(label=_("Start time"), widget=TIME_INPUT)
    duration_minutes = forms.IntegerField(
        label=_("Duration (minutes)"),
        min_value=15,
        max_value=60 * 24,
        initial=180,
        widget=forms.NumberInput(attrs={"step": 15}),
    )
    place = forms.CharField(
        label=_("Place"), required=False, max_length=300, help_text=_("The room, for a session in person.")
    )
    meeting_link = forms.URLField(
        label=_("Meeting link"),
        required=False,
        max_length=500,
        assume_scheme="https",
        validators=[URLValidator(schemes=["http", "https"])],
        help_text=_("The link to join, for a session online."),
    )
    trainer = forms.CharField(label=_("Trainer"), max_length=200, help_text=_("A name, or an organisation."))
    capacity = forms.IntegerField(
        label=_("Capacity"),
        min_value=1,
        max_value=500,
        error_messages={"min_value": _("A session has room for at least one person.")},
    )

    def clean(self):
        data = super().clean()
        day, time = data.get("start_date"), data.get("start_time")
        if day and time:
            starts_at = datetime.combine(day, time).replace(tzinfo=ZoneInfo(settings.TIME_ZONE))
            now = timezone.now()
            if starts_at <= now:
                self.add_error("start_date", gettext("The session must start in the future."))
            elif starts_at > now + LONGEST_AHEAD:
                self.add_error("start_date", gettext("Schedule a session at most two years ahead."))
            data["starts_at"] = starts_at
        data["place"] = data.get("place", "").strip()
        if not data["place"] and not data.get("meeting_link") and "meeting_link" not in self.errors:
            self.add_error("place", gettext("Give the place of the session or the link to join it."))
        return data

    def to_plan(self) -> SessionPlan:
        data = self.cleaned_data
        return SessionPlan(
            starts_at=data["starts_at"],
            duration_minutes=data["duration_minutes"],
            trainer=data["trainer"].strip(),
            capacity=data["capacity"],
            place=data["place"],
            meeting_link=data["meeting_link"],
        )


class StaffChoiceField(forms.ModelMultipleChoiceField):
    """Active staff, grouped by role in the list so that a long list can still be scanned."""

    def label_from_instance(self, obj):
        return staff_label(obj)

    def _grouped_choices(self):
        labels = dict(Role.choices)
        groups: dict[str, list] = {}
        for user in self.queryset:
            groups.setdefault(labels[user.role], []).append((user.pk, self.label_from_instance(user)))
        return list(groups.items())

    choices = property(_grouped_choices, forms.ChoiceField.choices.fset)


class InviteForm(forms.Form):
    users = StaffChoiceField(
        queryset=User.objects.none(),
        label=_("People to invite"),
        help_text=_("Hold Ctrl (or Cmd) to choose several."),
        widget=forms.SelectMultiple(attrs={"size": 10}),
    )

    def __init__(self, *args, role: str = "", **kwargs):
        super().__init__(*args, **kwargs)
        staff = User.objects.filter(role__in=TRAINABLE_ROLES, is_active=True).select_related("unit__agency", "partner")
        if role in TRAINABLE_ROLES:
            staff = staff.filter(role=role)
        self.fields["users"].queryset = staff.order_by("role", "last_name", "first_name", "pk")


class AttendanceForm(forms.Form):
    """One row per invitee: came, completed, the assessment and a note; fields named after the attendance."""

    RESULT_CHOICES = [("", _("— Not assessed —")), *Result.choices]

    def __init__(self, *args, attendances: list[Attendance], **kwargs):
        super().__init__(*args, **kwargs)
        self.attendances = attendances
        for attendance in attendances:
            pk = attendance.pk
            self.fields[f"attended_{pk}"] = forms.BooleanField(
                required=False, label=_("Attended"), initial=bool(attendance.attended), widget=CHECKBOX
            )
            self.fields[f"completed_{pk}"] = forms.BooleanField(
                required=False, label=_("Completed"), initial=attendance.completed_on is not None, widget=CHECKBOX
            )
            self.fields[f"result_{pk}"] = forms.ChoiceField(
                required=False,
                label=_("Result"),
                choices=self.RESULT_CHOICES,
                initial=attendance.result,
                widget=forms.Select(attrs={"class": "form-select form-select-sm"}),
            )
            self.fields[f"note_{pk}"] = forms.CharField(
                required=False,
                label=_("Note"),
                max_length=500,
                initial=attendance.assessment_note,
                widget=forms.TextInput(attrs={"class": "form-control form-control-sm"}),
            )

    def rows(self):
        """Return each invitee with their four bound fields, for the table."""
        return [
            (attendance, [self[f"{name}_{attendance.pk}"] for name in ("attended", "completed", "result", "note")])
            for attendance in self.attendances
        ]

    def clean(self):
        data = super().clean()
        for attendance in self.attendances:
            pk = attendance.pk
            if data.get(f"completed_{pk}") and not data.get(f"attended_{pk}"):
                self.add_error(f"completed_{pk}", gettext("Someone who did not attend cannot have completed it."))
            if data.get(f"result_{pk}") and not data.get(f"completed_{pk}"):
                self.add_error(f"result_{pk}", gettext("Only someone who completed the session can be assessed."))
        return data

    def to_records(self) -> dict[int, AttendanceRecord]:
        data = self.cleaned_data
        return {
            a.pk: AttendanceRecord(
                attended=data[f"attended_{a.pk}"],
                completed=data[f"completed_{a.pk}"],
                result=data[f"result_{a.pk}"],
                note=data[f"note_{a.pk}"],
            )
            for a in self.attendances
        }


class ObservationForm(forms.Form):
    conference_kind = forms.ChoiceField(label=_("Kind of conference"), choices=ConferenceKind.choices)
    observed_on = PlainDateField(label=_("Observed on"), widget=DATE_INPUT)
    judgement = forms.ChoiceField(label=_("Judgement"), choices=Observation.Judgement.choices)
    note = forms.CharField(label=_("Note"), required=False, max_length=500, widget=forms.Textarea(attrs={"rows": 2}))

    def clean_observed_on(self):
        day = self.cleaned_data["observed_on"]
        if day > timezone.localdate():
            raise forms.ValidationError(gettext("An observation is recorded after the conference, not before."))
        check_recent_past(day, what="The day observed")
        return day


class GrantForm(forms.Form):
    conference_kind = forms.ChoiceField(choices=ConferenceKind.choices)
    level = forms.ChoiceField(choices=Level.choices)


class RenewForm(forms.Form):
    conference_kind = forms.ChoiceField(choices=ConferenceKind.choices)


class PeopleFilter(forms.Form):
    role = forms.ChoiceField(
        label=_("Role"),
        required=False,
        choices=[("", _("Every role")), *[(role, label) for role, label in Role.choices if role in TRAINABLE_ROLES]],
    )
    name = forms.CharField(label=_("Name"), required=False, max_length=100)

    def filter(self, people):
        """Return `people` narrowed to the chosen role and name (all of them when the filter is invalid)."""
        if not self.is_valid():
            return people
        if self.cleaned_data["role"]:
            people = people.filter(role=self.cleaned_data["role"])
        for word in self.cleaned_data["name"].split():
            people = people.filter(
                Q(first_name__icontains=word) | Q(last_name__icontains=word) | Q(username__icontains=word)
            )
        return people
